/**
 * `npm run bench:dossiers [-- --json] [--rows 1000000] [--lookups 5000]`
 *
 * On a throwaway PostgreSQL database (created on BENCH_DATABASE_URL's server,
 * dropped at the end):
 * 1. load N synthetic dossiers (default 1,000,000; 200,000 per year) with
 *    `insert … select generate_series`;
 * 2. lookup by receipt code through `findDossierByCode` (the function the bot
 *    uses): p50/p99 over random codes; baseline: the same call with index
 *    scans disabled (what the lookup costs without the unique index);
 * 3. statistics for the last year through `getDossierStats` (the function
 *    the API uses); baseline: the same numbers computed row by row in JS.
 * Targets: lookup p99 ≤ 5 ms, year statistics < 1 s. With --json the last
 * line is one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { and, eq, gte, lt, or, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDatabase, execRows, type Database, type Db } from '../../src/db/client.js';
import { communes, dossiers } from '../../src/db/schema/index.js';
import { findDossierByCode, getDossierStats } from '../../src/features/dossiers/index.js';
import { withRates, type StatsCounts } from '../../src/features/dossiers/stats.js';
import { addDays, finishTimeliness, localDate, startOfLocalDate } from '../../src/features/dossiers/working-days.js';
import { bulkInsertSql, syntheticCode } from './generate.js';

const argv = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const asJson = argv.includes('--json');
const ROWS = flag('--rows', 1_000_000);
const LOOKUPS = flag('--lookups', 5_000);
const BASELINE_LOOKUPS = flag('--baseline-lookups', 20);
const STATS_RUNS = flag('--stats-runs', 5);
const PER_DAY = flag('--per-day', 548); // 548 × 365 ≈ 200,000 a year
const LAST_DAY = '2026-10-31';
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const out = (line: string) => {
  if (!asJson) console.log(line);
  else console.error(line);
};

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main() {
  const dbName = `bench_dossiers_${randomBytes(4).toString('hex')}`;
  const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  let database: Database | undefined;
  const dropDb = async () => {
    if (database) await database.close().catch(() => {});
    database = undefined;
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  };
  const onSignal = () => {
    void dropDb().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    database = await createDatabase({ url: withDb(BASE_URL, dbName), poolMax: 4 });
    await database.migrate();
    const db = database.db;
    const [commune] = await db.insert(communes).values({ slug: 'bench', name: 'Xã Giả Lập' }).returning();
    const opts = { communeId: commune.id, count: ROWS, perDay: PER_DAY, lastDay: LAST_DAY };

    // 1. Load.
    out(`Loading ${ROWS.toLocaleString('en')} synthetic dossiers into ${dbName} …`);
    const t0 = performance.now();
    const CHUNK = 250_000;
    for (let from = 0; from < ROWS; from += CHUNK) {
      await db.execute(bulkInsertSql(opts, from, Math.min(ROWS, from + CHUNK)));
    }
    // A production table is not freshly bulk-loaded: set hint bits and the visibility map now, so the
    // measurements are not of autovacuum catching up with a million new rows.
    await db.execute(sql`vacuum (analyze) dossiers`);
    const loadMs = performance.now() - t0;
    out(`  loaded in ${(loadMs / 1000).toFixed(1)} s`);

    // 2. Lookup by code.
    const codes = Array.from({ length: LOOKUPS }, () => syntheticCode(Math.floor(Math.random() * ROWS), opts));
    for (const c of codes.slice(0, 200)) await findDossierByCode(db, commune.id, c); // warm-up
    const lookupTimes: number[] = [];
    let found = 0;
    for (const c of codes) {
      const s = performance.now();
      const row = await findDossierByCode(db, commune.id, c);
      lookupTimes.push(performance.now() - s);
      if (row) found++;
    }
    if (found !== codes.length) throw new Error(`lookup found ${found}/${codes.length}: generator and SQL disagree`);
    lookupTimes.sort((a, b) => a - b);

    // The baseline's planner settings must reach its plan: on the pool above, the lookup is a named
    // prepared statement whose cached plan (an index scan) ignores later `set` commands, so the baseline
    // compared the index with itself. It runs on its own connection without prepared statements, and the
    // plan it gets is checked to be a sequential scan.
    const baselineTimes: number[] = [];
    const plain = await createDatabase({ url: withDb(BASE_URL, dbName), poolMax: 1, prepare: false });
    await plain.db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_indexscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      await tx.execute(sql`set local enable_indexonlyscan = off`);
      const plan = await execRows<{ 'QUERY PLAN': string }>(
        tx as unknown as Db,
        sql`explain select id from dossiers where commune_id = ${commune.id} and code = ${codes[0]}`,
      );
      if (!plan.some((r) => /Seq Scan/.test(r['QUERY PLAN'])))
        throw new Error(`baseline is not a sequential scan: ${plan.map((r) => r['QUERY PLAN']).join(' | ')}`);
      for (const c of codes.slice(0, BASELINE_LOOKUPS)) {
        const s = performance.now();
        const row = await findDossierByCode(tx as unknown as Db, commune.id, c);
        baselineTimes.push(performance.now() - s);
        if (!row) throw new Error('baseline lookup missed');
      }
    });
    await plain.close();
    baselineTimes.sort((a, b) => a - b);

    // 3. Statistics for the last year.
    const to = LAST_DAY;
    const from = addDays(LAST_DAY, -364);
    await getDossierStats(db, { communeId: commune.id, from, to }); // warm-up
    const statsTimes: number[] = [];
    let stats = await getDossierStats(db, { communeId: commune.id, from, to });
    for (let i = 0; i < STATS_RUNS; i++) {
      const s = performance.now();
      stats = await getDossierStats(db, { communeId: commune.id, from, to });
      statsTimes.push(performance.now() - s);
    }
    statsTimes.sort((a, b) => a - b);

    const b0 = performance.now();
    const baseline = await statsRowByRow(db, commune.id, from, to);
    const baselineStatsMs = performance.now() - b0;
    const same =
      baseline.received === stats.received &&
      baseline.receivedOnline === stats.receivedOnline &&
      baseline.resolved === stats.resolved &&
      baseline.early === stats.early &&
      baseline.onTime === stats.onTime &&
      baseline.late === stats.late;
    if (!same) throw new Error(`stats disagree: SQL ${JSON.stringify(stats)} vs JS ${JSON.stringify(baseline)}`);

    const result = {
      rows: ROWS,
      loadMs: Math.round(loadMs),
      lookups: LOOKUPS,
      lookupP50Ms: round(percentile(lookupTimes, 50)),
      lookupP99Ms: round(percentile(lookupTimes, 99)),
      lookupMaxMs: round(lookupTimes[lookupTimes.length - 1]),
      baselineLookups: BASELINE_LOOKUPS,
      baselineLookupP50Ms: round(percentile(baselineTimes, 50), 1),
      baselineLookupP99Ms: round(percentile(baselineTimes, 99), 1),
      statsYearReceived: stats.received,
      statsYearResolved: stats.resolved,
      statsYearMs: round(percentile(statsTimes, 50), 1),
      statsYearMaxMs: round(statsTimes[statsTimes.length - 1], 1),
      baselineStatsMs: round(baselineStatsMs, 1),
      statsMatchBaseline: same,
      lookupTargetMet: percentile(lookupTimes, 99) <= 5,
      statsTargetMet: statsTimes[statsTimes.length - 1] < 1000,
    };

    const table = [
      ['measure', 'indexed / SQL', 'baseline', 'target'],
      [
        `lookup by code p50 (${LOOKUPS} / ${BASELINE_LOOKUPS})`,
        `${result.lookupP50Ms} ms`,
        `${result.baselineLookupP50Ms} ms`,
        '',
      ],
      ['lookup by code p99', `${result.lookupP99Ms} ms`, `${result.baselineLookupP99Ms} ms`, '≤ 5 ms'],
      [
        `stats, 1 year (${stats.received.toLocaleString('en')} received) median`,
        `${result.statsYearMs} ms`,
        `${result.baselineStatsMs} ms`,
        '< 1000 ms',
      ],
      ['stats, 1 year max', `${result.statsYearMaxMs} ms`, '', ''],
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    out('');
    for (const [i, r] of table.entries()) {
      out(r.map((c, j) => c.padEnd(widths[j])).join('  '));
      if (i === 0) out(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    out('');
    out('baseline lookup: the same repo call with index scans disabled (sequential scan of every dossier);');
    out('baseline stats: every dossier of the period fetched and counted row by row in JS (same numbers, checked).');
    out(stats.summary);
    out(
      `targets: lookup p99 ≤ 5 ms ${result.lookupTargetMet ? 'MET' : 'MISSED'}; year stats < 1 s ${result.statsTargetMet ? 'MET' : 'MISSED'}`,
    );
    if (asJson) console.log(JSON.stringify(result));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dropDb();
  }
}

/** Baseline: fetch the period's dossiers and classify each in JS with the same rules. */
async function statsRowByRow(db: Db, communeId: number, from: string, to: string): Promise<StatsCounts> {
  const start = startOfLocalDate(from);
  const end = startOfLocalDate(addDays(to, 1));
  const rows = await db
    .select({
      channel: dossiers.channel,
      status: dossiers.status,
      receivedAt: dossiers.receivedAt,
      dueAt: dossiers.dueAt,
      finishedAt: dossiers.finishedAt,
    })
    .from(dossiers)
    .where(
      and(
        eq(dossiers.communeId, communeId),
        or(
          and(gte(dossiers.receivedAt, start), lt(dossiers.receivedAt, end)),
          and(gte(dossiers.finishedAt, start), lt(dossiers.finishedAt, end)),
        ),
      ),
    );
  const c: StatsCounts = { received: 0, receivedOnline: 0, resolved: 0, early: 0, onTime: 0, late: 0 };
  const fromDay = from;
  const toDay = to;
  for (const r of rows) {
    const rd = localDate(r.receivedAt);
    if (rd >= fromDay && rd <= toDay) {
      c.received++;
      if (r.channel === 'truc_tuyen') c.receivedOnline++;
    }
    if (r.finishedAt && (r.status === 9 || r.status === 10)) {
      const fd = localDate(r.finishedAt);
      if (fd >= fromDay && fd <= toDay) {
        c.resolved++;
        const t = r.dueAt ? finishTimeliness(r.finishedAt, r.dueAt) : { kind: 'on_time' as const };
        if (t.kind === 'early') c.early++;
        else if (t.kind === 'late') c.late++;
        else c.onTime++;
      }
    }
  }
  return withRates(c);
}

main().catch((error) => {
  const e = error as { message?: string; cause?: { message?: string } };
  console.error(`bench failed: ${e.cause?.message ?? e.message ?? String(error)}`);
  process.exit(1);
});
