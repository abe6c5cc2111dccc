/** Drizzle queries for the procedure tables. No business rules here. */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { execRows } from '../../db/client.js';
import { appSettings, communes, localProcedures, procedureOverrides, procedures } from '../../db/schema/index.js';
import type { Procedure, ProcedureOverride } from './types.js';

const BATCH = 200;

export async function countNationalProcedures(db: Db): Promise<number> {
  const rows = await execRows<{ n: number }>(db, sql`select count(*)::int as n from procedures`);
  return Number(rows[0]?.n ?? 0);
}

export async function readNationalHashes(db: Db): Promise<Map<string, string>> {
  const rows = await db.select({ code: procedures.code, hash: procedures.contentHash }).from(procedures);
  return new Map(rows.map((r) => [r.code, r.hash]));
}

function nationalRow(procedure: Procedure, hash: string) {
  return {
    code: procedure.code,
    name: procedure.name,
    field: procedure.field,
    levels: procedure.levels,
    source: procedure.source,
    data: procedure as unknown as Record<string, unknown>,
    contentHash: hash,
  };
}

/** Insert or replace national procedures by code, in batches. */
export async function upsertNationalProcedures(db: Db, items: { procedure: Procedure; hash: string }[]): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    const rows = items.slice(i, i + BATCH).map((it) => nationalRow(it.procedure, it.hash));
    await db
      .insert(procedures)
      .values(rows)
      .onConflictDoUpdate({
        target: procedures.code,
        set: {
          name: sql`excluded.name`,
          field: sql`excluded.field`,
          levels: sql`excluded.levels`,
          source: sql`excluded.source`,
          data: sql`excluded.data`,
          contentHash: sql`excluded.content_hash`,
          updatedAt: sql`now()`,
        },
      });
  }
}

/** Insert national procedures whose code is absent (safe when two instances start together). */
export async function insertMissingNationalProcedures(db: Db, items: { procedure: Procedure; hash: string }[]): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) {
    const rows = items.slice(i, i + BATCH).map((it) => nationalRow(it.procedure, it.hash));
    await db.insert(procedures).values(rows).onConflictDoNothing({ target: procedures.code });
  }
}

const CATALOG_DATE = 'catalog_date';

/** The date (YYYY-MM-DD) of the national catalog the installation holds, when known. */
export async function readCatalogDate(db: Db): Promise<string | undefined> {
  const rows = await db.select({ value: appSettings.value }).from(appSettings).where(eq(appSettings.key, CATALOG_DATE)).limit(1);
  return rows[0]?.value;
}

export async function writeCatalogDate(db: Db, date: string): Promise<void> {
  await db
    .insert(appSettings)
    .values({ key: CATALOG_DATE, value: date })
    .onConflictDoUpdate({ target: appSettings.key, set: { value: date } });
}

export async function findNationalProcedure(db: Db, code: string): Promise<Procedure | undefined> {
  const rows = await db.select({ data: procedures.data }).from(procedures).where(eq(procedures.code, code)).limit(1);
  return rows[0]?.data as unknown as Procedure | undefined;
}

/** Every national procedure, whole, in code order (read a page at a time, as `mapNationalProcedures`). */
export async function listNationalProcedures(db: Db): Promise<Procedure[]> {
  return mapNationalProcedures(db, (p) => p);
}

/**
 * Every national procedure turned into something smaller (the search's form of it), read a page at a time in
 * code order: the whole records never sit in memory at once (about 150 MB of heap at start-up when they did).
 */
export async function mapNationalProcedures<T>(db: Db, fn: (p: Procedure) => T, pageSize = 200): Promise<T[]> {
  const out: T[] = [];
  for (let after = ''; ;) {
    const rows = await db
      .select({ code: procedures.code, data: procedures.data })
      .from(procedures)
      .where(gt(procedures.code, after))
      .orderBy(procedures.code)
      .limit(pageSize);
    for (const r of rows) out.push(fn(r.data as unknown as Procedure));
    if (rows.length < pageSize) return out;
    after = rows[rows.length - 1].code;
  }
}

// ---------------------------------------------------------------- local procedures

export async function findLocalProcedure(db: Db, communeId: number, code: string): Promise<Procedure | undefined> {
  const rows = await db
    .select({ data: localProcedures.data })
    .from(localProcedures)
    .where(and(eq(localProcedures.communeId, communeId), eq(localProcedures.code, code)))
    .limit(1);
  return rows[0]?.data as unknown as Procedure | undefined;
}

export async function listLocalProcedures(db: Db, communeId: number): Promise<Procedure[]> {
  const rows = await db
    .select({ data: localProcedures.data })
    .from(localProcedures)
    .where(eq(localProcedures.communeId, communeId))
    .orderBy(localProcedures.code);
  return rows.map((r) => r.data as unknown as Procedure);
}

/** Returns true when the row was created, false when an existing one was replaced. */
export async function upsertLocalProcedure(db: Db, communeId: number, procedure: Procedure): Promise<boolean> {
  const rows = await execRows<{ inserted: boolean }>(
    db,
    sql`insert into local_procedures (commune_id, code, name, data)
        values (${communeId}, ${procedure.code}, ${procedure.name}, ${JSON.stringify(procedure)}::jsonb)
        on conflict (commune_id, code) do update
          set name = excluded.name, data = excluded.data, updated_at = now()
        returning (xmax = 0) as inserted`,
  );
  return Boolean(rows[0]?.inserted);
}

export async function deleteLocalProcedure(db: Db, communeId: number, code: string): Promise<boolean> {
  const rows = await db
    .delete(localProcedures)
    .where(and(eq(localProcedures.communeId, communeId), eq(localProcedures.code, code)))
    .returning({ id: localProcedures.id });
  return rows.length > 0;
}

// ---------------------------------------------------------------- overrides

type OverrideRow = typeof procedureOverrides.$inferSelect;

function toOverride(row: OverrideRow): ProcedureOverride {
  const out: ProcedureOverride = {};
  if (row.fee) out.fee = row.fee;
  if (row.receptionAddress) out.receptionAddress = row.receptionAddress;
  if (row.hours) out.hours = row.hours;
  if (row.phone) out.phone = row.phone;
  if (row.note) out.note = row.note;
  if (row.onlineUrl) out.onlineUrl = row.onlineUrl;
  out.updatedAt = new Date(row.updatedAt).toISOString();
  return out;
}

export async function findOverride(db: Db, communeId: number, code: string): Promise<ProcedureOverride | undefined> {
  const rows = await db
    .select()
    .from(procedureOverrides)
    .where(and(eq(procedureOverrides.communeId, communeId), eq(procedureOverrides.code, code)))
    .limit(1);
  return rows[0] ? toOverride(rows[0]) : undefined;
}

export async function listOverrides(db: Db, communeId: number): Promise<Map<string, ProcedureOverride>> {
  const rows = await db.select().from(procedureOverrides).where(eq(procedureOverrides.communeId, communeId));
  return new Map(rows.map((r) => [r.code, toOverride(r)]));
}

export interface OverrideWrite {
  fee?: string | null;
  receptionAddress?: string | null;
  hours?: string | null;
  phone?: string | null;
  note?: string | null;
  onlineUrl?: string | null;
}

/** Replace the whole override of (commune, code); absent fields become null. */
export async function upsertOverride(
  db: Db,
  communeId: number,
  code: string,
  input: OverrideWrite,
  updatedBy?: string,
): Promise<ProcedureOverride> {
  const values = {
    fee: input.fee ?? null,
    receptionAddress: input.receptionAddress ?? null,
    hours: input.hours ?? null,
    phone: input.phone ?? null,
    note: input.note ?? null,
    onlineUrl: input.onlineUrl ?? null,
    updatedBy: updatedBy ?? null,
  };
  const rows = await db
    .insert(procedureOverrides)
    .values({ communeId, code, ...values })
    .onConflictDoUpdate({
      target: [procedureOverrides.communeId, procedureOverrides.code],
      set: { ...values, updatedAt: sql`now()` },
    })
    .returning();
  return toOverride(rows[0]);
}

export async function deleteOverride(db: Db, communeId: number, code: string): Promise<boolean> {
  const rows = await db
    .delete(procedureOverrides)
    .where(and(eq(procedureOverrides.communeId, communeId), eq(procedureOverrides.code, code)))
    .returning({ id: procedureOverrides.id });
  return rows.length > 0;
}

/** Which of these codes exist for the commune (national or its own local ones). */
export async function existingCodes(db: Db, communeId: number, codes: string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const list = sql.join(
    codes.map((c) => sql`${c}`),
    sql`, `,
  );
  const rows = await execRows<{ code: string }>(
    db,
    sql`select code from procedures where code in (${list})
        union select code from local_procedures where commune_id = ${communeId} and code in (${list})`,
  );
  return new Set(rows.map((r) => r.code));
}

export async function findCommune(
  db: Db,
  communeId: number,
): Promise<{ id: number; slug: string; name: string; address: string; phone: string; hoursText: string } | undefined> {
  const rows = await db
    .select({
      id: communes.id,
      slug: communes.slug,
      name: communes.name,
      address: communes.address,
      phone: communes.phone,
      hoursText: communes.hoursText,
    })
    .from(communes)
    .where(eq(communes.id, communeId))
    .limit(1);
  return rows[0];
}
