import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { createDatabase, execRows, MIGRATIONS_FOLDER, type Db } from '../../src/db/client.js';
import { communes } from '../../src/db/schema/index.js';
import { countOutboxStatuses, reopenUnconfirmed, UNCERTAIN_SEND } from '../../src/pipeline/outbox/index.js';
import { createTestDatabase, onPostgres, withDatabaseName } from '../helpers/db.js';

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

/**
 * Apply the migrations up to and including `tag` only, as a database upgraded before the later ones existed
 * holds them: what both engines' migrators do (drizzle's dialect.migrate over the journal's files), cut short.
 */
async function migrateUpTo(db: Db, tag: string): Promise<void> {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  const last = journal.entries.findIndex((e) => e.tag === tag);
  expect(last, tag).toBeGreaterThanOrEqual(0);
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).slice(0, last + 1);
  const { dialect, session } = db as unknown as {
    dialect: { migrate(m: unknown, s: unknown, c: { migrationsFolder: string }): Promise<void> };
    session: unknown;
  };
  await dialect.migrate(migrations, session, { migrationsFolder: MIGRATIONS_FOLDER });
}

describe(`migrations 0022 and 0023 (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('marks as unconfirmed the notice copies that 0021 told apart only by their last_error, and no others', async () => {
    const database = await createTestDatabase({ migrated: false });
    try {
      const { db } = database;
      await migrateUpTo(db, '0021_outbound_send_started');
      const [commune] = await db.insert(communes).values({ slug: 'xa-nang-cap', name: 'Xã Nâng Cấp' }).returning();
      // Rows as the 0021 code left them: one copy settled as in flight at a crash, and rows that only look alike.
      const rows: [chat: string, status: string, lastError: string | null][] = [
        ['in-flight', 'sent', UNCERTAIN_SEND],
        ['confirmed', 'sent', null],
        ['retried', 'pending', UNCERTAIN_SEND],
        ['given-up', 'failed', 'server_error: HTTP 502'],
      ];
      const ids = new Map<string, number>();
      for (const [chat, status, lastError] of rows) {
        const [row] = await execRows<{ id: number }>(
          db,
          sql`insert into outbound_messages (commune_id, channel, chat_id, user_id, payload, status, priority, last_error)
              values (${commune.id}, 'telegram', ${chat}, ${chat}, ${JSON.stringify({ text: 'thông báo' })}::jsonb,
                      ${status}, 1, ${lastError})
              returning id`,
        );
        ids.set(chat, Number(row.id));
      }

      await database.migrate();

      const after = await execRows<{ chat_id: string; status: string; unconfirmed: boolean; last_error: string | null }>(
        db,
        sql`select chat_id, status, unconfirmed, last_error from outbound_messages order by id`,
      );
      expect(after).toEqual([
        { chat_id: 'in-flight', status: 'sent', unconfirmed: true, last_error: UNCERTAIN_SEND },
        { chat_id: 'confirmed', status: 'sent', unconfirmed: false, last_error: null },
        { chat_id: 'retried', status: 'pending', unconfirmed: false, last_error: UNCERTAIN_SEND },
        { chat_id: 'given-up', status: 'failed', unconfirmed: false, last_error: 'server_error: HTTP 502' },
      ]);
      // The report counts it as unconfirmed, and staff can still resend it.
      const all = sql`select id from outbound_messages`;
      expect((await countOutboxStatuses(db, all)).filter((r) => r.unconfirmed)).toEqual([
        { channel: 'telegram', status: 'sent', outsideWindow: false, unconfirmed: true, n: 1 },
      ]);
      expect(await reopenUnconfirmed(db, all)).toEqual([{ id: ids.get('in-flight'), channel: 'telegram' }]);
    } finally {
      await database.close();
    }
  });
});
