/**
 * Procedure search benchmark: our index vs a PostgreSQL trigram baseline on
 * the same labeled questions and the shipped catalog snapshot.
 *
 *   npm run bench:search               readable table
 *   npm run bench:search -- --json     …and the metrics as JSON on the last line
 *   npm run bench:search -- --verbose  …and every miss
 *   CATALOG_SNAPSHOT=path              another snapshot file (default data/catalog/procedures.json.gz)
 */
import { performance } from 'node:perf_hooks';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { createProcedureIndex, type SearchableProcedure } from '../../src/text/search-index.js';
import { loadSnapshot, toSearchable } from './catalog.js';
import { HELD_OUT } from './held-out.js';
import { QUESTIONS, type BenchQuestion } from './questions.js';

const PASSES = 5;
const BASELINE_PASSES = 2;
const BASELINE_THRESHOLD = 0.3;

interface Outcome {
  declined: boolean;
  top: string[];
  decision?: string;
  candidates?: string[];
  coverage?: number;
}

interface Metrics {
  n: number;
  top1: number;
  top3: number;
  outOfScopeDeclined: number;
  falseDeclineRate: number;
  ambiguousChoose: number;
  p50Ms: number;
  p99Ms: number;
}

function input(q: BenchQuestion): string {
  return q.tags.includes('nfd') ? q.q.normalize('NFD') : q.q;
}

function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

function score(questions: BenchQuestion[], outcomes: Outcome[], times: number[]): Metrics {
  let inScope = 0;
  let top1 = 0;
  let top3 = 0;
  let oos = 0;
  let declinedOos = 0;
  let falseDecline = 0;
  let ambiguous = 0;
  let ambiguousOk = 0;
  questions.forEach((q, i) => {
    const o = outcomes[i];
    if (!q.expected) {
      oos++;
      if (o.declined) declinedOos++;
      return;
    }
    inScope++;
    if (o.declined) {
      falseDecline++;
    } else {
      if (q.expected.includes(o.top[0])) top1++;
      if (o.top.slice(0, 3).some((c) => q.expected!.includes(c))) top3++;
    }
    if (q.tags.includes('ambiguous')) {
      ambiguous++;
      if (o.decision === 'choose' && o.candidates?.some((c) => q.expected!.includes(c))) ambiguousOk++;
    }
  });
  const frac = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : 0);
  return {
    n: questions.length,
    top1: frac(top1, inScope),
    top3: frac(top3, inScope),
    outOfScopeDeclined: frac(declinedOos, oos),
    falseDeclineRate: frac(falseDecline, inScope),
    ambiguousChoose: frac(ambiguousOk, ambiguous),
    p50Ms: Math.round(percentile(times, 50) * 1000) / 1000,
    p99Ms: Math.round(percentile(times, 99) * 1000) / 1000,
  };
}

function runOurs(
  docs: SearchableProcedure[],
  questions: BenchQuestion[],
): { outcomes: Outcome[]; times: number[]; buildMs: number } {
  const t0 = performance.now();
  const index = createProcedureIndex(docs);
  const buildMs = performance.now() - t0;
  const outcomes = questions.map((q) => {
    const r = index.search(input(q), { limit: 5 });
    return {
      coverage: r.results[0]?.coverage,
      declined: r.decision === 'unknown',
      top: r.results.map((h) => h.code),
      decision: r.decision,
      candidates: r.candidates.map((h) => h.code),
    };
  });
  const times: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    for (const q of questions) {
      const text = input(q);
      const s = performance.now();
      index.search(text, { limit: 5 });
      times.push(performance.now() - s);
    }
  }
  return { outcomes, times, buildMs };
}

async function runBaseline(
  docs: SearchableProcedure[],
  questions: BenchQuestion[],
): Promise<{ outcomes: Outcome[]; times: number[] }> {
  const pg = await PGlite.create({ extensions: { pg_trgm, unaccent } });
  await pg.exec(`
    CREATE EXTENSION pg_trgm;
    CREATE EXTENSION unaccent;
    CREATE TABLE procs (code text PRIMARY KEY, name text NOT NULL, name_norm text NOT NULL);
  `);
  for (let i = 0; i < docs.length; i += 200) {
    const chunk = docs.slice(i, i + 200);
    const values = chunk.map((_, j) => `($${j * 2 + 1}, $${j * 2 + 2}, unaccent(lower($${j * 2 + 2})))`).join(',');
    await pg.query(
      `INSERT INTO procs (code, name, name_norm) VALUES ${values} ON CONFLICT (code) DO NOTHING`,
      chunk.flatMap((d) => [d.code, d.name]),
    );
  }
  await pg.exec(`CREATE INDEX procs_name_trgm ON procs USING gin (name_norm gin_trgm_ops); ANALYZE procs;`);
  await pg.query(`SELECT set_limit($1)`, [BASELINE_THRESHOLD]);
  const sql = `
    SELECT code, similarity(name_norm, unaccent(lower($1))) AS s
    FROM procs
    WHERE name_norm % unaccent(lower($1))
    ORDER BY s DESC, code
    LIMIT 5`;
  const ask = async (text: string): Promise<Outcome> => {
    const r = await pg.query<{ code: string; s: number }>(sql, [text.normalize('NFC')]);
    const best = r.rows[0]?.s ?? 0;
    return { declined: best < BASELINE_THRESHOLD, top: r.rows.map((row) => row.code) };
  };
  const outcomes: Outcome[] = [];
  for (const q of questions) outcomes.push(await ask(input(q)));
  const times: number[] = [];
  for (let pass = 0; pass < BASELINE_PASSES; pass++) {
    for (const q of questions) {
      const text = input(q);
      const s = performance.now();
      await ask(text);
      times.push(performance.now() - s);
    }
  }
  await pg.close();
  return { outcomes, times };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function checkLabels(docs: SearchableProcedure[]): void {
  const codes = new Set(docs.map((d) => d.code));
  const missing = QUESTIONS.flatMap((q) => (q.expected ?? []).filter((c) => !codes.has(c)).map((c) => `${c} (${q.q})`));
  if (missing.length) throw new Error(`Expected codes missing from the catalog: ${missing.join(', ')}`);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const verbose = process.argv.includes('--verbose');
  const docs = loadSnapshot(process.env.CATALOG_SNAPSHOT || undefined).map(toSearchable);
  checkLabels(docs);

  const ours = runOurs(docs, QUESTIONS);
  const base = await runBaseline(docs, QUESTIONS);
  const heldOurs = runOurs(docs, HELD_OUT);
  const heldBase = await runBaseline(docs, HELD_OUT);
  const hm = score(HELD_OUT, heldOurs.outcomes, heldOurs.times);
  const hb = score(HELD_OUT, heldBase.outcomes, heldBase.times);
  const m = score(QUESTIONS, ours.outcomes, ours.times);
  const b = score(QUESTIONS, base.outcomes, base.times);

  const oos = QUESTIONS.filter((q) => !q.expected).length;
  const ambiguous = QUESTIONS.filter((q) => q.tags.includes('ambiguous')).length;
  console.log(
    `Procedure search benchmark: ${QUESTIONS.length} questions (${QUESTIONS.length - oos} in scope, ${oos} out of scope, ${ambiguous} ambiguous) over ${docs.length} procedures`,
  );
  console.log(`Index built in ${ours.buildMs.toFixed(0)} ms; latency over ${PASSES} warm passes (baseline ${BASELINE_PASSES}).\n`);
  const rows: Array<[string, string, string]> = [
    ['top-1 (in scope, declines count as misses)', pct(m.top1), pct(b.top1)],
    ['top-3', pct(m.top3), pct(b.top3)],
    ['out-of-scope declined', pct(m.outOfScopeDeclined), pct(b.outOfScopeDeclined)],
    ['false declines (in scope)', pct(m.falseDeclineRate), pct(b.falseDeclineRate)],
    ['ambiguous → choose with a right option', pct(m.ambiguousChoose), 'n/a'],
    ['latency p50', `${m.p50Ms.toFixed(3)} ms`, `${b.p50Ms.toFixed(3)} ms`],
    ['latency p99', `${m.p99Ms.toFixed(3)} ms`, `${b.p99Ms.toFixed(3)} ms`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  console.log(`${'metric'.padEnd(w0)}  ${'ours'.padStart(10)}  ${'pg_trgm baseline'.padStart(17)}`);
  console.log(`${'-'.repeat(w0)}  ${'-'.repeat(10)}  ${'-'.repeat(17)}`);
  for (const [k, a, c] of rows) console.log(`${k.padEnd(w0)}  ${a.padStart(10)}  ${c.padStart(17)}`);

  const tags = [...new Set(QUESTIONS.flatMap((q) => (q.expected ? q.tags : [])))].sort();
  console.log(`\n${'tag (in scope)'.padEnd(16)} ${'n'.padStart(4)}  ${'ours top-1'.padStart(10)}  ${'baseline'.padStart(9)}`);
  for (const tag of tags) {
    const idx = QUESTIONS.map((q, i) => (q.expected && q.tags.includes(tag) ? i : -1)).filter((i) => i >= 0);
    const hit = (o: Outcome[], i: number) => !o[i].declined && QUESTIONS[i].expected!.includes(o[i].top[0]);
    const a = idx.filter((i) => hit(ours.outcomes, i)).length / idx.length;
    const c = idx.filter((i) => hit(base.outcomes, i)).length / idx.length;
    console.log(`${tag.padEnd(16)} ${String(idx.length).padStart(4)}  ${pct(a).padStart(10)}  ${pct(c).padStart(9)}`);
  }

  const inScope = ours.outcomes.filter((_, i) => QUESTIONS[i].expected);
  const mix = (d: string) => pct(inScope.filter((o) => o.decision === d).length / inScope.length);
  console.log(`\nOur decisions on in-scope questions: answer ${mix('answer')}, choose ${mix('choose')}, unknown ${mix('unknown')}`);
  const heldOos = HELD_OUT.filter((q) => !q.expected).length;
  console.log(
    `\nHeld-out set (${HELD_OUT.length} questions, ${heldOos} out of scope; never used for tuning): ` +
      `top-1 ${pct(hm.top1)} vs ${pct(hb.top1)}, out-of-scope declined ${pct(hm.outOfScopeDeclined)} vs ${pct(hb.outOfScopeDeclined)}`,
  );

  if (verbose) {
    console.log('\nMisses (ours):');
    const all = [...QUESTIONS, ...HELD_OUT];
    const outs = [...ours.outcomes, ...heldOurs.outcomes];
    all.forEach((q, i) => {
      const o = outs[i];
      const ok = q.expected ? !o.declined && q.expected.includes(o.top[0]) : o.declined;
      if (!ok) {
        console.log(`  ✗ ${q.q}  [${q.tags.join(',')}] expected ${q.expected?.join('|') ?? 'decline'} → ${o.decision} ${o.top.slice(0, 3).join(', ')} (cov ${o.coverage ?? '-'})`);
      }
    });
  }
  if (json) console.log(JSON.stringify({ ...m, baseline: b, heldOut: { ...hm, baseline: hb } }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
