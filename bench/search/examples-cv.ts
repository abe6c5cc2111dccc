/**
 * Cross-validation of the nearest-examples evidence on the tuning files:
 * each file written by a separate helper is answered with examples from all
 * the other tuning questions, never its own. Tuning only: the frozen held-out
 * sets are never examples and never read here.
 *
 *   npx tsx bench/search/examples-cv.ts [--folds 2-18] [--fraction F] [--admit X] [--weight X] [--contradict X] …
 *
 * `--folds A-B` answers only the tuning files numbered A to B (the examples are still all the other files);
 * `--fraction F` keeps the first F of the examples in the tuning set's order (the project's own questions, then
 * the files by name: tuning-10 before tuning-2), a learning curve; `--json` prints the pooled figures last.
 * Each fold's examples also train the learned model (example-model.ts) that votes beside them, as
 * `npm run examples:build` trains the shipped one: `--no-model` leaves it out, `--model-weight X` weighs it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcedureEngine, type ProcedureEngine } from '../../src/features/procedures/engine.js';
import { trainExampleModel } from '../../src/text/example-model.js';
import { DEFAULT_EXAMPLE_TUNING } from '../../src/text/example-evidence.js';
import { DEFAULT_MODEL_WEIGHT } from '../../src/text/examples.js';
import { loadSnapshot, toSearchable } from './catalog.js';
import { input, outcomeOf, score, type Outcome } from './scoring.js';
import { tuningFile, tuningSet, type BenchQuestion } from './sets.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const tuning = {
  admit: arg('admit', DEFAULT_EXAMPLE_TUNING.admit),
  weight: arg('weight', DEFAULT_EXAMPLE_TUNING.weight),
  contradict: arg('contradict', DEFAULT_EXAMPLE_TUNING.contradict),
  overrule: arg('overrule', DEFAULT_EXAMPLE_TUNING.overrule),
  decline: arg('decline', DEFAULT_EXAMPLE_TUNING.decline),
  declineAnswer: arg('decline-answer', DEFAULT_EXAMPLE_TUNING.declineAnswer),
  declineShare: arg('decline-share', DEFAULT_EXAMPLE_TUNING.declineShare),
  declineModel: arg('decline-model', DEFAULT_EXAMPLE_TUNING.declineModel),
};
const range = (() => {
  const i = process.argv.indexOf('--folds');
  if (i < 0) return { lo: 0, hi: Infinity };
  const m = /^(\d+)(?:-(\d+))?$/.exec(process.argv[i + 1] ?? '');
  if (!m) throw new Error('--folds takes a file number or a range of them: --folds 2-18');
  return { lo: Number(m[1]), hi: Number(m[2] ?? m[1]) };
})();
const fraction = arg('fraction', 1);
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sets');

/** `--misses <file>`: print that fold's misses with the examples engine (tuning files only, so reading them is fair). */
const missesOf = (() => {
  const i = process.argv.indexOf('--misses');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const misses: string[] = [];

/** Every fold's questions and the examples engine's outcomes, pooled for the summary. */
const pooled: { qs: BenchQuestion[]; outcomes: Outcome[]; foldTop1: number[] } = { qs: [], outcomes: [], foldTop1: [] };

const answer = (engine: ProcedureEngine, qs: BenchQuestion[]) => qs.map((q) => outcomeOf(engine.search(input(q), { limit: 5 })));

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
/** A table row's figures from a scoring (`score`) already made. */
function figures(m: ReturnType<typeof score>) {
  return {
    n: m.n,
    top1: pct(m.top1),
    top3: pct(m.top3),
    shown3: pct(m.shown3),
    cw: pct(m.confidentlyWrong),
    none: m.noCandidate,
    oosDeclined: pct(m.outOfScopeDeclined),
  };
}

/** One question's miss, readable (tuning files only). */
function missOf(q: BenchQuestion, o: Outcome): string[] {
  const names = (codes: string[], n: number) =>
    codes
      .slice(0, n)
      .map((c) => `${c} ${(nameOf.get(c) ?? '').slice(0, 60)}`)
      .join(' || ');
  if (!q.expected) return o.declined ? [] : [`OOS   ${q.q}\n      got  ${o.decision}: ${names(o.top, 2)}`];
  if (o.declined) return [`NONE  ${q.q}\n      want ${q.expected.join(' | ')}\n      got  ${o.decision} ${o.understood ?? ''}`];
  if (q.expected.includes(o.top[0])) return [];
  const kind = o.decision === 'answer' ? 'WRONG' : 'MISS ';
  return [`${kind} ${q.q}\n      want ${q.expected.join(' | ')}\n      got  ${names(o.top, 3)}`];
}

const docs = loadSnapshot().map(toSearchable);
const nameOf = new Map(docs.map((d) => [d.code, d.name]));
const all = tuningSet();
const plain = createProcedureEngine(docs);
const rows: Record<string, unknown>[] = [];
const FOLDS = readdirSync(dir)
  .filter((f) => /^tuning-\d+\.json$/.test(f))
  .filter((f) => parseInt(f.slice(7)) >= range.lo && parseInt(f.slice(7)) <= range.hi)
  .sort((a, b) => parseInt(a.slice(7)) - parseInt(b.slice(7)));
for (const file of missesOf ? [missesOf] : FOLDS) {
  const test = tuningFile(file);
  const held = new Set(test.map((q) => q.q));
  const others = all.filter((q) => !held.has(q.q)).map((q) => ({ q: q.q, codes: q.expected }));
  const examples = others.slice(0, Math.round(fraction * others.length));
  const exampleModel = process.argv.includes('--no-model') ? undefined : trainExampleModel(examples);
  const withEx = createProcedureEngine(docs, {
    examples,
    exampleTuning: tuning,
    exampleModel,
    exampleModelWeight: arg('model-weight', DEFAULT_MODEL_WEIGHT),
  });
  rows.push({ fold: file, engine: 'index only', ...figures(score(test, answer(plain, test), [])) });
  const outcomes = answer(withEx, test);
  if (file === missesOf) misses.push(...test.flatMap((q, i) => missOf(q, outcomes[i])));
  const own = score(test, outcomes, []);
  rows.push({ fold: file, engine: `+ ${examples.length} examples`, ...figures(own) });
  pooled.qs.push(...test);
  pooled.outcomes.push(...outcomes);
  pooled.foldTop1.push(own.top1);
}
const summary = score(pooled.qs, pooled.outcomes, []);
const foldMean = pooled.foldTop1.reduce((a, b) => a + b, 0) / Math.max(1, pooled.foldTop1.length);
rows.push({ fold: `all ${pooled.foldTop1.length}`, engine: 'examples, pooled', ...figures(summary) });
console.table(rows);
console.log(`mean of the folds' top-1: ${(100 * foldMean).toFixed(2)} %`);
if (missesOf) console.log(misses.join('\n'));
const json = {
  tuning,
  fraction,
  folds: pooled.foldTop1.length,
  foldMeanTop1: foldMean,
  top1: summary.top1,
  top3: summary.top3,
  shown3: summary.shown3,
  confidentlyWrong: summary.confidentlyWrong,
  noCandidate: summary.noCandidate,
  outOfScopeDeclined: summary.outOfScopeDeclined,
};
console.log(JSON.stringify(process.argv.includes('--json') ? json : { tuning, fraction }));
