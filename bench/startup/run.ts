/**
 * `npm run bench:startup [-- --json] [--engines pglite,postgres] [--dist]`
 *
 * Cold start and peak resident memory of the real server, as `npm start` runs it (`node --import tsx
 * src/main.ts`; the Docker image runs the compiled `node dist/main.js`, which skips the TypeScript
 * transform, so its start can only be shorter):
 *
 *   pglite    a fresh PGlite directory (DATA_DIR in a temporary folder)
 *   postgres  a throwaway database on BENCH_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/test),
 *             dropped at the end
 *
 * Each engine is started twice on the same data: the first start migrates and loads the catalog snapshot,
 * the second finds both done. Measured: spawn → the first 200 from `GET /healthz` (polled every 20 ms), and
 * the process's peak resident set (VmHWM in /proc/<pid>/status) once it has served and then run idle for
 * 3 s (the start-up's jobs run meanwhile). Baseline, same machine, same run: a bare `node -e` HTTP server
 * measured the same way. With --json the last line of stdout is one JSON object. With --dist the server is
 * the compiled `node dist/main.js` as in the Docker image (build it first: `npx tsc -p tsconfig.build.json`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';

const argv = process.argv.slice(2);
const asJson = argv.includes('--json');
const ENGINES = new Set((argv.includes('--engines') ? argv[argv.indexOf('--engines') + 1] : 'pglite,postgres').split(','));
const DIST = argv.includes('--dist');
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SETTLE_MS = 3_000;
const READY_TIMEOUT_MS = 180_000;
/** Targets: what a commune's small VPS (1 vCPU, 1 GB) can live with. */
const TARGET_START_MS = 30_000;
const TARGET_RSS_MB = 512;

const out = (line = '') => (asJson ? console.error(line) : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StartMeasure {
  readyMs: number;
  peakRssMb: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function vmHwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : NaN;
}

async function healthy(port: number): Promise<boolean> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) });
    await r.arrayBuffer();
    return r.status === 200;
  } catch {
    return false;
  }
}

/** Spawn, wait for the first served /healthz, let it idle, read the peak RSS, stop it. */
async function measureStart(args: string[], env: Record<string, string>, label: string): Promise<StartMeasure> {
  const port = await freePort();
  let output = '';
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    output = (output + d.toString('utf8')).slice(-8_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${label}: exited before serving:\n${output}`);
      if (performance.now() - t0 > READY_TIMEOUT_MS)
        throw new Error(`${label}: not serving after ${READY_TIMEOUT_MS} ms:\n${output}`);
      if (await healthy(port)) readyMs = performance.now() - t0;
      else await sleep(20);
    }
    await sleep(SETTLE_MS);
    const peakRssMb = vmHwmMb(child.pid!);
    return { readyMs: Math.round(readyMs), peakRssMb };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  }
}

const SERVER = DIST ? ['dist/main.js'] : ['--import', 'tsx', 'src/main.ts'];
const COMMAND = DIST ? 'node dist/main.js' : 'node --import tsx src/main.ts';
const BARE = [
  '-e',
  "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), process.env.HOST)",
];

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function main(): Promise<void> {
  if (DIST && !existsSync('dist/main.js')) throw new Error('--dist: no dist/main.js, run `npx tsc -p tsconfig.build.json` first');
  const t0 = Date.now();
  const loadStart = os.loadavg();
  const results: Record<string, { first: StartMeasure; second: StartMeasure }> = {};
  const baseline = await measureStart(BARE, {}, 'bare node http server');

  if (ENGINES.has('pglite')) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
    try {
      const env = { DATA_DIR: dir, DATABASE_URL: '' };
      const first = await measureStart(SERVER, env, 'pglite, first start');
      const second = await measureStart(SERVER, env, 'pglite, second start');
      results.pglite = { first, second };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (ENGINES.has('postgres')) {
    const name = `bench_startup_${Date.now().toString(36)}`;
    const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-startup-'));
    try {
      const env = { DATA_DIR: dir, DATABASE_URL: withDb(BASE_URL, name) };
      const first = await measureStart(SERVER, env, 'postgres, first start');
      const second = await measureStart(SERVER, env, 'postgres, second start');
      results.postgres = { first, second };
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }

  out(`Start-up of the real server (${COMMAND}), ${SETTLE_MS / 1000} s idle before the peak RSS is read`);
  out(`${'run'.padEnd(24)} ${'first /healthz'.padStart(15)} ${'peak RSS'.padStart(10)}`);
  const line = (label: string, m: StartMeasure) =>
    out(`${label.padEnd(24)} ${`${m.readyMs} ms`.padStart(15)} ${`${m.peakRssMb} MB`.padStart(10)}`);
  for (const [engine, r] of Object.entries(results)) {
    line(`${engine}, first start`, r.first);
    line(`${engine}, second start`, r.second);
  }
  line('baseline (bare node -e)', baseline);
  const all = Object.values(results).flatMap((r) => [r.first, r.second]);
  const targetsMet = all.every((m) => m.readyMs <= TARGET_START_MS && m.peakRssMb <= TARGET_RSS_MB);
  out(
    `Targets: first request within ${TARGET_START_MS / 1000} s, peak RSS ≤ ${TARGET_RSS_MB} MB: ${targetsMet ? 'met' : 'NOT met'}`,
  );
  const loadEnd = os.loadavg();
  out(
    `Total ${Math.round((Date.now() - t0) / 1000)} s; load average ${loadStart[0].toFixed(2)} at the start, ${loadEnd[0].toFixed(2)} at the end`,
  );
  if (asJson)
    console.log(
      JSON.stringify({
        command: COMMAND,
        settleMs: SETTLE_MS,
        pglite: results.pglite ?? null,
        postgres: results.postgres ?? null,
        baseline,
        targets: { startMs: TARGET_START_MS, peakRssMb: TARGET_RSS_MB },
        targetsMet,
        loadAverage: { start: loadStart, end: loadEnd },
      }),
    );
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
