/**
 * Reading the national catalog crawl (a folder tree of JSON records) and the
 * compact snapshot shipped in data/catalog/, and importing either into the
 * `procedures` table. One bad record never aborts an import: it is counted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Db } from '../../../db/client.js';
import { readNationalHashes, upsertNationalProcedures } from '../repo.js';
import type { Procedure } from '../types.js';
import { compactProcedure, safeParseRecord } from './parse.js';

export interface RecordProblem {
  file: string;
  reason: string;
}

export interface CatalogRead {
  procedures: Procedure[];
  skipped: RecordProblem[];
  failed: RecordProblem[];
}

export interface ImportReport {
  added: number;
  changed: number;
  unchanged: number;
  skipped: number;
  failed: number;
  problems: { skipped: RecordProblem[]; failed: RecordProblem[] };
}

function listJsonFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.json')) out.push(path);
    }
  };
  walk(folder);
  return out.sort();
}

/**
 * Parse every `*.json` under `folder`. The source of a record is the name of
 * the folder holding it (the ministry folder in the crawl).
 */
export function readCatalogFolder(folder: string): CatalogRead {
  const result: CatalogRead = { procedures: [], skipped: [], failed: [] };
  const seen = new Map<string, string>();
  for (const path of listJsonFiles(folder)) {
    const file = relative(folder, path) || basename(path);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      result.failed.push({ file, reason: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    const outcome = safeParseRecord(json, basename(dirname(path)));
    if ('failed' in outcome) result.failed.push({ file, reason: outcome.failed });
    else if ('skipped' in outcome) result.skipped.push({ file, reason: outcome.skipped });
    else {
      const previous = seen.get(outcome.procedure.code);
      if (previous) {
        result.failed.push({ file, reason: `duplicate code ${outcome.procedure.code} (first in ${previous})` });
        continue;
      }
      seen.set(outcome.procedure.code, file);
      result.procedures.push(compactProcedure(outcome.procedure));
    }
  }
  return result;
}

/** Content hash for change detection; stable because parsers build objects in a fixed key order. */
export function procedureHash(p: Procedure): string {
  return createHash('sha256')
    .update(JSON.stringify(compactProcedure(p)))
    .digest('hex')
    .slice(0, 32);
}

/** Upsert parsed procedures by code and report what changed. */
export async function importProcedures(
  db: Db,
  procedures: Procedure[],
): Promise<Omit<ImportReport, 'skipped' | 'failed' | 'problems'>> {
  const existing = await readNationalHashes(db);
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  const toWrite: { procedure: Procedure; hash: string }[] = [];
  for (const p of procedures) {
    const procedure = compactProcedure(p);
    const hash = procedureHash(procedure);
    const before = existing.get(procedure.code);
    if (before === hash) {
      unchanged++;
      continue;
    }
    if (before === undefined) added++;
    else changed++;
    toWrite.push({ procedure, hash });
  }
  await upsertNationalProcedures(db, toWrite);
  return { added, changed, unchanged };
}

/** `npm run catalog:import -- <folder>`: parse a crawl folder and upsert it. */
export async function importCatalogFolder(db: Db, folder: string): Promise<ImportReport> {
  const read = readCatalogFolder(folder);
  const counts = await importProcedures(db, read.procedures);
  return {
    ...counts,
    skipped: read.skipped.length,
    failed: read.failed.length,
    problems: { skipped: read.skipped, failed: read.failed },
  };
}

// ---------------------------------------------------------------- snapshot

/** Where the shipped snapshot lives, from src/ (tsx) or dist/src/ (built). */
export function defaultSnapshotPath(): string {
  const candidates = ['../../../../data/catalog/procedures.json.gz', '../../../../../data/catalog/procedures.json.gz'].map(
    (rel) => fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** The snapshot's companion file: which catalog date it holds (`procedures.json.gz` → `procedures.meta.json`). */
export function snapshotMetaPath(snapshotPath: string): string {
  return snapshotPath.replace(/(\.json)?\.gz$/, '') + '.meta.json';
}

export interface SnapshotMeta {
  /** YYYY-MM-DD: when the national catalog was read. A newer date in a new release updates installations. */
  catalogDate: string;
  count: number;
}

export function writeSnapshot(procedures: Procedure[], outPath: string, catalogDate?: string): { bytes: number; count: number } {
  const sorted = [...procedures].map(compactProcedure).sort((a, b) => a.code.localeCompare(b.code));
  const gz = gzipSync(Buffer.from(JSON.stringify(sorted)), { level: 9 });
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, gz);
  if (catalogDate) {
    const meta: SnapshotMeta = { catalogDate, count: sorted.length };
    writeFileSync(snapshotMetaPath(outPath), `${JSON.stringify(meta, null, 2)}\n`);
  }
  return { bytes: gz.length, count: sorted.length };
}

/** The snapshot's catalog date, or undefined for a snapshot written without one. */
export function readSnapshotMeta(path = defaultSnapshotPath()): SnapshotMeta | undefined {
  const file = snapshotMetaPath(path);
  if (!existsSync(file)) return undefined;
  const meta = JSON.parse(readFileSync(file, 'utf8')) as Partial<SnapshotMeta>;
  if (typeof meta.catalogDate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(meta.catalogDate)) {
    throw new Error(`${file}: catalogDate must be YYYY-MM-DD`);
  }
  return { catalogDate: meta.catalogDate, count: Number(meta.count ?? 0) };
}

export function readSnapshot(path = defaultSnapshotPath()): Procedure[] {
  const data = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as unknown;
  if (!Array.isArray(data)) throw new Error(`${path}: the snapshot is not a JSON array`);
  return data as Procedure[];
}
