import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readModel, type ExampleModel, type StoredModel } from '../../text/example-model.js';
import type { LabelledExample } from '../../text/examples.js';

/**
 * The shipped answered examples (data/catalog/examples.json): residents'
 * questions with the procedure a commune officer would point to, from the
 * project's tuning sets (`npm run examples:build`). Never the held-out sets.
 */
export function defaultExamplesPath(): string {
  return dataPath('examples.json');
}

/** The model learned from the shipped examples (`npm run examples:build` writes both). */
export function defaultModelPath(): string {
  return dataPath('example-model.json.gz');
}

function dataPath(name: string): string {
  const candidates = [`../../../data/catalog/${name}`, `../../../../data/catalog/${name}`].map((rel) =>
    fileURLToPath(new URL(rel, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** SHA-256 of an examples file, as a stored model records the one it was learned from. */
export function examplesHash(file = defaultExamplesPath()): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * The model learned from the examples file, or no model and why: none there ("absent"), learned from other
 * examples ("stale": the file edited without `npm run examples:build`; it would vote for what the examples no
 * longer say), or not a readable model ("unreadable": a truncated or damaged file). The nearest examples then
 * vote alone; the search is never stopped by it.
 */
export function loadExampleModel(
  examplesFile = defaultExamplesPath(),
  file = defaultModelPath(),
): { model?: ExampleModel; problem?: 'absent' | 'stale' | 'unreadable' } {
  if (!existsSync(file) || !existsSync(examplesFile)) return { problem: 'absent' };
  let stored: StoredModel;
  try {
    stored = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as StoredModel;
  } catch {
    return { problem: 'unreadable' };
  }
  if (stored?.examples !== examplesHash(examplesFile)) return { problem: 'stale' };
  try {
    return { model: readModel(stored) };
  } catch {
    return { problem: 'unreadable' };
  }
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

/** The shipped examples and the model learned from them (when it is there and theirs), as the service reads them. */
export function loadShipped(): ReturnType<typeof loadExampleModel> & { examples: LabelledExample[] } {
  return { examples: loadExamples(), ...loadExampleModel() };
}
