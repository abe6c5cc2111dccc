import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, Recipient, Reply } from '../../../src/core/types.js';
import { execRows, type Database, type Db } from '../../../src/db/client.js';
import {
  communes,
  noticeDeliveries,
  noticeHamlets,
  notices,
  noticeSubscriptions,
  outboundMessages,
} from '../../../src/db/schema/index.js';
import { createNoticeSender } from '../../../src/features/notices/index.js';
import { createNotice, startSending } from '../../../src/features/notices/service.js';
import { createDeliveryWorker } from '../../../src/pipeline/outbox/index.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * Issue 17 item 3: "sends to one bot are spread fairly across notices, so a storm warning does not wait
 * behind a routine notice". The outbox sends broadcasts in the order they were queued; the notice sender
 * used to queue a notice's whole audience at once, so a second notice's copies waited behind every copy
 * of the first (measured by `npm run bench:broadcast`: an urgent notice to one hamlet, sent 10 s into a
 * 2,000-recipient routine one, finished with it). Now each notice keeps about one batch in the outbox.
 */
let database: Database;
let db: Db;
let communeId: number;
let hamletA: number;
let hamletU: number;
const actor = 'staff:1';

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const [c] = await db
    .insert(communes)
    .values({
      slug: 'xa-cong-bang',
      name: 'Xã Công Bằng Thử',
      province: 'Tỉnh Thử',
      address: 'UBND xã',
      phone: '0237 000 009',
      hoursText: '7:30–17:00',
    })
    .returning();
  communeId = c.id;
  const hs = await db
    .insert(noticeHamlets)
    .values([
      { communeId, name: 'Thôn Thử Một', position: 1 },
      { communeId, name: 'Thôn Thử Hai', position: 2 },
    ])
    .returning();
  [hamletA, hamletU] = hs.map((h) => h.id);
});
afterAll(() => database.close());

beforeEach(async () => {
  await db.delete(noticeDeliveries);
  await db.delete(notices);
  await db.delete(noticeSubscriptions);
  await db.delete(outboundMessages);
});

async function subscribers(prefix: string, n: number, hamletId: number) {
  await db.insert(noticeSubscriptions).values(
    Array.from({ length: n }, (_, i) => ({
      communeId,
      channel: 'telegram',
      chatId: `${prefix}${i}`,
      userId: `${prefix}${i}`,
      hamletId,
    })),
  );
}

async function compose(title: string, hamletId: number) {
  const n = await createNotice(db, {
    communeId,
    actor,
    now: new Date(),
    title,
    text: `${title}: nội dung thử nghiệm.`,
    hamlets: [hamletId],
  });
  await startSending(db, { communeId, id: n.id, actor });
  return n.id;
}

const queuedOf = async (noticeId: number) =>
  (await db.select({ id: noticeDeliveries.id }).from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, noticeId))).length;

describe('notices share a bot fairly', () => {
  it('a second notice started while a large one is sending is not queued behind all of its recipients', async () => {
    // The routine notice goes to 40 chats of one hamlet (a, in batches of 10); the urgent one to 5 of another (u).
    await subscribers('a', 40, hamletA);
    const routine = await compose('Lịch tiếp dân thử', hamletA);
    const sender = createNoticeSender({ db, log: silentLogger, batch: 10, drainPollMs: 10 });
    const routineDone = sender.send(routine);
    await until(async () => ((await queuedOf(routine)) >= 10 ? true : undefined));

    await subscribers('u', 5, hamletU);
    const urgent = await compose('Cảnh báo bão thử', hamletU);
    await sender.send(urgent);
    // Nothing has gone out yet: the routine notice has one batch in the outbox, not its whole audience.
    expect(await queuedOf(routine)).toBeLessThanOrEqual(20);

    const order: string[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: Reply, to: Recipient) => {
        order.push(`${reply.text.includes('bão') ? 'urgent' : 'routine'}:${to.chatId}`);
        return { ok: true, platformMessageIds: [String(order.length)] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({ db, adapters: { get: () => adapter }, log: silentLogger, concurrency: 1, pollMs: 10 });
    worker.start();
    try {
      await routineDone;
      await until(() => (order.length >= 45 ? true : undefined), 60_000);
    } finally {
      await worker.stop();
      await sender.stop();
    }
    // Each chat once; the urgent copies go out before most of the routine ones.
    expect(new Set(order).size).toBe(45);
    const lastUrgent = Math.max(...order.map((o, i) => (o.startsWith('urgent') ? i : -1)));
    const routineAfter = order.slice(lastUrgent).filter((o) => o.startsWith('routine')).length;
    expect(routineAfter).toBeGreaterThanOrEqual(20);
    const [{ n }] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from notices where status = 'sent'`);
    expect(Number(n)).toBe(2);
  }, 90_000);
});
