import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, inArray, sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import { UNCERTAIN_SEND } from '../../../src/pipeline/outbox/delivery-store.js';
import type { ChannelAdapter, ChannelName, Reply } from '../../../src/core/types.js';
import type { Database, Db } from '../../../src/db/client.js';
import {
  auditLog,
  communes,
  conversations,
  noticeDeliveries,
  noticeHamlets,
  notices,
  noticeSubscriptions,
  outboundMessages,
} from '../../../src/db/schema/index.js';
import { createNoticeSender } from '../../../src/features/notices/index.js';
import {
  cancelNotice,
  claimDueNotices,
  releaseHeldNotices,
  createNotice,
  deliveryReport,
  listTopics,
  NoticeStateError,
  previewAudience,
  pumpNotice,
  resendUnconfirmed,
  startSending,
  subscribe,
  unsubscribe,
} from '../../../src/features/notices/service.js';
import { createDeliveryWorker, enqueueBroadcast, enqueueMessages } from '../../../src/pipeline/outbox/index.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

let database: Database;
let db: Db;
let communeId: number;
let otherCommuneId: number;
let hamlet1: number;
let hamlet2: number;
let topic: Record<string, number>;
const actor = 'staff:1';

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const rows = await db
    .insert(communes)
    .values([
      { slug: 'xa-a', name: 'Xã A', province: 'Tỉnh Thử', address: 'UBND xã A', phone: '0237 000 001', hoursText: '7:30–17:00' },
      { slug: 'xa-b', name: 'Xã B', province: 'Tỉnh Thử', address: 'UBND xã B', phone: '0237 000 002', hoursText: '7:30–17:00' },
    ])
    .returning();
  [communeId, otherCommuneId] = rows.map((r) => r.id);
  const hs = await db
    .insert(noticeHamlets)
    .values([
      { communeId, name: 'Thôn Một', position: 1 },
      { communeId, name: 'Thôn Hai', position: 2 },
    ])
    .returning();
  [hamlet1, hamlet2] = hs.map((h) => h.id);
  const topics = await listTopics(db, communeId);
  topic = Object.fromEntries(topics.map((t) => [t.name, t.id]));
});
afterAll(() => database.close());

beforeEach(async () => {
  await db.delete(noticeDeliveries);
  await db.delete(notices);
  await db.delete(noticeSubscriptions);
  await db.delete(outboundMessages);
});

async function sub(chatId: string, hamletId: number | null, topicNames: string[], channel: ChannelName = 'telegram') {
  return subscribe(db, {
    communeId,
    channel,
    chatId,
    userId: chatId,
    hamletId,
    topicIds: topicNames.map((n) => topic[n]),
  });
}

async function compose(target: { hamlets?: number[]; topics?: string[] }, extra: { scheduledAt?: string; now?: Date } = {}) {
  return createNotice(db, {
    communeId,
    actor,
    now: extra.now ?? new Date(),
    title: 'Lịch tiêm chủng tháng 12',
    text: 'Trạm y tế tiêm vắc xin sởi cho trẻ từ 9 tháng tuổi, sáng thứ Bảy.',
    hamlets: target.hamlets,
    topics: target.topics?.map((n) => topic[n]),
    scheduledAt: extra.scheduledAt,
  });
}

/** Send a notice to the end and return the chats it was queued to. */
async function sendAll(id: number, batch = 500): Promise<string[]> {
  await startSending(db, { communeId, id, actor });
  while (!(await pumpNotice(db, id, { batch })).done) {
    /* next batch */
  }
  const rows = await db
    .select({ chatId: noticeDeliveries.chatId })
    .from(noticeDeliveries)
    .where(eq(noticeDeliveries.noticeId, id));
  return rows.map((r) => r.chatId).sort();
}

describe('notices: who receives what', () => {
  it('targets hamlet × topic: a hamlet and a topic reach only subscribers of both; urgent topics reach everyone in the hamlets', async () => {
    await sub('a', hamlet1, ['Thông báo chung']);
    await sub('b', hamlet2, ['Thông báo chung', 'Y tế – tiêm chủng']);
    await sub('c', null, ['Y tế – tiêm chủng']);
    await sub('e', hamlet1, ['Y tế – tiêm chủng']);
    await sub('d', hamlet1, ['Y tế – tiêm chủng']);
    await unsubscribe(db, { communeId, channel: 'telegram', chatId: 'd', userId: 'd' });

    expect(await sendAll((await compose({ hamlets: [hamlet1], topics: ['Y tế – tiêm chủng'] })).id)).toEqual(['e']);
    expect(await sendAll((await compose({ topics: ['Y tế – tiêm chủng'] })).id)).toEqual(['b', 'c', 'e']);
    expect(await sendAll((await compose({ hamlets: [hamlet2] })).id)).toEqual(['b']);
    expect(await sendAll((await compose({ hamlets: [hamlet1], topics: ['Thiên tai – thời tiết'] })).id)).toEqual(['a', 'e']);
    expect(await sendAll((await compose({})).id)).toEqual(['a', 'b', 'c', 'e']);
  });

  it('previews the recipient count per channel, as the send will reach', async () => {
    await sub('t1', hamlet1, ['Thông báo chung']);
    await sub('t2', hamlet1, ['Thông báo chung']);
    await sub('w1', hamlet1, ['Thông báo chung'], 'web');
    await sub('z1', hamlet2, ['Thông báo chung'], 'zalo');
    expect(await previewAudience(db, communeId, { hamletIds: [hamlet1], topicIds: [] })).toEqual({
      total: 3,
      byChannel: { telegram: 2, web: 1 },
    });
    expect((await previewAudience(db, otherCommuneId, { hamletIds: [], topicIds: [] })).total).toBe(0);
  });

  it('honours an unsubscribe from the next send', async () => {
    await sub('x', hamlet1, ['Thông báo chung']);
    expect(await sendAll((await compose({})).id)).toEqual(['x']);
    await unsubscribe(db, { communeId, channel: 'telegram', chatId: 'x', userId: 'x' });
    expect(await sendAll((await compose({})).id)).toEqual([]);
  });

  it('refuses targets of another commune (422), not a server error', async () => {
    const [foreign] = await db.insert(noticeHamlets).values({ communeId: otherCommuneId, name: 'Thôn Khác' }).returning();
    await expect(compose({ hamlets: [foreign.id] })).rejects.toMatchObject({
      status: 422,
      fieldErrors: { hamlets: 'unknown id' },
    });
  });
});

describe('notices: scheduling, cancelling, restarts', () => {
  it('a scheduled notice waits until it is due, then is sent by the timer pass', async () => {
    await sub('s', null, ['Thông báo chung']);
    const now = new Date('2026-12-06T02:00:00Z');
    const n = await compose({}, { now, scheduledAt: '2026-12-07T08:00' }); // local time, 01:00 UTC
    expect(n.status).toBe('scheduled');
    expect(n.scheduledAt?.toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(await claimDueNotices(db, new Date('2026-12-07T00:59:00Z'))).toEqual([]);

    const sender = createNoticeSender({ db, log: silentLogger, now: () => new Date('2026-12-07T01:00:00Z') });
    const claimed = await claimDueNotices(db, new Date('2026-12-07T01:00:00Z'));
    expect(claimed).toEqual([n.id]);
    await sender.runDue();
    const [after] = await db.select().from(notices).where(eq(notices.id, n.id));
    expect(after.status).toBe('sent');
    expect(await db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, n.id))).toHaveLength(1);
    const audit = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.action} = 'notice.sent' and ${auditLog.subject} = ${String(n.id)}`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'system', details: { scheduled: true, recipients: 1 } });
  });

  it('a cancelled notice is never sent; a sent one cannot be cancelled', async () => {
    await sub('s', null, ['Thông báo chung']);
    const now = new Date('2026-12-06T02:00:00Z');
    const n = await compose({}, { now, scheduledAt: '2026-12-07T08:00:00+07:00' });
    await cancelNotice(db, { communeId, id: n.id, actor });
    expect(await claimDueNotices(db, new Date('2027-01-01T00:00:00Z'))).toEqual([]);
    expect(await db.select().from(noticeDeliveries)).toHaveLength(0);
    await expect(startSending(db, { communeId, id: n.id, actor })).rejects.toBeInstanceOf(NoticeStateError);

    const sent = await compose({});
    await sendAll(sent.id);
    await expect(cancelNotice(db, { communeId, id: sent.id, actor })).rejects.toMatchObject({ status: 409 });
    // Another commune's id is not found.
    expect(await cancelNotice(db, { communeId: otherCommuneId, id: n.id, actor })).toBeUndefined();
  });

  it('a scheduled time in the past or unreadable is refused with a clear message', async () => {
    await expect(compose({}, { scheduledAt: '2020-01-01T08:00' })).rejects.toMatchObject({ status: 422 });
    await expect(compose({}, { scheduledAt: 'thứ Bảy' })).rejects.toMatchObject({ status: 400 });
  });

  it('a restart in the middle of a send queues the rest and nobody twice', async () => {
    for (let i = 0; i < 7; i++) await sub(`r${i}`, null, ['Thông báo chung']);
    const n = await compose({});
    await startSending(db, { communeId, id: n.id, actor });
    // The first process queued one batch of 3, then died.
    expect((await pumpNotice(db, n.id, { batch: 3 })).done).toBe(false);
    // A new process: its timer pass resumes the notice left 'sending'; a second pump racing it changes nothing.
    const sender = createNoticeSender({ db, log: silentLogger, batch: 3 });
    await Promise.all([sender.runDue(), pumpNotice(db, n.id, { batch: 3 })]);
    await sender.runDue();
    const rows = await db.select().from(outboundMessages);
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.chatId)).size).toBe(7);
    expect(rows.every((r) => r.priority === 1)).toBe(true);
    const [after] = await db.select().from(notices).where(eq(notices.id, n.id));
    expect(after.status).toBe('sent');
  });
});

describe('notices: the delivery report', () => {
  it("counts sent, blocked, outside Zalo's window, failed and pending per channel", async () => {
    for (const c of ['p1', 'p2', 'p3', 'p4', 'p5']) await sub(c, null, ['Thông báo chung']);
    await sub('z1', null, ['Thông báo chung'], 'zalo');
    await sub('w', null, ['Thông báo chung'], 'web');
    const n = await compose({});
    await sendAll(n.id);
    const ids = async (chats: string[]) =>
      (await db.select().from(noticeDeliveries).where(inArray(noticeDeliveries.chatId, chats))).map((d) => d.outboundId!);
    await db
      .update(outboundMessages)
      .set({ status: 'sent' })
      .where(inArray(outboundMessages.id, await ids(['p1'])));
    // p2's copy was in flight when the server stopped: counted as sent, unconfirmed (issue 17).
    await db
      .update(outboundMessages)
      .set({ status: 'sent', unconfirmed: true, lastError: UNCERTAIN_SEND })
      .where(inArray(outboundMessages.id, await ids(['p2'])));
    await db
      .update(outboundMessages)
      .set({ status: 'undeliverable' })
      .where(inArray(outboundMessages.id, await ids(['p3'])));
    await db
      .update(outboundMessages)
      .set({ status: 'failed' })
      .where(inArray(outboundMessages.id, await ids(['p4'])));
    await db
      .update(outboundMessages)
      .set({
        status: 'undeliverable',
        lastError: 'undeliverable: Zalo error -230: User has not interacted with the OA in the past 7 days',
      })
      .where(inArray(outboundMessages.id, await ids(['z1'])));
    const [row] = await db.select().from(notices).where(eq(notices.id, n.id));
    const report = await deliveryReport(db, row);
    expect(report).toMatchObject({ recipients: 7, sent: 3, unconfirmed: 1, blocked: 1, outsideWindow: 1, failed: 1, pending: 1 });
    expect(report.byChannel).toEqual({
      telegram: { sent: 2, blocked: 1, outsideWindow: 0, failed: 1, pending: 1 },
      web: { sent: 1, blocked: 0, outsideWindow: 0, failed: 0, pending: 0 },
      zalo: { sent: 0, blocked: 0, outsideWindow: 1, failed: 0, pending: 0 },
    });
    const audit = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.action} = 'notice.sent' and ${auditLog.subject} = ${String(n.id)}`);
    expect(audit[0].details).toMatchObject({ recipients: 7, byChannel: { telegram: 5, web: 1, zalo: 1 } });
  });
});

describe("notices and Zalo OA's 7-day window", () => {
  const DAY = 86_400_000;
  const zaloWindow = (channel: string) => (channel === 'zalo' ? 7 * DAY : undefined);

  it('holds the notice of a resident who has not written for 7 days, counts it, and queues it with the others when they write', async () => {
    await db.delete(conversations);
    const now = new Date();
    await sub('zalo-old', null, ['Thông báo chung'], 'zalo');
    await sub('zalo-new', null, ['Thông báo chung'], 'zalo');
    await sub('tg-old', null, ['Thông báo chung']);
    await db.insert(conversations).values([
      { communeId, channel: 'zalo', chatId: 'zalo-old', userId: 'zalo-old', lastInboundAt: new Date(now.getTime() - 8 * DAY) },
      { communeId, channel: 'zalo', chatId: 'zalo-new', userId: 'zalo-new', lastInboundAt: new Date(now.getTime() - DAY) },
      { communeId, channel: 'telegram', chatId: 'tg-old', userId: 'tg-old', lastInboundAt: new Date(now.getTime() - 30 * DAY) },
    ]);
    const first = await compose({});
    const second = await compose({});
    for (const n of [first, second]) {
      await startSending(db, { communeId, id: n.id, actor });
      expect((await pumpNotice(db, n.id, { now, replyWindowMs: zaloWindow })).done).toBe(true);
    }
    const queued = await db.select().from(outboundMessages);
    expect(queued.map((r) => r.chatId).sort()).toEqual(['tg-old', 'tg-old', 'zalo-new', 'zalo-new']);
    const [row] = await db.select().from(notices).where(eq(notices.id, first.id));
    expect(await deliveryReport(db, row)).toMatchObject({ recipients: 3, outsideWindow: 1, pending: 2 });

    const released = await releaseHeldNotices(db, { communeId, channel: 'zalo', chatId: 'zalo-old', userId: 'zalo-old' });
    expect(released).toBe(2);
    const toOld = await db
      .select()
      .from(outboundMessages)
      .where(eq(outboundMessages.chatId, 'zalo-old'))
      .orderBy(outboundMessages.id);
    expect(toOld.map((r) => (r.payload as { text: string }).text.split('\n')[0])).toEqual([
      'Anh/chị có 2 thông báo mới của xã:',
      '📢 Lịch tiêm chủng tháng 12',
      '📢 Lịch tiêm chủng tháng 12',
    ]);
    expect(toOld.every((r) => r.priority === 0)).toBe(true);
    expect(await deliveryReport(db, row)).toMatchObject({ recipients: 3, outsideWindow: 0, pending: 3 });
    // Released once: a second message finds nothing held.
    expect(await releaseHeldNotices(db, { communeId, channel: 'zalo', chatId: 'zalo-old', userId: 'zalo-old' })).toBe(0);
  });
});

describe('resending unconfirmed copies and the platform reply window', () => {
  const DAY = 86_400_000;
  // Zalo OA's 7 days, and (for the test) 20 days on Telegram, so that two channels have a window; Zalo Bot none.
  const windows = (channel: string) => (channel === 'zalo' ? 7 * DAY : channel === 'telegram' ? 20 * DAY : undefined);

  it("reopens a copy only for a resident inside their channel's window; a channel without one is not limited", async () => {
    await db.delete(conversations);
    // Chat, channel, days since the resident last wrote (null: never).
    const chats: [string, ChannelName, number | null][] = [
      ['zalo-recent', 'zalo', 1],
      ['zalo-old', 'zalo', 8],
      ['zalo-never', 'zalo', null],
      ['tg-recent', 'telegram', 10],
      ['tg-old', 'telegram', 30],
      ['zb-never', 'zalobot', null],
    ];
    for (const [chat, channel] of chats) await sub(chat, null, ['Thông báo chung'], channel);
    const n = await compose({});
    await sendAll(n.id);
    const now = Date.now();
    await db
      .insert(conversations)
      .values(
        chats.flatMap(([chatId, channel, days]) =>
          days === null ? [] : [{ communeId, channel, chatId, userId: chatId, lastInboundAt: new Date(now - days * DAY) }],
        ),
      );
    // Every copy was in flight at a crash a while ago.
    await db
      .update(outboundMessages)
      .set({ status: 'sent', unconfirmed: true, lastError: UNCERTAIN_SEND, sendStartedAt: sql`now() - interval '10 minutes'` })
      .where(sql`id in (select outbound_id from notice_deliveries where notice_id = ${n.id})`);
    const reopenedChats = async () =>
      (await db.select().from(outboundMessages).where(eq(outboundMessages.status, 'pending'))).map((r) => r.chatId).sort();

    const first = await resendUnconfirmed(db, { communeId, id: n.id, actor, maySend: () => true, replyWindowMs: windows });
    expect(first?.reopened).toBe(3);
    expect(await reopenedChats()).toEqual(['tg-recent', 'zalo-recent', 'zb-never']);

    // Without windows, the rest.
    const rest = await resendUnconfirmed(db, { communeId, id: n.id, actor, maySend: () => true });
    expect(rest?.reopened).toBe(3);
    expect(await reopenedChats()).toEqual(chats.map(([chat]) => chat).sort());
  });
});

describe('the outbox puts replies before broadcasts', () => {
  it("a reply queued after a broadcast to the same chat is sent first, and another chat's reply before that chat's broadcast", async () => {
    const to = (chatId: string) => ({ communeId, channel: 'telegram' as ChannelName, chatId, userId: chatId });
    await enqueueBroadcast(db, [
      { to: to('q1'), reply: { text: 'notice to q1' } },
      { to: to('q2'), reply: { text: 'notice to q2' } },
    ]);
    await enqueueMessages(db, to('q1'), [{ text: 'reply to q1' }]);
    await enqueueMessages(db, to('q3'), [{ text: 'reply to q3' }]);
    const order: string[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: Reply) => {
        order.push(reply.text);
        return { ok: true, platformMessageIds: [String(order.length)] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({ db, adapters: { get: () => adapter }, log: silentLogger, concurrency: 1, pollMs: 10 });
    worker.start();
    await until(() => (order.length >= 4 ? true : undefined));
    await worker.stop();
    expect(order.indexOf('reply to q1')).toBeLessThan(order.indexOf('notice to q1'));
    expect(order.indexOf('reply to q3')).toBeLessThan(order.indexOf('notice to q2'));
    expect(order[0]).toBe('reply to q1');
  });
});
