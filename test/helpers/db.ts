import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDatabase, postgresTarget, type Database } from '../../src/db/client.js';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default,
 * or a new throwaway database on the server named by TEST_DATABASE_URL
 * (dropped again by `close`). Never a mock. `migrated: false` leaves it empty
 * (a migration's own test applies them).
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<Database & { url?: string }> {
  const migrated = opts.migrated ?? true;
  const base = process.env.TEST_DATABASE_URL;
  if (!base) {
    const database = await createDatabase({});
    if (migrated) await database.migrate();
    return database;
  }
  const name = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const { url: adminUrl, ...target } = postgresTarget(base);
  const admin = postgres(adminUrl, { ...target, max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = withDatabaseName(base, name);
  const database = await createDatabase({ url, poolMax: 5 });
  if (migrated) await database.migrate();
  return {
    ...database,
    url,
    close: async () => {
      await database.close();
      const admin2 = postgres(adminUrl, { ...target, max: 1, onnotice: () => {} });
      await admin2.unsafe(`drop database if exists ${name} with (force)`);
      await admin2.end();
    },
  };
}

export function withDatabaseName(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
