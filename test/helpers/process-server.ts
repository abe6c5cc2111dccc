import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import postgres from 'postgres';
import { postgresTarget } from '../../src/db/client.js';
import { withDatabaseName } from './db.js';

/**
 * The real server (`src/main.ts`) as a child process, for fault and
 * multi-instance tests. It listens on a port the OS picks (PORT=0) and says
 * which in its start-up log line; output is kept (the last 400 kB) for
 * failure messages. Every process started here is killed by `killAll`.
 */
export interface ServerProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port>, once ready. */
  baseUrl: string;
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

const started = new Set<ChildProcess>();

export async function startServerProcess(env: Record<string, string>, readyMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 400_000) out = out.slice(-300_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => started.delete(child));
  const output = () => out;

  const deadline = Date.now() + readyMs;
  let port: number | undefined;
  while (port === undefined) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`server exited before listening:\n${out.slice(-4000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in ${readyMs} ms:\n${out.slice(-4000)}`);
    }
    const m = /"port":(\d+)[^\n]*is listening/.exec(out);
    if (m) port = Number(m[1]);
    else await new Promise((r) => setTimeout(r, 100));
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    child,
    baseUrl,
    output,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** SIGKILL every server process still running (afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** Poll until `fn` returns a truthy value or the deadline passes (a generous wait, not a timing assertion). */
export async function waitUntil<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  ms: number,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A round-robin HTTP proxy on loopback: each request goes to the next live
 * backend. A backend that refuses the connection or dies mid-request gives
 * the client a 502, as a real load balancer would; the platform then
 * redelivers. Backends can be swapped while it runs (restart on a new port).
 */
export async function startRoundRobinProxy(initial: string[] = []) {
  let backends = [...initial];
  let next = 0;
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!backends.length) {
      req.resume();
      res.writeHead(502).end();
      return;
    }
    const target = new URL(backends[next++ % backends.length]);
    counts.set(target.origin, (counts.get(target.origin) ?? 0) + 1);
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('error', () => res.destroy());
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(urls: string[]) {
      backends = [...urls];
    },
    /** Requests forwarded to each backend origin. */
    counts: () => new Map(counts),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A throwaway database on the TEST_DATABASE_URL server for server processes
 * (they run their own migrations, like a fresh install), dropped by `drop`.
 */
export async function createProcessDatabase(base: string, prefix: string) {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
  const { url: adminUrl, ...target } = postgresTarget(base);
  const admin = postgres(adminUrl, { ...target, max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    name,
    url: withDatabaseName(base, name),
    /** Terminate every connection to this database only (never the cluster other tests use). */
    async terminateBackends(): Promise<number> {
      const rows = await admin.unsafe(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
      );
      return rows.filter((r) => r.ok).length;
    },
    /** What every session of the database is doing (for a failure's report): state, wait, age and query. */
    async activity(): Promise<Record<string, unknown>[]> {
      return admin.unsafe(
        `select pid, state, wait_event_type, wait_event, backend_xid::text, backend_xmin::text,
                round(extract(epoch from (now() - xact_start))::numeric, 1) as xact_s,
                round(extract(epoch from (now() - query_start))::numeric, 1) as query_s,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as query
         from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid() order by pid`,
      );
    },
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
