import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Procedure } from '../../src/features/procedures/types.js';

/** The shipped catalog snapshot produced by `npm run catalog:snapshot`. */
export const SNAPSHOT_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/catalog/procedures.json.gz');

/** Read the shipped snapshot (gzipped JSON array of `Procedure`). */
export function loadSnapshot(file = SNAPSHOT_PATH): Procedure[] {
  if (!existsSync(file)) {
    throw new Error(`Catalog snapshot not found at ${file}. Run \`npm run catalog:snapshot\` first.`);
  }
  const list = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as Procedure[];
  if (!Array.isArray(list) || list.length === 0) throw new Error(`Catalog snapshot ${file} is empty.`);
  return list;
}

/** The fields the search index needs (the same as the running service). */
export { toSearchable } from '../../src/features/procedures/engine.js';
