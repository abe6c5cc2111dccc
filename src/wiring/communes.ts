import type { Config } from '../config.js';
import type { CommuneDirectory, CommuneInfo } from '../core/commune.js';
import type { Database } from '../db/client.js';
import { toCommuneInfo } from '../db/communes.js';
import { communes } from '../db/schema/index.js';

/** Create or update the configured commune (single-commune deployments configure it by environment). */
export async function ensureDefaultCommune(database: Database, cfg: Config): Promise<CommuneInfo> {
  const values = {
    slug: cfg.COMMUNE_SLUG,
    name: cfg.COMMUNE_NAME,
    province: cfg.COMMUNE_PROVINCE,
    address: cfg.COMMUNE_ADDRESS,
    phone: cfg.COMMUNE_PHONE,
    hoursText: cfg.COMMUNE_HOURS,
    agencyCode: cfg.COMMUNE_AGENCY_CODE ?? null,
  };
  const [row] = await database.db
    .insert(communes)
    .values(values)
    .onConflictDoUpdate({ target: communes.slug, set: values })
    .returning();
  return toCommuneInfo(row);
}

/** Communes cached in memory (they change rarely); refreshed on miss. */
export function createCommuneDirectory(database: Database): CommuneDirectory & {
  bySlug(slug: string): Promise<CommuneInfo | undefined>;
  all(): Promise<CommuneInfo[]>;
} {
  let cache = new Map<number, CommuneInfo>();
  // Misses share one reload: a flood of made-up ?commune= slugs costs one query at a time, not one each.
  let reloading: Promise<void> | undefined;
  function refresh(): Promise<void> {
    reloading ??= (async () => {
      const rows = await database.db.select().from(communes);
      cache = new Map(rows.map((r) => [r.id, toCommuneInfo(r)]));
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  }
  return {
    async get(id) {
      if (!cache.has(id)) await refresh();
      return cache.get(id);
    },
    async bySlug(slug) {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(slug)) return undefined; // not a slug: no reload for it
      let found = [...cache.values()].find((c) => c.slug === slug);
      if (!found) {
        await refresh();
        found = [...cache.values()].find((c) => c.slug === slug);
      }
      return found;
    },
    async all() {
      await refresh();
      return [...cache.values()];
    },
  };
}
