import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LabelledExample } from '../../text/examples.js';

/**
 * The shipped answered examples (data/catalog/examples.json): residents'
 * questions with the procedure a commune officer would point to, from the
 * project's tuning sets (`npm run examples:build`). Never the held-out sets.
 */
export function defaultExamplesPath(): string {
  const candidates = ['../../../data/catalog/examples.json', '../../../../data/catalog/examples.json'].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** The examples, or none when the file is absent (the search then reads the catalog alone). */
export function loadExamples(file = defaultExamplesPath()): LabelledExample[] {
  if (!existsSync(file)) return [];
  const list = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(list)) throw new Error(`${file}: not a JSON array`);
  return list.map((item: { q?: unknown; codes?: unknown }, i) => {
    const codes = item.codes;
    // An empty list would vote for nothing yet weigh in the nearest examples' mass: a labelling slip, not data.
    const labelled = Array.isArray(codes) && codes.length > 0 && codes.every((c) => typeof c === 'string' && c !== '');
    if (typeof item.q !== 'string' || !(codes === null || labelled))
      throw new Error(`${file}[${i}]: expected { q, codes: a non-empty list of codes, or null }`);
    return { q: item.q, codes: codes as string[] | null };
  });
}
