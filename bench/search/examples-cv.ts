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
import { input, outcomeOf, score, type Outcome } from './scoring.js';
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
  const outcomes = qs.map((q) => outcomeOf(engine.search(input(q), { limit: 5 })));
  if (report) misses.push(...qs.flatMap((q, i) => missOf(q, outcomes[i])));
  const m = score(qs, outcomes, []);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
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
