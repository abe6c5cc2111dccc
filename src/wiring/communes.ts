import { eq } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { CommuneDirectory, CommuneInfo } from '../core/commune.js';
import type { Database } from '../db/client.js';
import { toCommuneInfo } from '../db/communes.js';
import { communes } from '../db/schema/index.js';
import { onCommuneChanged } from '../staff/commune-settings.js';

/**
 * Seed the configured commune the first time the installation starts. The
 * COMMUNE_* environment only seeds: once the row exists, its name, address,
 * phone and hours belong to the commune's admin (console, "Thông tin xã"),
 * and a restart never undoes an edit.
 */
export async function ensureDefaultCommune(database: Database, cfg: Config): Promise<CommuneInfo> {
  await database.db
    .insert(communes)
    .values({
      slug: cfg.COMMUNE_SLUG,
      name: cfg.COMMUNE_NAME,
      province: cfg.COMMUNE_PROVINCE,
      address: cfg.COMMUNE_ADDRESS,
      phone: cfg.COMMUNE_PHONE,
      hoursText: cfg.COMMUNE_HOURS,
      agencyCode: cfg.COMMUNE_AGENCY_CODE ?? null,
    })
    .onConflictDoNothing({ target: communes.slug });
  const [row] = await database.db.select().from(communes).where(eq(communes.slug, cfg.COMMUNE_SLUG));
  return toCommuneInfo(row);
}

/** How long a cached commune is trusted: another process's edit reaches this one within it. */
const DIRECTORY_TTL_MS = 60_000;

/** Communes cached in memory (they change rarely); refreshed on a miss, after a console edit and once a minute. */
export function createCommuneDirectory(database: Database): CommuneDirectory & {
  bySlug(slug: string): Promise<CommuneInfo | undefined>;
  all(): Promise<CommuneInfo[]>;
  invalidate(): void;
} {
  let cache = new Map<number, CommuneInfo>();
  let loadedAt = 0;
  // Bumped by every change: a reload that began before the change does not count as fresh.
  let generation = 0;
  // Misses share one reload: a flood of made-up ?commune= slugs costs one query at a time, not one each.
  let reloading: Promise<void> | undefined;
  function refresh(): Promise<void> {
    reloading ??= (async () => {
      const started = generation;
      const rows = await database.db.select().from(communes);
      cache = new Map(rows.map((r) => [r.id, toCommuneInfo(r)]));
      loadedAt = started === generation ? Date.now() : 0;
    })().finally(() => {
      reloading = undefined;
    });
    return reloading;
  }
  // An edit in the console of this process drops the cache at once (the listener is held by the directory).
  const invalidate = () => {
    generation++;
    loadedAt = 0;
  };
  onCommuneChanged(invalidate);
  const stale = () => Date.now() - loadedAt > DIRECTORY_TTL_MS;
  return {
    invalidate,
    async get(id) {
      if (!cache.has(id) || stale()) await refresh();
      return cache.get(id);
    },
    async bySlug(slug) {
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(slug)) return undefined; // not a slug: no reload for it
      let found = stale() ? undefined : [...cache.values()].find((c) => c.slug === slug);
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
