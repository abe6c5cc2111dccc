/**
 * Cross-validation of the nearest-examples evidence on the tuning files:
 * each file written by a separate helper is answered with examples from all
 * the other tuning questions, never its own. Tuning only: the frozen held-out
 * sets are never examples and never read here.
 *
 *   npx tsx bench/search/examples-cv.ts [--admit X] [--weight X] [--contradict X]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcedureEngine, type ProcedureEngine } from '../../src/features/procedures/engine.js';
import { DEFAULT_EXAMPLE_TUNING } from '../../src/text/example-evidence.js';
import { loadSnapshot, toSearchable } from './catalog.js';
import { tuningSet, type BenchQuestion } from './sets.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const tuning = {
  admit: arg('admit', DEFAULT_EXAMPLE_TUNING.admit),
  weight: arg('weight', DEFAULT_EXAMPLE_TUNING.weight),
  contradict: arg('contradict', DEFAULT_EXAMPLE_TUNING.contradict),
  decline: arg('decline', DEFAULT_EXAMPLE_TUNING.decline),
  declineAnswer: arg('decline-answer', DEFAULT_EXAMPLE_TUNING.declineAnswer),
  declineShare: arg('decline-share', DEFAULT_EXAMPLE_TUNING.declineShare),
};
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sets');
const fold = (file: string): BenchQuestion[] =>
  (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as BenchQuestion[]).map((q) => ({ ...q, tags: q.tags ?? [] }));

/** `--misses <file>`: print that fold's misses with the examples engine (tuning files only, so reading them is fair). */
const missesOf = (() => {
  const i = process.argv.indexOf('--misses');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const misses: string[] = [];

function metrics(engine: ProcedureEngine, qs: BenchQuestion[], report = false) {
  let inScope = 0,
    top1 = 0,
    top3 = 0,
    shown = 0,
    wrong = 0,
    none = 0,
    oos = 0,
    declined = 0;
  for (const q of qs) {
    const r = engine.search(q.q, { limit: 5 });
    const out = r.decision === 'unknown' || r.decision === 'elsewhere';
    if (!q.expected) {
      oos++;
      if (out) declined++;
      else if (report)
        misses.push(
          `OOS   ${q.q}\n      got  ${r.decision}: ${r.results
            .slice(0, 2)
            .map((h) => `${h.code} ${h.name.slice(0, 60)}`)
            .join(' || ')}`,
        );
      continue;
    }
    inScope++;
    if (out) {
      none++;
      if (report)
        misses.push(`NONE  ${q.q}\n      want ${q.expected.join(' | ')}\n      got  ${r.decision} ${r.understood ?? ''}`);
      continue;
    }
    const codes = r.results.map((h) => h.code);
    if (q.expected.includes(codes[0])) top1++;
    else if (r.decision === 'answer') wrong++;
    if (report && !q.expected.includes(codes[0]))
      misses.push(
        `${r.decision === 'answer' ? 'WRONG' : 'MISS '} ${q.q}\n      want ${q.expected.join(' | ')}\n      got  ${r.results
          .slice(0, 3)
          .map((h) => `${h.code} ${h.name.slice(0, 60)}`)
          .join(' || ')}`,
      );
    if (codes.slice(0, 3).some((c) => q.expected!.includes(c))) top3++;
    const visible = r.decision === 'answer' ? codes.slice(0, 1) : r.candidates.slice(0, 3).map((h) => h.code);
    if (visible.some((c) => q.expected!.includes(c))) shown++;
  }
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  return {
    n: qs.length,
    top1: pct(top1, inScope),
    top3: pct(top3, inScope),
    shown3: pct(shown, inScope),
    cw: pct(wrong, inScope),
    none,
    oosDeclined: pct(declined, oos),
  };
}

const docs = loadSnapshot().map(toSearchable);
const all = tuningSet();
const plain = createProcedureEngine(docs);
const rows: Record<string, unknown>[] = [];
const FOLDS = readdirSync(dir)
  .filter((f) => /^tuning-\d+\.json$/.test(f))
  .sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)));
for (const file of missesOf ? [missesOf] : FOLDS) {
  const test = fold(file);
  const held = new Set(test.map((q) => q.q));
  const examples = all.filter((q) => !held.has(q.q)).map((q) => ({ q: q.q, codes: q.expected }));
  const withEx = createProcedureEngine(docs, { examples, exampleTuning: tuning });
  rows.push({ fold: file, engine: 'index only', ...metrics(plain, test) });
  rows.push({ fold: file, engine: `+ ${examples.length} examples`, ...metrics(withEx, test, file === missesOf) });
}
console.table(rows);
if (missesOf) console.log(misses.join('\n'));
console.log(JSON.stringify({ tuning }));
