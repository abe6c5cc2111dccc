/**
 * Use-cases for procedures: load the shipped catalog, read a procedure as a
 * commune presents it (national record + that commune's override), and let
 * staff maintain overrides and commune-owned local procedures.
 */
import { foldVietnamese } from '../../core/fold.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { importProcedures, procedureHash, readSnapshot, readSnapshotMeta } from './importer/import.js';
import { shortNameOf } from './importer/parse.js';
import { isLocalCode } from './local-code.js';
import * as repo from './repo.js';
import type { OverrideWrite } from './repo.js';
import type { ChannelInfo, Procedure, ProcedureOverride, ResolvedProcedure } from './types.js';

export type { OverrideWrite } from './repo.js';

export class ProcedureNotFoundError extends Error {
  readonly code = 'procedure_not_found';
  constructor(readonly procedureCode: string) {
    super(`unknown procedure ${procedureCode}`);
    this.name = 'ProcedureNotFoundError';
  }
}

/**
 * The shipped snapshot and the installation's catalog. On first start the
 * `procedures` table is empty: fill it from the snapshot so the bot answers
 * without ever reading the crawl. After an upgrade whose snapshot is newer
 * (its catalog date is later than the one installed), the procedures that
 * changed are updated in place; the communes' overrides and local procedures
 * live in their own tables and are kept. An older or undated snapshot never
 * replaces a newer catalog (for example one an administrator imported with
 * `catalog:import`).
 */
export async function ensureCatalogLoaded(
  db: Db,
  opts: { snapshotPath?: string; procedures?: Procedure[]; catalogDate?: string } = {},
): Promise<{ loaded: number; updated: number; catalogDate?: string }> {
  const snapshotDate = opts.catalogDate ?? (opts.procedures ? undefined : readSnapshotMeta(opts.snapshotPath)?.catalogDate);
  const installedDate = await repo.readCatalogDate(db);
  if ((await repo.countNationalProcedures(db)) === 0) {
    const list = opts.procedures ?? readSnapshot(opts.snapshotPath);
    await repo.insertMissingNationalProcedures(
      db,
      list.map((procedure) => ({ procedure, hash: procedureHash(procedure) })),
    );
    if (snapshotDate) await repo.writeCatalogDate(db, snapshotDate);
    return { loaded: list.length, updated: 0, catalogDate: snapshotDate ?? installedDate };
  }
  if (snapshotDate && (!installedDate || installedDate < snapshotDate)) {
    const list = opts.procedures ?? readSnapshot(opts.snapshotPath);
    const report = await importProcedures(db, list);
    await repo.writeCatalogDate(db, snapshotDate);
    return { loaded: 0, updated: report.added + report.changed, catalogDate: snapshotDate };
  }
  return { loaded: 0, updated: 0, catalogDate: installedDate };
}

// ---------------------------------------------------------------- overrides applied

const FEE_AMOUNT = /(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|Đồng|VNĐ|vnđ|đ\b|Đ\b)/g;

/** Amounts (đồng) and "free" read from a commune's own fee wording. */
export function readFeeText(text: string): { amounts: number[]; free: boolean } {
  const amounts: number[] = [];
  for (const m of text.matchAll(FEE_AMOUNT)) {
    const n = Number(m[1].replace(/[.,]/g, ''));
    if (n > 0 && !amounts.includes(n)) amounts.push(n);
  }
  const free = amounts.length === 0 && /miễn\s*(?:phí|lệ phí)|không (?:thu|mất) (?:phí|lệ phí|tiền)/i.test(text);
  return { amounts, free };
}

/** The commune's override replaces what it states (fee, address); everything else stays national. */
export function applyOverride(
  procedure: Procedure,
  override: ProcedureOverride | undefined,
  origin: ResolvedProcedure['origin'],
): ResolvedProcedure {
  if (!override) return { ...procedure, origin };
  let channels: ChannelInfo[] = procedure.channels;
  if (override.fee) {
    const { amounts, free } = readFeeText(override.fee);
    channels = procedure.channels.map((c) => ({ ...c, feeText: override.fee!, feeAmounts: amounts, free }));
  }
  return {
    ...procedure,
    channels,
    receptionAddress: override.receptionAddress ?? procedure.receptionAddress,
    origin,
    override,
  };
}

/** A procedure as the commune presents it, or undefined when the code is unknown to it. */
export async function getProcedure(db: Db, communeId: number, code: string): Promise<ResolvedProcedure | undefined> {
  const local = isLocalCode(code);
  const procedure = local ? await repo.findLocalProcedure(db, communeId, code) : await repo.findNationalProcedure(db, code);
  if (!procedure) return undefined;
  const resolved = applyOverride(procedure, await repo.findOverride(db, communeId, code), local ? 'local' : 'national');
  const catalogDate = local ? undefined : await repo.readCatalogDate(db);
  return catalogDate ? { ...resolved, catalogDate } : resolved;
}

/**
 * getProcedure with a memory of recent reads, for the chat hot path: a
 * handler that answers a follow-up ("phí bao nhiêu?") needs the record again
 * and again, and inside a batch every round trip waits for the one before.
 * National records change only with a catalog import; overrides and local
 * procedures when staff edit them: `invalidate(communeId)` runs after every
 * staff change in this process, and entries expire after `ttlMs`, which
 * bounds how long another instance may show the old fee or address.
 */
export function createProcedureReader(opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}) {
  const ttlMs = opts.ttlMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 20_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; value: unknown }>();

  async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    const t = now();
    if (hit && t - hit.at < ttlMs) return hit.value as T;
    const value = await load();
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(key, { at: t, value });
    return value;
  }

  async function get(db: Db, communeId: number, code: string): Promise<ResolvedProcedure | undefined> {
    const local = isLocalCode(code);
    const procedure = await cached(
      local ? `l|${communeId}|${code}` : `n|${code}`,
      async () =>
        (local ? await repo.findLocalProcedure(db, communeId, code) : await repo.findNationalProcedure(db, code)) ?? null,
    );
    if (!procedure) return undefined;
    const override = await cached(`o|${communeId}|${code}`, async () => (await repo.findOverride(db, communeId, code)) ?? null);
    const resolved = applyOverride(procedure, override ?? undefined, local ? 'local' : 'national');
    if (local) return resolved;
    const catalogDate = await cached('catalog-date', async () => (await repo.readCatalogDate(db)) ?? null);
    return catalogDate ? { ...resolved, catalogDate } : resolved;
  }

  /** Forget a commune's overrides and local procedures (after a staff change), or everything. */
  function invalidate(communeId?: number): void {
    if (communeId === undefined) {
      cache.clear();
      return;
    }
    for (const key of cache.keys()) {
      if (key.startsWith(`o|${communeId}|`) || key.startsWith(`l|${communeId}|`)) cache.delete(key);
    }
  }

  return { get, invalidate };
}

export type ProcedureReader = ReturnType<typeof createProcedureReader>;

/** Every national and local procedure with the commune's overrides applied: the search index input. */
export async function listProceduresForIndex(db: Db, communeId: number): Promise<ResolvedProcedure[]> {
  const [national, local, overrides] = await Promise.all([
    repo.listNationalProcedures(db),
    repo.listLocalProcedures(db, communeId),
    repo.listOverrides(db, communeId),
  ]);
  return [
    ...national.map((p) => applyOverride(p, overrides.get(p.code), 'national')),
    ...local.map((p) => applyOverride(p, overrides.get(p.code), 'local')),
  ];
}

export async function setOverride(
  db: Db,
  args: { communeId: number; code: string; input: OverrideWrite; actor?: string },
): Promise<ProcedureOverride> {
  const known = await repo.existingCodes(db, args.communeId, [args.code]);
  if (!known.has(args.code)) throw new ProcedureNotFoundError(args.code);
  return repo.upsertOverride(db, args.communeId, args.code, args.input, args.actor);
}

export async function removeOverride(db: Db, communeId: number, code: string): Promise<boolean> {
  return repo.deleteOverride(db, communeId, code);
}

export interface OverrideImportRow extends OverrideWrite {
  code: string;
}

/**
 * Staff bulk edit: all rows or none. Unknown codes reject the whole batch
 * (reported by row) so a typo never half-applies a spreadsheet.
 */
export async function importOverrides(
  db: Db,
  args: { communeId: number; rows: OverrideImportRow[]; actor?: string },
): Promise<{ created: number; updated: number; unknownCodes: string[] }> {
  const codes = [...new Set(args.rows.map((r) => r.code))];
  const known = await repo.existingCodes(db, args.communeId, codes);
  const unknownCodes = codes.filter((c) => !known.has(c));
  if (unknownCodes.length) return { created: 0, updated: 0, unknownCodes };
  let created = 0;
  let updated = 0;
  await db.transaction(async (tx) => {
    const before = await repo.listOverrides(tx as unknown as Db, args.communeId);
    for (const row of args.rows) {
      const { code, ...input } = row;
      await repo.upsertOverride(tx as unknown as Db, args.communeId, code, input, args.actor);
      if (before.has(code)) updated++;
      else {
        created++;
        before.set(code, {});
      }
    }
  });
  return { created, updated, unknownCodes: [] };
}

// ---------------------------------------------------------------- local procedures

export interface LocalProcedureInput {
  /** Slug after `local.`; derived from the name when absent. */
  slug?: string;
  name: string;
  field?: string;
  agency?: string;
  subjects?: string;
  channels?: ChannelInfo[];
  documentGroups?: Procedure['documentGroups'];
  steps?: string[];
  legalBasis?: Procedure['legalBasis'];
  result?: string;
  conditions?: string;
  receptionAddress?: string;
  portalUrl?: string;
}

/** ASCII slug of a Vietnamese name: "Trợ cấp xã hội hàng tháng" → "tro-cap-xa-hoi-hang-thang". */
export function slugify(text: string): string {
  const slug = foldVietnamese(text)
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // `proc:legal:local.<slug>` must fit Telegram's 64-byte callback data: at most 40, cut between words.
  if (slug.length <= 40) return slug;
  const cut = slug.slice(0, 41).lastIndexOf('-');
  return slug.slice(0, cut > 10 ? cut : 40).replace(/-+$/, '');
}

export function buildLocalProcedure(input: LocalProcedureInput): Procedure {
  const slug = input.slug ? slugify(input.slug) : slugify(input.name);
  const name = input.name.trim();
  return {
    code: `local.${slug || 'thu-tuc'}`,
    name,
    shortName: shortNameOf(name),
    levels: ['xã'],
    field: input.field ?? '',
    agency: input.agency ?? '',
    subjects: input.subjects ?? '',
    decision: '',
    kind: 'Thủ tục của xã',
    channels: input.channels ?? [],
    documentGroups: input.documentGroups ?? [],
    steps: input.steps ?? [],
    legalBasis: input.legalBasis ?? [],
    result: input.result ?? '',
    conditions: input.conditions ?? '',
    receptionAddress: input.receptionAddress ?? '',
    portalUrl: input.portalUrl ?? '',
    source: 'local',
    raw: {},
  };
}

/**
 * Create or replace a commune-owned procedure (code `local.<slug>`). A staff
 * change names its `actor` (`staff:<id>`, as for deleteLocalProcedure) and is
 * audited here, `procedure.local_created` or `procedure.local_updated`, the
 * same from the console and the API; seeding (demo data, tests) leaves it out.
 */
export async function saveLocalProcedure(
  db: Db,
  communeId: number,
  input: LocalProcedureInput,
  actor?: string,
): Promise<{ procedure: Procedure; created: boolean }> {
  const procedure = buildLocalProcedure(input);
  const created = await repo.upsertLocalProcedure(db, communeId, procedure);
  if (actor) {
    await writeAudit(db, {
      communeId,
      actor,
      action: created ? 'procedure.local_created' : 'procedure.local_updated',
      subject: procedure.code,
      details: { name: procedure.name },
    });
  }
  return { procedure, created };
}

export async function removeLocalProcedure(db: Db, communeId: number, code: string): Promise<boolean> {
  return repo.deleteLocalProcedure(db, communeId, code);
}
