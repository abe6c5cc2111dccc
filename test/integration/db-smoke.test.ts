import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { communes } from '../../src/db/schema/index.js';
import { createTestDatabase } from '../helpers/db.js';

describe('migrations', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('create the tables and can be run twice', async () => {
    await database.migrate();
    await database.db.insert(communes).values({ slug: 'xa-thu', name: 'Xã Thử' });
    const rows = await execRows<{ n: number }>(database.db, sql`select count(*)::int as n from communes`);
    expect(rows[0].n).toBe(1);
  });
});
