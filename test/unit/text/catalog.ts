import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Procedure } from '../../../src/features/procedures/types.js';
import { createProcedureIndex, type ProcedureIndex } from '../../../src/text/search-index.js';

const SNAPSHOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/catalog/procedures.json.gz');

let cached: ProcedureIndex | undefined;

/** The search index over the shipped catalog snapshot (built once per test file). */
export function catalogIndex(): ProcedureIndex {
  if (!cached) {
    const procedures = JSON.parse(gunzipSync(readFileSync(SNAPSHOT)).toString('utf8')) as Procedure[];
    cached = createProcedureIndex(
      procedures.map((p) => ({ code: p.code, name: p.name, field: p.field, levels: p.levels })),
    );
  }
  return cached;
}
