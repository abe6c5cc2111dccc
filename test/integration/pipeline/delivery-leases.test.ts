import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, ChannelName, Reply } from '../../../src/core/types.js';
import { execRows, type Database } from '../../../src/db/client.js';
import { communes } from '../../../src/db/schema/index.js';
import { createDeliveryWorker, enqueueMessages } from '../../../src/pipeline/outbox/index.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * Issue 19, item 7: a reply left leased by a crash waited the whole lease (a minute or more) after a
 * restart, even on the embedded database where no other process can hold it. The runtime now gives
 * such leases back at start on PGlite (src/runtime.ts); this checks the worker's part.
 */
let database: Database;
let communeId: number;
beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-lease', name: 'Xã Thuê' }).returning();
  communeId = c.id;
});
afterAll(() => database?.close());

describe('leases left by a crash', () => {
  it('are given back, so the reply goes out at once and only once', async () => {
    const to = { communeId, channel: 'telegram' as ChannelName, chatId: 'crash-1', userId: 'crash-1' };
    const [id] = await enqueueMessages(database.db, to, [{ text: 'trả lời trước khi sập' }]);
    // The crashed process had claimed it for ten minutes.
    await execRows(database.db, sql`update outbound_messages set locked_until = now() + interval '10 minutes' where id = ${id}`);
    const sent: string[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: Reply) => {
        sent.push(reply.text);
        return { ok: true, platformMessageIds: [String(sent.length)] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({ db: database.db, adapters: { get: () => adapter }, log: silentLogger, pollMs: 20 });

    // Held by the lease: the worker leaves it alone.
    worker.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toEqual([]);
    await worker.stop();

    expect(await worker.releaseOrphanedLeases()).toBe(1);
    worker.start();
    await until(() => (sent.length ? true : undefined));
    await worker.stop();
    expect(sent).toEqual(['trả lời trước khi sập']);
    const [row] = await execRows<{ status: string }>(database.db, sql`select status from outbound_messages where id = ${id}`);
    expect(row.status).toBe('sent');
    expect(await worker.releaseOrphanedLeases()).toBe(0);
  });
});
