import { closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { NodeFS } from '@electric-sql/pglite/nodefs';
import {
  createTableRelationsHelpers,
  extractTablesRelationalConfig,
  sql,
  type RelationalSchemaConfig,
  type SQL,
  type TablesRelationalConfig,
} from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres, PostgresJsDatabase, PostgresJsSession } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';

/** One database type for both engines. Only this file knows which engine runs. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Engine = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  engine: Engine;
  /** Run migrations (safe when several processes start at once). */
  migrate(): Promise<void>;
  /** Cheap connectivity check for /readyz. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
const MIGRATION_LOCK_KEY = 727_001; // advisory lock id for migrations

export interface DatabaseOptions {
  /** postgres://… to use a PostgreSQL server; absent means embedded PGlite. */
  url?: string;
  /** PGlite data directory; absent (with no url) means in-memory. */
  dataDir?: string;
  /** Pool size for postgres.js. */
  poolMax?: number;
  /**
   * Named prepared statements on PostgreSQL (default true). Turn off behind a
   * pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  prepare?: boolean;
  /**
   * PostgreSQL's statement_timeout for the pool's sessions, in ms (0 or absent:
   * the server's setting). The server sets it so a statement stuck behind a lock
   * that someone forgot to release fails (its batch is retried, its
   * conversation later by recovery) instead of holding a processing slot for
   * ever; imports and migrations leave it off. Ignored by PGlite, which has one
   * connection and so nobody to wait for.
   */
  statementTimeoutMs?: number;
}

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return createPostgres(opts.url, opts.poolMax ?? 10, opts.prepare ?? true, opts.statementTimeoutMs ?? 0);
  return createPglite(opts.dataDir);
}

/**
 * PGlite's buffer pool. Its default (128MB) lives inside the WebAssembly heap
 * and is touched on start, so it is resident from the first second: about
 * 120 MB of a second start's ~340 MB for PGlite alone (bench/startup). The
 * catalog and a commune's data are far smaller, and a page missing from the
 * pool is read from the data directory through the OS page cache.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/**
 * Durability of the embedded engine with a data directory. PGlite's own start
 * parameters include `-F` (fsync off), and even with fsync on nothing reached
 * the disk: in its Node filesystem (Emscripten's NODEFS, @electric-sql/pglite
 * 0.5.16 dist/chunk-XZUEO4BZ.js) `fdatasync()`, Postgres's default WAL sync,
 * only checks the descriptor (`___syscall_fdatasync`), and `fsync()` calls the
 * stream's `fsync` operation (`_fd_sync`), which NODEFS does not have. A commit
 * was acknowledged with its WAL in the OS page cache: safe from a killed
 * process, not from an OS crash or a power cut. So here fsync is on, the WAL is
 * synced with `fsync()`, and NODEFS gets the missing operation
 * (`fs.fsyncSync` on the real descriptor): a COMMIT returns once its WAL is on
 * disk, and checkpoints sync data files, directories and pg_control as a
 * PostgreSQL server does. In memory (no data directory) nothing changes.
 * Measured (2,000 one-row commits, /tmp on ext4, shared 2-core VM): p50 per
 * commit 0.16-0.20 ms before, 0.49-1.3 ms after (3.4-3.9 ms while the disk
 * was busy); a new data directory's first start takes about 2 s more
 * (syncDataDir). README "Durability of the embedded engine".
 */
export const PGLITE_DURABLE_PARAMS = ['-c', 'wal_sync_method=fsync'] as const;

/** WASI errno EIO: an fsync that failed reaches Postgres as an I/O error (it then stops rather than carry on). */
const WASI_EIO = 29;

type NodefsStreamOps = { fsync?: (stream: { nfd?: number }) => number };
/** The parts of PGlite's Emscripten module used here (PostgresMod is not exported by the package). */
type EmscriptenModule = { NODEFS?: unknown; FS: unknown };
type EmscriptenOptions = Parameters<NodeFS['init']>[1];

/** Gives Emscripten's NODEFS the fsync operation it lacks (see PGLITE_DURABLE_PARAMS). */
function addNodefsFsync(mod: EmscriptenModule): void {
  const ops = (mod.NODEFS as unknown as { stream_ops?: NodefsStreamOps } | undefined)?.stream_ops;
  // Refuse to start rather than acknowledge commits that are not on disk.
  if (!ops) throw new Error('PGlite: NODEFS has no stream operations; cannot sync commits to disk');
  if (ops.fsync) return; // a PGlite that syncs by itself
  const ErrnoError = (mod.FS as unknown as { ErrnoError: new (errno: number) => Error }).ErrnoError;
  ops.fsync = (stream) => {
    if (stream.nfd === undefined) return 0;
    try {
      fsyncSync(stream.nfd);
    } catch {
      throw new ErrnoError(WASI_EIO);
    }
    return 0;
  };
}

/** PGlite's Node filesystem whose fsync reaches the disk. */
class DurableNodeFS extends NodeFS {
  override async init(pg: PGlite, opts: EmscriptenOptions) {
    const { emscriptenOpts } = await super.init(pg, opts);
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [addNodefsFsync, ...(emscriptenOpts.preRun ?? [])] } };
  }
}

/**
 * fsync every file and directory under `dir`. A new data directory is made by
 * PGlite's initdb in memory and copied in without any sync; until a checkpoint
 * touches them, most of its files would be only in the OS page cache.
 */
export function syncDataDir(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) syncDataDir(path);
    else if (entry.isFile()) syncPath(path);
  }
  syncPath(dir);
}

function syncPath(path: string): void {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function createPglite(dataDir?: string): Promise<Database> {
  const extensions = { pg_trgm, unaccent };
  const base = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
  let client: PGlite;
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true });
    const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
    client = await PGlite.create({
      dataDir,
      fs: new DurableNodeFS(dataDir),
      extensions,
      startParams: [...base.filter((p) => p !== '-F'), ...PGLITE_DURABLE_PARAMS],
    });
    if (fresh) syncDataDir(dataDir);
  } else {
    client = await PGlite.create('memory://', { extensions, startParams: base });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    // PGlite is single-connection and owned by this process: no lock needed.
    migrate: () => migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER }),
    ping: async () => {
      await client.query('select 1');
      return true;
    },
    close: () => client.close(),
  };
}

/**
 * drizzle sends every query that has parameters as an unnamed statement, and
 * postgres.js then asks the server to describe it first: two round trips and
 * a fresh plan for every query. Named prepared statements (one round trip,
 * parsed once per connection) halve the round trips of the hot path. This
 * proxy turns them on for every query drizzle sends, inside transactions and
 * savepoints too.
 */
function withPreparedStatements<T extends postgres.Sql>(client: T): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, { ...options, prepare: true });
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: postgres.Sql) => unknown;
          const method = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop as string];
          return method.call(target, ...args.slice(0, -1), (tx: postgres.Sql) => fn(withPreparedStatements(tx)));
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

/** PostgreSQL handles and how they were opened (pipelinedTransaction needs the raw client). */
const postgresClients = new WeakMap<object, { client: postgres.Sql; prepare: boolean }>();

/**
 * A reserved connection inside an open transaction, as drizzle sees it: every
 * query prepared (when enabled), and a nested `transaction()` becomes a
 * savepoint instead of a second BEGIN.
 */
function inTransaction(reserved: postgres.ReservedSql, pool: postgres.Sql, prepare: boolean): postgres.Sql {
  let savepoints = 0;
  const proxy: postgres.Sql = new Proxy(reserved as unknown as postgres.Sql, {
    get(target, prop, receiver) {
      // drizzle reads (and sets its type parsers on) the pool's options.
      if (prop === 'options') return pool.options;
      if (prop === 'unsafe') {
        return (query: string, params?: unknown[], options?: Record<string, unknown>) =>
          target.unsafe(query, params as never, prepare ? { ...options, prepare: true } : options);
      }
      if (prop === 'begin' || prop === 'savepoint') {
        return async (...args: unknown[]) => {
          const fn = args.at(-1) as (tx: postgres.Sql) => Promise<unknown>;
          const name = `s${++savepoints}`;
          await target.unsafe(`savepoint ${name}`);
          try {
            const result = await fn(proxy);
            await target.unsafe(`release savepoint ${name}`);
            return result;
          } catch (error) {
            await target.unsafe(`rollback to savepoint ${name}`);
            throw error;
          }
        };
      }
      return Reflect.get(target, prop, receiver);
    },
  });
  return proxy;
}

/**
 * A connection URL for postgres.js. libpq's `?host=/run/postgresql` names the
 * directory of a local server's Unix socket (`postgres://app@localhost/troly?host=/run/postgresql`);
 * postgres.js would send it to the server as a setting, so it is passed as its
 * `host` option instead, without TLS (libpq ignores `sslmode` on a socket, and
 * postgres.js would try TLS on it and fail). Only the query string is read and
 * rewritten: the part before it (several hosts, passwords with escapes) goes
 * to postgres.js exactly as given. Everything but `url` is postgres.js options.
 */
export function postgresTarget(url: string): { url: string; host?: string; ssl?: false } {
  const q = url.indexOf('?');
  if (q < 0) return { url };
  const params = new URLSearchParams(url.slice(q + 1));
  const host = params.get('host');
  if (!host?.startsWith('/')) return { url };
  params.delete('host');
  params.delete('sslmode');
  params.delete('ssl');
  const rest = params.toString();
  return { url: url.slice(0, q) + (rest ? `?${rest}` : ''), host, ssl: false };
}

async function createPostgres(rawUrl: string, max: number, prepare: boolean, statementTimeoutMs: number): Promise<Database> {
  const { url, ...target } = postgresTarget(rawUrl);
  const client = postgres(url, {
    ...target,
    max,
    onnotice: () => {},
    idle_timeout: 30,
    prepare,
    // A startup parameter: no extra round trip per transaction.
    ...(statementTimeoutMs > 0 ? { connection: { statement_timeout: statementTimeoutMs } } : {}),
  });
  const db = drizzlePostgres(prepare ? withPreparedStatements(client) : client, { schema }) as unknown as Db;
  postgresClients.set(db, { client, prepare });
  return {
    db,
    engine: 'postgres',
    migrate: async () => {
      // A dedicated single connection holds a session advisory lock, so two
      // instances starting together run migrations one after the other.
      const lockClient = postgres(url, { ...target, max: 1, onnotice: () => {} });
      try {
        await lockClient`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
        await migratePostgres(drizzlePostgres(lockClient), { migrationsFolder: MIGRATIONS_FOLDER });
        await lockClient`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
      } finally {
        await lockClient.end();
      }
    },
    ping: async () => {
      await client`select 1`;
      return true;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** A list of ids as one `bigint[]` parameter (one statement text whatever the length, so it is prepared once). */
export function bigintArray(ids: readonly number[]): SQL {
  return sql`${`{${ids.map(Number).join(',')}}`}::bigint[]`;
}

/** Rows of a raw SQL query, the same on both engines. */
export async function execRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

const dialect = new PgDialect();

/**
 * The schema's relational config, built once. drizzle() builds it on every
 * call (it walks every table and index), which pipelinedTransaction would pay
 * per transaction: measurably, on the hot path.
 */
let relational: RelationalSchemaConfig<TablesRelationalConfig> | undefined;
function transactionDb(client: postgres.Sql): Db {
  if (!relational) {
    const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
    relational = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  }
  // The pool's drizzle() already installed drizzle's type parsers on the shared options.
  const session = new PostgresJsSession(client, dialect, relational as never, {});
  return new PostgresJsDatabase(dialect, session as never, relational as never) as unknown as Db;
}

/**
 * A transaction whose opening statements travel with BEGIN and whose closing
 * statement travels with COMMIT. On PostgreSQL that is two round trips (and
 * two wake-ups of the server process) fewer than BEGIN, statement, …,
 * statement, COMMIT, for the hot path's batch transactions. `body` gets a
 * handle bound to the transaction and the opening statements' rows, and
 * returns the closing statement (or null). Anything thrown rolls back. The
 * opening statements run in order, each with a fresh snapshot, so a read
 * after a lock sees what the lock's previous holder committed.
 */
export async function pipelinedTransaction<B>(
  db: Db,
  open: SQL[],
  body: (tx: Db, results: Record<string, unknown>[][]) => Promise<SQL | null>,
): Promise<B[]> {
  const pg = postgresClients.get(db);
  if (!pg) {
    // PGlite: one connection, nothing to pipeline.
    return db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      const results: Record<string, unknown>[][] = [];
      for (const q of open) results.push(await execRows(tx, q));
      const close = await body(tx, results);
      return close ? execRows<B>(tx, close) : [];
    });
  }
  const reserved = await pg.client.reserve();
  const run = (query: SQL) => {
    const q = dialect.sqlToQuery(query);
    return reserved.unsafe(q.sql, q.params as never[], { prepare: pg.prepare });
  };
  try {
    // The statements run one after another on the server, each with its own snapshot (read committed).
    const [, ...opened] = await Promise.all([reserved.unsafe('begin'), ...open.map(run)]);
    const tx = transactionDb(inTransaction(reserved, pg.client, pg.prepare));
    const close = await body(tx, opened as unknown as Record<string, unknown>[][]);
    if (!close) {
      await reserved.unsafe('commit');
      return [];
    }
    // If the closing statement fails, the COMMIT behind it ends the aborted transaction as a rollback.
    const [closed] = await Promise.all([run(close), reserved.unsafe('commit')]);
    return closed as unknown as B[];
  } catch (error) {
    await reserved.unsafe('rollback').catch(() => {
      // The connection is gone: the server rolled the transaction back with it.
    });
    throw error;
  } finally {
    reserved.release();
  }
}
