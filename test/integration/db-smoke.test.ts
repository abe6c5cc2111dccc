import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows, MIGRATIONS_FOLDER } from '../../src/db/client.js';
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

  it('0007 removes the raw platform update that older inbound rows kept, and nothing else', async () => {
    const [c] = await execRows<{ id: number }>(
      database.db,
      sql`insert into communes (slug, name) values ('xa-cu', 'Xã Cũ') returning id`,
    );
    const [conv] = await execRows<{ id: number }>(
      database.db,
      sql`insert into conversations (commune_id, channel, chat_id, user_id) values (${c.id}, 'telegram', 'old-chat', 'old-user') returning id`,
    );
    const payload = { contact: { phone: '0900000002', verified: true }, raw: { message: { from: { first_name: 'Tên Cũ' } } } };
    await execRows(
      database.db,
      sql`insert into inbound_messages (commune_id, channel, external_id, conversation_id, chat_id, user_id, text, payload, request_id)
          values (${c.id}, 'telegram', 'old-1', ${conv.id}, 'old-chat', 'old-user', 'xin chào', ${JSON.stringify(payload)}::jsonb, 'r-old')`,
    );
    await execRows(database.db, sql.raw(readFileSync(`${MIGRATIONS_FOLDER}/0007_strip_inbound_raw.sql`, 'utf8')));
    const [row] = await execRows<{ payload: Record<string, unknown> }>(
      database.db,
      sql`select payload from inbound_messages where external_id = 'old-1'`,
    );
    const stored = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
    expect(stored).toEqual({ contact: payload.contact });
  });
});
