import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, ChannelName, Reply } from '../../../src/core/types.js';
import { execRows, type Database } from '../../../src/db/client.js';
import { communes } from '../../../src/db/schema/index.js';
import { createDeliveryWorker, enqueueBroadcast, enqueueMessages } from '../../../src/pipeline/outbox/index.js';
import { createDeliveryStore, UNCERTAIN_SEND, type ClaimedRow } from '../../../src/pipeline/outbox/delivery-store.js';
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

/**
 * Issue 17: "a crash or restart never sends anyone the same notice twice". A notice copy is noted as
 * started just before it goes to the platform; one found claimed again with that note was in flight when
 * its process died, so it is counted as sent (unconfirmed) and not sent again. A copy that was only claimed
 * (waiting for its pace slot) is sent as usual, and replies keep at-least-once.
 */
describe('notice copies in flight at a crash', () => {
  it('are noted before the send, never sent a second time, and a claimed-but-unstarted copy still goes out', async () => {
    const to = (chatId: string) => ({ communeId, channel: 'telegram' as ChannelName, chatId, userId: chatId });
    const rows = await enqueueBroadcast(database.db, [
      { to: to('notice-inflight'), reply: { text: 'thông báo đang gửi dở' } },
      { to: to('notice-claimed'), reply: { text: 'thông báo mới nhận' } },
    ]);
    const idOf = (chat: string) => rows.find((r) => r.chatId === chat)!.id;
    const [replyId] = await enqueueMessages(database.db, to('reply-inflight'), [{ text: 'trả lời đang gửi dở' }]);
    // The dead process had claimed all three; it had begun sending the first notice copy (and the reply).
    await execRows(
      database.db,
      sql`update outbound_messages set locked_until = now() + interval '10 minutes', attempts = 1
          where id in (${idOf('notice-inflight')}, ${idOf('notice-claimed')}, ${replyId})`,
    );
    await execRows(database.db, sql`update outbound_messages set send_started_at = now() where id = ${idOf('notice-inflight')}`);

    const sent: { text: string; startedBefore: boolean }[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: Reply) => {
        const [row] = await execRows<{ send_started_at: unknown; priority: number }>(
          database.db,
          sql`select send_started_at, priority from outbound_messages
              where payload->>'text' = ${reply.text} and status = 'pending'`,
        );
        sent.push({ text: reply.text, startedBefore: Number(row.priority) === 1 ? row.send_started_at !== null : true });
        return { ok: true, platformMessageIds: [String(sent.length)] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({ db: database.db, adapters: { get: () => adapter }, log: silentLogger, pollMs: 20 });
    expect(await worker.releaseOrphanedLeases()).toBeGreaterThanOrEqual(3);
    worker.start();
    const statusOf = async (id: number) =>
      (
        await execRows<{ status: string; unconfirmed: boolean; last_error: string | null; platform_message_ids: unknown }>(
          database.db,
          sql`select status, unconfirmed, last_error, platform_message_ids from outbound_messages where id = ${id}`,
        )
      )[0];
    await until(async () =>
      (await Promise.all([idOf('notice-inflight'), idOf('notice-claimed'), replyId].map(statusOf))).every(
        (r) => r.status === 'sent',
      )
        ? true
        : undefined,
    );
    await worker.stop();

    // The reply and the unstarted copy went out (the copy noted as started before its send); the copy in flight did not.
    expect(sent.map((s) => s.text).sort()).toEqual(['thông báo mới nhận', 'trả lời đang gửi dở']);
    expect(sent.every((s) => s.startedBefore)).toBe(true);
    const inflight = await statusOf(idOf('notice-inflight'));
    expect(inflight).toMatchObject({ status: 'sent', unconfirmed: true, last_error: UNCERTAIN_SEND });
    expect(inflight.platform_message_ids).toBeNull();
    expect(await statusOf(idOf('notice-claimed'))).toMatchObject({ status: 'sent', unconfirmed: false, last_error: null });
  });
});

describe('a live notice send overtaken by its lease', () => {
  const store = () => createDeliveryStore(database.db, { leaseMs: 60_000, batchSize: 10 });
  /** A notice copy that another claim found noted and settled as in flight while its live send was still going. */
  async function settledCopy(chatId: string) {
    const to = { communeId, channel: 'telegram' as ChannelName, chatId, userId: chatId };
    const [row] = await enqueueBroadcast(database.db, [{ to, reply: { text: `thông báo gửi chậm ${chatId}` } }]);
    await execRows(database.db, sql`update outbound_messages set send_started_at = now() where id = ${row.id}`);
    expect(await store().settleUncertain(row.id)).toBe(true);
    return row.id;
  }
  const stateOf = async (id: number) =>
    (
      await execRows<{ status: string; unconfirmed: boolean; last_error: string | null; send_started_at: unknown }>(
        database.db,
        sql`select status, unconfirmed, last_error, send_started_at from outbound_messages where id = ${id}`,
      )
    )[0];

  it('is settled as sent and unconfirmed, with a note saying why', async () => {
    const id = await settledCopy('notice-settled');
    expect(await stateOf(id)).toMatchObject({ status: 'sent', unconfirmed: true, last_error: UNCERTAIN_SEND });
    // Settled once: a second claim finds it no longer pending.
    expect(await store().settleUncertain(id)).toBe(false);
  });

  it('is pending again when that send fails after the copy was settled as in flight', async () => {
    const id = await settledCopy('notice-slow');
    // The platform refused that live send: it was not delivered after all.
    await store().scheduleRetry(id, {
      delayMs: 0,
      partsSent: 0,
      result: { ok: false, retryable: true, code: 'server_error', message: 'HTTP 502' },
    });
    expect(await stateOf(id)).toMatchObject({ status: 'pending', unconfirmed: false, send_started_at: null });
  });

  it('is confirmed when that send succeeds after all, and given up when the platform refuses it for good', async () => {
    const confirmed = await settledCopy('notice-late-ok');
    await store().markSent({ id: confirmed, ids: ['77'], findNext: false, confirmedAt: performance.now() });
    expect(await stateOf(confirmed)).toMatchObject({ status: 'sent', unconfirmed: false, last_error: null });

    const refused = await settledCopy('notice-late-blocked');
    const [claimed] = await execRows<ClaimedRow>(
      database.db,
      sql`select id, commune_id, channel, chat_id, user_id, payload, attempts, parts_sent, priority
          from outbound_messages where id = ${refused}`,
    );
    await store().giveUp(claimed, 'undeliverable', { code: 'undeliverable', message: 'bot blocked' });
    expect(await stateOf(refused)).toMatchObject({ status: 'undeliverable', unconfirmed: false });
  });

  it('only a sent row can be unconfirmed (the database refuses anything else)', async () => {
    const to = { communeId, channel: 'telegram' as ChannelName, chatId: 'notice-check', userId: 'notice-check' };
    const [row] = await enqueueBroadcast(database.db, [{ to, reply: { text: 'thông báo chờ gửi' } }]);
    await expect(
      execRows(database.db, sql`update outbound_messages set unconfirmed = true where id = ${row.id}`),
    ).rejects.toThrow();
    expect(await stateOf(row.id)).toMatchObject({ status: 'pending', unconfirmed: false });
  });
});
