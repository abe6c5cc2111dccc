import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDatabase, execRows } from '../../src/db/client.js';
import { onPostgres, withDatabaseName } from '../helpers/db.js';

describe('migrations on PostgreSQL', () => {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `t_migrate_race_${Date.now().toString(36)}`;
  afterAll(async () => {
    if (!onPostgres) return;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  it.runIf(onPostgres)('are safe when two instances start at once', async () => {
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = withDatabaseName(base, name);
    const a = await createDatabase({ url });
    const b = await createDatabase({ url });
    try {
      await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
      const rows = await execRows<{ n: number }>(a.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
      const files = await execRows<{ n: number }>(
        a.db,
        sql`select count(*)::int as n from information_schema.tables where table_name = 'inbound_messages'`,
      );
      expect(files[0].n).toBe(1);
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('migrations on PGlite', () => {
  it('apply to a fresh embedded database', async () => {
    const db = await createDatabase({});
    try {
      await db.migrate();
      await db.migrate();
      const rows = await execRows<{ n: number }>(
        db.db,
        sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(6);
    } finally {
      await db.close();
    }
  });
});
