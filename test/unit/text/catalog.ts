import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Procedure } from '../../../src/features/procedures/types.js';
import { toSearchable } from '../../../src/features/procedures/engine.js';
import { createProcedureIndex, type ProcedureIndex } from '../../../src/text/search-index.js';

const SNAPSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/catalog/procedures.json.gz');

let cached: ProcedureIndex | undefined;

/** The search index over the shipped catalog snapshot, fed as the service feeds it (built once per test file). */
export function catalogProcedures(): Procedure[] {
  return JSON.parse(gunzipSync(readFileSync(SNAPSHOT)).toString('utf8')) as Procedure[];
}

/** The search index over the shipped catalog snapshot (built once per test file). */
export function catalogIndex(): ProcedureIndex {
  if (!cached) {
    const procedures = JSON.parse(gunzipSync(readFileSync(SNAPSHOT)).toString('utf8')) as Procedure[];
    cached = createProcedureIndex(procedures.map(toSearchable));
  }
  return cached;
}
