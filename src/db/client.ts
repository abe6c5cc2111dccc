import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
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
}

export async function createDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return createPostgres(opts.url, opts.poolMax ?? 10, opts.prepare ?? true);
  return createPglite(opts.dataDir);
}

async function createPglite(dataDir?: string): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ?? 'memory://', { extensions: { pg_trgm, unaccent } });
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

async function createPostgres(url: string, max: number, prepare: boolean): Promise<Database> {
  const client = postgres(url, { max, onnotice: () => {}, idle_timeout: 30, prepare });
  const db = drizzlePostgres(prepare ? withPreparedStatements(client) : client, { schema }) as unknown as Db;
  return {
    db,
    engine: 'postgres',
    migrate: async () => {
      // A dedicated single connection holds a session advisory lock, so two
      // instances starting together run migrations one after the other.
      const lockClient = postgres(url, { max: 1, onnotice: () => {} });
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

/** Rows of a raw SQL query, the same on both engines. */
export async function execRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
