import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { silentLogger } from '../../../src/core/logger.js';
import { userMessageFor } from '../../../src/core/messages.js';
import { Router } from '../../../src/core/router.js';
import type { ChannelName, InboundMessage } from '../../../src/core/types.js';
import { createDatabase, execRows, type Database } from '../../../src/db/client.js';
import { auditLog, communes, conversations, inboundMessages, outboundMessages } from '../../../src/db/schema/index.js';
import {
  createDispatcher,
  type AppContext,
  type BatchItem,
  type DispatcherDeps,
  type IngestResult,
  type LeasedOutbound,
} from '../../../src/pipeline/dispatcher.js';
import { createTestDatabase, onPostgres } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;
const directory = {
  get: async (id: number) => ({
    id,
    slug: 'xa-lo',
    name: 'Xã Lô',
    province: 'Tỉnh Thử',
    address: 'Số 1',
    phone: '0200',
    hoursText: 'T2–T6',
  }),
};

/** The dispatcher's advisory lock key of a conversation (CONVERSATION_LOCK_BASE + id). */
const lockKeyOf = (conversationId: number) => ((1n << 40n) + BigInt(conversationId)).toString();

function residentRouter() {
  const router = new Router<AppContext>();
  router.hears(/^hai câu$/, () => [{ text: 'câu một' }, { text: 'câu hai' }]);
  router.hears(/^remember (.+)$/, (ctx) => {
    ctx.state.data.remembered = ctx.match![1];
    return { text: 'đã nhớ' };
  });
  router.hears(/^note (.+)$/, async (ctx) => {
    await ctx.db.insert(auditLog).values({
      communeId: ctx.commune.id,
      actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
      action: 'test:note',
      subject: ctx.match![1],
    });
    return { text: 'đã ghi' };
  });
  router.hears(/^audit then boom$/, async (ctx) => {
    await ctx.db
      .insert(auditLog)
      .values({ communeId: ctx.commune.id, actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`, action: 'test:before-boom' });
    throw new Error('handler exploded after a write');
  });
  router.hears(/^poison$/, (ctx) => {
    // A lone surrogate: JSON.stringify keeps it as \ud800, which PostgreSQL's jsonb refuses.
    ctx.state.data.poison = '\ud800';
    return { text: 'sẽ không lưu được' };
  });
  router.fallback((ctx) => ({ text: `echo ${ctx.text}` }));
  return router;
}

function recorder() {
  const leased: LeasedOutbound[][] = [];
  const outbox: number[][] = [];
  return {
    leased,
    outbox,
    deps: {
      onLeased: (rows: LeasedOutbound[]) => leased.push(rows),
      onOutbox: (ids: number[]) => outbox.push(ids),
    } satisfies Partial<DispatcherDeps>,
  };
}

function dispatcher(extra: Partial<DispatcherDeps> = {}) {
  return createDispatcher({ db: database.db, router: residentRouter(), communes: directory, log: silentLogger, ...extra });
}

let seq = 0;
function msg(chatId: string, text: string, channel: ChannelName = 'telegram'): InboundMessage {
  seq++;
  return { channel, communeId, chatId, userId: `u-${chatId}`, externalId: `ext-${chatId}-${seq}`, text };
}

const item = (i: IngestResult): BatchItem => ({ conversationId: i.conversationId, communeId: i.communeId });

async function inbound(id: number) {
  const [row] = await database.db.select().from(inboundMessages).where(eq(inboundMessages.id, id));
  return row;
}

async function outboundOf(inboundId: number) {
  return database.db
    .select()
    .from(outboundMessages)
    .where(eq(outboundMessages.inboundId, inboundId))
    .orderBy(asc(outboundMessages.id));
}

beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-lo', name: 'Xã Lô' }).returning();
  communeId = c.id;
});
afterAll(async () => database?.close());

describe('recording webhooks in batches', () => {
  it('records a message delivered twice at the same moment once, and tells the second caller it is a duplicate', async () => {
    const d = dispatcher();
    const m = msg('a-twice', 'xin chào');
    const [first, second] = await Promise.all([d.ingest(m), d.ingest({ ...m })]);
    expect([first.duplicate, second.duplicate].sort()).toEqual([false, true]);
    expect(second.inboundId).toBe(first.inboundId);
    expect(second.conversationId).toBe(first.conversationId);
    const rows = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, m.externalId));
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(first.inboundId);
    expect(rows[0].status).toBe('received');
  });

  it('reports the second copy in the same recording statement as a duplicate of the first', async () => {
    // One statement at a time: everything that arrives while it runs shares the next one.
    const d = dispatcher({ ingestConcurrency: 1, ingestLingerMs: 0 });
    const other = msg('a-other', 'đi trước');
    const m = msg('a-same-batch', 'lặp lại');
    const [o, first, second, third] = await Promise.all([d.ingest(other), d.ingest(m), d.ingest({ ...m }), d.ingest({ ...m })]);
    expect(o.duplicate).toBe(false);
    expect([first.duplicate, second.duplicate, third.duplicate]).toEqual([false, true, true]);
    expect(new Set([first.inboundId, second.inboundId, third.inboundId]).size).toBe(1);
    const rows = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, m.externalId));
    expect(rows.map((r) => r.id)).toEqual([first.inboundId]);
  });

  it('recognises a redelivery recorded concurrently by another process', async () => {
    const a = dispatcher();
    const b = dispatcher();
    const m = msg('a-two-procs', 'gửi lại');
    const results = await Promise.all([a.ingest(m), b.ingest({ ...m })]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(results[0].inboundId).toBe(results[1].inboundId);
    const rows = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, m.externalId));
    expect(rows).toHaveLength(1);
  });

  it('reports a message redelivered later as a duplicate with the original id', async () => {
    const d = dispatcher();
    const m = msg('a-later', 'hỏi');
    const first = await d.ingest(m);
    const again = await d.ingest({ ...m });
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ ...first, duplicate: true });
  });
});

describe('processing several conversations in one batch', () => {
  it('answers every conversation, marks each message processed and leases replies for chats with nothing pending', async () => {
    const rec = recorder();
    const d = dispatcher(rec.deps);
    // This chat still has an undelivered reply: a new one must queue behind it, not be leased.
    await database.db
      .insert(outboundMessages)
      .values({ communeId, channel: 'telegram', chatId: 'b-cuong', userId: 'u-b-cuong', payload: { text: 'cũ' } });
    const an = await d.ingest(msg('b-an', 'hai câu'));
    const binh = await d.ingest(msg('b-binh', 'giờ làm việc'));
    const cuong = await d.ingest(msg('b-cuong', 'còn tôi'));
    const web = await d.ingest(msg('b-web', 'từ trang web', 'web'));

    const outcome = await d.processBatch([an, binh, cuong, web].map(item));

    expect(outcome.busy).toEqual([]);
    expect(outcome.more).toEqual([]);
    const byInbound = new Map(outcome.processed.map((p) => [p.inboundId, p]));
    expect(byInbound.size).toBe(4);
    expect(byInbound.get(an.inboundId)).toMatchObject({
      failed: false,
      channel: 'telegram',
      replies: [{ text: 'câu một' }, { text: 'câu hai' }],
    });
    expect(byInbound.get(binh.inboundId)).toMatchObject({ failed: false, replies: [{ text: 'echo giờ làm việc' }] });
    expect(byInbound.get(cuong.inboundId)).toMatchObject({ failed: false, replies: [{ text: 'echo còn tôi' }] });
    expect(byInbound.get(web.inboundId)).toMatchObject({
      failed: false,
      channel: 'web',
      replies: [{ text: 'echo từ trang web' }],
    });

    for (const i of [an, binh, cuong, web]) {
      const row = await inbound(i.inboundId);
      expect(row.status).toBe('processed');
      expect(row.attempts).toBe(1);
      expect(row.processedAt).not.toBeNull();
    }

    const anRows = await outboundOf(an.inboundId);
    const binhRows = await outboundOf(binh.inboundId);
    const cuongRows = await outboundOf(cuong.inboundId);
    const webRows = await outboundOf(web.inboundId);
    expect(anRows.map((r) => r.payload)).toEqual([{ text: 'câu một' }, { text: 'câu hai' }]);
    expect(byInbound.get(an.inboundId)!.outboundIds).toEqual(anRows.map((r) => r.id));
    expect(byInbound.get(binh.inboundId)!.outboundIds).toEqual(binhRows.map((r) => r.id));
    expect(byInbound.get(cuong.inboundId)!.outboundIds).toEqual(cuongRows.map((r) => r.id));
    expect(byInbound.get(web.inboundId)!.outboundIds).toEqual(webRows.map((r) => r.id));

    // Free telegram chats: queued already leased to this process.
    for (const r of [...anRows, ...binhRows]) {
      expect(r.status).toBe('pending');
      expect(r.attempts).toBe(1);
      expect(r.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
      expect(r.conversationId).toBeTypeOf('number');
    }
    // A chat with a reply still pending: queued unleased, for the delivery worker to claim in order.
    expect(cuongRows).toHaveLength(1);
    expect(cuongRows[0]).toMatchObject({ status: 'pending', attempts: 0, lockedUntil: null, payload: { text: 'echo còn tôi' } });
    // Pulled channels are handed over in the response: nothing to deliver.
    expect(webRows).toHaveLength(1);
    expect(webRows[0].status).toBe('sent');
    expect(webRows[0].lockedUntil).toBeNull();

    expect(rec.leased).toHaveLength(1);
    expect([...rec.leased[0]].sort((x, y) => x.id - y.id)).toEqual(
      [...anRows, ...binhRows]
        .sort((x, y) => x.id - y.id)
        .map((r) => ({
          id: r.id,
          commune_id: communeId,
          channel: 'telegram',
          chat_id: r.chatId,
          user_id: r.userId,
          payload: r.payload,
          attempts: 1,
          parts_sent: 0,
        })),
    );
    expect(rec.outbox).toEqual([[cuongRows[0].id]]);
  });

  it('without an onLeased receiver leases nothing and hands every pushed reply to onOutbox', async () => {
    const outbox: number[][] = [];
    const d = dispatcher({ onOutbox: (ids) => outbox.push(ids) });
    const one = await d.ingest(msg('b2-mot', 'một'));
    const two = await d.ingest(msg('b2-hai', 'hai'));
    await d.processBatch([one, two].map(item));
    const rows = [...(await outboundOf(one.inboundId)), ...(await outboundOf(two.inboundId))];
    expect(rows.map((r) => [r.lockedUntil, r.attempts, r.status])).toEqual([
      [null, 0, 'pending'],
      [null, 0, 'pending'],
    ]);
    expect(outbox.flat().sort((x, y) => x - y)).toEqual(rows.map((r) => r.id).sort((x, y) => x - y));
  });

  it('saves conversation state changed by a handler in the batch', async () => {
    const d = dispatcher();
    const first = await d.ingest(msg('b-state', 'remember Lúa nếp'));
    await d.processBatch([item(first)]);
    const second = await d.ingest(msg('b-state', 'remember Ngô'));
    const other = await d.ingest(msg('b-state-other', 'không đổi gì'));
    await d.processBatch([item(second), item(other)]);
    const [conv] = await database.db.select().from(conversations).where(eq(conversations.id, first.conversationId));
    expect(conv.data).toEqual({ remembered: 'Ngô' });
    const [untouched] = await database.db.select().from(conversations).where(eq(conversations.id, other.conversationId));
    expect(untouched.data).toEqual({});
  });
});

describe("a conversation's messages across batches", () => {
  it('processes one message of a conversation per batch, oldest first, and reports that more is waiting', async () => {
    const d = dispatcher();
    const first = await d.ingest(msg('c-order', 'thứ nhất'));
    const second = await d.ingest(msg('c-order', 'thứ hai'));
    const lone = await d.ingest(msg('c-lone', 'một mình'));
    expect(second.conversationId).toBe(first.conversationId);

    const one = await d.processBatch([item(first), item(lone)]);
    expect(one.processed.map((p) => p.inboundId).sort((x, y) => x - y)).toEqual([first.inboundId, lone.inboundId]);
    expect(one.processed.find((p) => p.inboundId === first.inboundId)!.replies).toEqual([{ text: 'echo thứ nhất' }]);
    expect(one.more).toEqual([item(first)]);
    expect((await inbound(second.inboundId)).status).toBe('received');

    const two = await d.processBatch([item(second)]);
    expect(two.processed.map((p) => [p.inboundId, p.replies])).toEqual([[second.inboundId, [{ text: 'echo thứ hai' }]]]);
    expect(two.more).toEqual([]);
    expect((await inbound(second.inboundId)).status).toBe('processed');

    const three = await d.processBatch([item(second)]);
    expect(three).toEqual({ processed: [], more: [], busy: [] });

    const replies = await database.db
      .select({ payload: outboundMessages.payload })
      .from(outboundMessages)
      .where(eq(outboundMessages.conversationId, first.conversationId))
      .orderBy(asc(outboundMessages.id));
    expect(replies.map((r) => r.payload)).toEqual([{ text: 'echo thứ nhất' }, { text: 'echo thứ hai' }]);
  });

  it('lists a conversation once even when the batch names it twice', async () => {
    const d = dispatcher();
    const first = await d.ingest(msg('c-twice', 'một'));
    await d.ingest(msg('c-twice', 'hai'));
    const outcome = await d.processBatch([item(first), item(first)]);
    expect(outcome.processed.map((p) => p.replies)).toEqual([[{ text: 'echo một' }]]);
    expect(outcome.more).toEqual([item(first)]);
  });
});

describe('a handler that throws inside a batch', () => {
  it('answers that resident with the apology and the others normally, keeping none of the failed writes', async () => {
    const rec = recorder();
    const d = dispatcher(rec.deps);
    const noted = await d.ingest(msg('d-note', 'note Hồ sơ 42'));
    const boom = await d.ingest(msg('d-boom', 'audit then boom'));
    const plain = await d.ingest(msg('d-plain', 'xin chào'));
    const remembered = await d.ingest(msg('d-remember', 'remember Lúa'));

    const outcome = await d.processBatch([noted, boom, plain, remembered].map(item));

    const byInbound = new Map(outcome.processed.map((p) => [p.inboundId, p]));
    expect(byInbound.size).toBe(4);
    const apology = [
      {
        text: userMessageFor(new Error('handler exploded after a write')),
        buttons: [{ label: 'Gặp cán bộ', action: 'staff:contact' }],
      },
    ];
    expect(apology[0].text).toMatch(/^Xin lỗi anh\/chị/);
    expect(byInbound.get(boom.inboundId)).toMatchObject({ failed: true, replies: apology });
    expect(byInbound.get(noted.inboundId)).toMatchObject({ failed: false, replies: [{ text: 'đã ghi' }] });
    expect(byInbound.get(plain.inboundId)).toMatchObject({ failed: false, replies: [{ text: 'echo xin chào' }] });
    expect(byInbound.get(remembered.inboundId)).toMatchObject({ failed: false, replies: [{ text: 'đã nhớ' }] });
    expect(outcome.busy).toEqual([]);
    expect(outcome.more).toEqual([]);

    const failedRow = await inbound(boom.inboundId);
    expect(failedRow.status).toBe('failed');
    expect(failedRow.errorCode).toBe('Error');
    for (const i of [noted, plain, remembered]) expect((await inbound(i.inboundId)).status).toBe('processed');

    expect((await outboundOf(boom.inboundId)).map((r) => r.payload)).toEqual(apology);
    expect((await outboundOf(plain.inboundId)).map((r) => r.payload)).toEqual([{ text: 'echo xin chào' }]);
    expect((await outboundOf(noted.inboundId)).map((r) => r.payload)).toEqual([{ text: 'đã ghi' }]);

    // The throwing handler's write is gone; the others' writes happened exactly once.
    const audits = await database.db
      .select({ action: auditLog.action, subject: auditLog.subject })
      .from(auditLog)
      .where(and(eq(auditLog.communeId, communeId), inArray(auditLog.action, ['test:before-boom', 'test:note'])));
    expect(audits).toEqual([{ action: 'test:note', subject: 'Hồ sơ 42' }]);
    const [conv] = await database.db.select().from(conversations).where(eq(conversations.id, remembered.conversationId));
    expect(conv.data).toEqual({ remembered: 'Lúa' });

    // Every reply still reaches the delivery worker.
    const delivered = [...rec.outbox.flat(), ...rec.leased.flat().map((r) => r.id)].sort((x, y) => x - y);
    const queued = (await Promise.all([noted, boom, plain, remembered].map((i) => outboundOf(i.inboundId))))
      .flat()
      .map((r) => r.id);
    expect(delivered).toEqual(queued.sort((x, y) => x - y));
  });

  it('lets the conversation go on normally after the failure', async () => {
    const d = dispatcher();
    const boom = await d.ingest(msg('d-after', 'audit then boom'));
    const next = await d.ingest(msg('d-after', 'tiếp tục'));
    const one = await d.processBatch([item(boom)]);
    expect(one.processed.map((p) => p.failed)).toEqual([true]);
    expect(one.more).toEqual([item(boom)]);
    const two = await d.processBatch([item(next)]);
    expect(two.processed.map((p) => [p.failed, p.replies])).toEqual([[false, [{ text: 'echo tiếp tục' }]]]);
  });
});

describe('a batch the database refuses', () => {
  it('processes the other conversations on their own and answers the refused message with the apology, once', async () => {
    const d = dispatcher();
    const good = await d.ingest(msg('db-good', 'bình thường'));
    const bad = await d.ingest(msg('db-bad', 'poison'));
    const outcome = await d.processBatch([item(good), item(bad)]);
    expect(outcome.processed.map((p) => [p.inboundId, p.failed])).toEqual([
      [good.inboundId, false],
      [bad.inboundId, true],
    ]);
    expect((await inbound(good.inboundId)).status).toBe('processed');
    // The same data would be refused on every retry: answered, marked failed with the SQLSTATE, not left for recovery.
    const refused = await inbound(bad.inboundId);
    expect([refused.status, refused.errorCode?.slice(0, 2)]).toEqual(['failed', '22']);
    expect((await outboundOf(bad.inboundId)).map((o) => (o.payload as { text: string }).text)).toEqual([
      userMessageFor(new Error('x')),
    ]);
    // The conversation goes on: its next message is answered normally.
    const next = await d.ingest(msg('db-bad', 'sau đó'));
    const after = await d.processBatch([item(next)]);
    expect(after.processed.map((p) => p.replies)).toEqual([[{ text: 'echo sau đó' }]]);
  });
  it('answers a refused message with the apology in a batch of one too (the usual case at low load)', async () => {
    const d = dispatcher();
    const lone = await d.ingest(msg('db-lone', 'poison'));
    const outcome = await d.processBatch([item(lone)]);
    expect(outcome.processed.map((p) => [p.inboundId, p.failed])).toEqual([[lone.inboundId, true]]);
    expect((await inbound(lone.inboundId)).status).toBe('failed');
    expect((await outboundOf(lone.inboundId)).map((o) => (o.payload as { text: string }).text)).toEqual([
      userMessageFor(new Error('x')),
    ]);
  });
});

describe('recovery', () => {
  it('leaves messages that are still on their way alone, and schedules those that waited too long', async () => {
    const d = dispatcher();
    const fresh = await d.ingest(msg('rec-fresh', 'vừa gửi'));
    const stale = await d.ingest(msg('rec-stale', 'gửi từ lâu'));
    await execRows(
      database.db,
      sql`update inbound_messages set received_at = now() - interval '5 minutes' where id = ${stale.inboundId}`,
    );
    const scheduled: BatchItem[] = [];
    await d.recoverPending({ olderThanMs: 60_000, schedule: (i) => scheduled.push(i) });
    expect(scheduled).toContainEqual(item(stale));
    expect(scheduled).not.toContainEqual(item(fresh));
    // Scheduling processes nothing by itself.
    expect((await inbound(stale.inboundId)).status).toBe('received');
    await d.processBatch([item(fresh), item(stale)]);
  });
});

describe.runIf(onPostgres)('a conversation another worker holds (PostgreSQL)', () => {
  let other: postgres.Sql;
  beforeAll(() => {
    other = postgres(database.url!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => other?.end());

  it('reports a copy committed by another process while this one was recording it as a duplicate of that copy', async () => {
    const d = dispatcher();
    const m = msg('e-race', 'cùng lúc');
    let recording!: Promise<IngestResult>;
    const theirs = await other.begin(async (tx) => {
      const [conv] = await tx`insert into conversations (commune_id, channel, chat_id, user_id)
        values (${communeId}, ${m.channel}, ${m.chatId}, ${m.userId}) returning id`;
      const [row] =
        await tx`insert into inbound_messages (commune_id, channel, external_id, conversation_id, chat_id, user_id, text, request_id)
        values (${communeId}, ${m.channel}, ${m.externalId}, ${conv.id}, ${m.chatId}, ${m.userId}, ${m.text!}, 'other-process') returning id`;
      recording = d.ingest(m);
      // Commit only once our statement waits on their uncommitted row.
      await until(async () => {
        const [w] = await execRows<{ n: number }>(
          database.db,
          sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
        );
        return w.n > 0 || undefined;
      });
      return { conversationId: Number(conv.id), inboundId: Number(row.id) };
    });
    expect(await recording).toEqual({ ...theirs, communeId, duplicate: true });
    const rows = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, m.externalId));
    expect(rows.map((r) => r.requestId)).toEqual(['other-process']);
  });

  it('never processes a message twice: a batch whose message was processed meanwhile rolls back whole', async () => {
    // Locking makes this impossible; the closing statement's guard is there should locking ever break.
    // Here the handler itself plays "another worker that processed the message meanwhile".
    const router = residentRouter();
    let stolenRuns = 0;
    router.hears(/^steal$/, async (ctx) => {
      stolenRuns++;
      await other`update inbound_messages set status = 'processed' where external_id = ${ctx.msg.externalId}`;
      return { text: 'không được gửi' };
    });
    const d = dispatcher({ router });
    const stolen = await d.ingest(msg('e-stolen', 'steal'));
    const neighbour = await d.ingest(msg('e-neighbour', 'xin chào'));
    const outcome = await d.processBatch([item(stolen), item(neighbour)]);
    expect(stolenRuns).toBe(1); // not run again: on its own it is no longer waiting
    expect(await outboundOf(stolen.inboundId)).toEqual([]); // the batch's replies were rolled back
    expect(outcome.processed.map((p) => p.inboundId)).toEqual([neighbour.inboundId]); // redone on its own
    expect((await outboundOf(neighbour.inboundId)).map((o) => o.payload)).toEqual([{ text: 'echo xin chào' }]);
  });

  it('is reported busy and left untouched, then processed once the lock is released', async () => {
    const d = dispatcher();
    const held = await d.ingest(msg('e-held', 'đang bị giữ'));
    const free = await d.ingest(msg('e-free', 'tự do'));
    const conn = await other.reserve();
    try {
      await conn`select pg_advisory_lock(${lockKeyOf(held.conversationId)}::bigint)`;
      const outcome = await d.processBatch([item(held), item(free)]);
      expect(outcome.busy).toEqual([item(held)]);
      expect(outcome.processed.map((p) => p.inboundId)).toEqual([free.inboundId]);
      expect((await inbound(held.inboundId)).status).toBe('received');
      expect(await outboundOf(held.inboundId)).toEqual([]);
    } finally {
      await conn`select pg_advisory_unlock(${lockKeyOf(held.conversationId)}::bigint)`;
      conn.release();
    }
    const after = await d.processBatch([item(held)]);
    expect(after.busy).toEqual([]);
    expect(after.processed.map((p) => [p.inboundId, p.replies])).toEqual([[held.inboundId, [{ text: 'echo đang bị giữ' }]]]);
    expect((await inbound(held.inboundId)).status).toBe('processed');
  });

  it('stays busy when another handler of the same batch throws', async () => {
    const d = dispatcher();
    const held = await d.ingest(msg('e-held-2', 'chờ'));
    const boom = await d.ingest(msg('e-boom', 'audit then boom'));
    // A transaction-level lock this time: released when the other transaction ends.
    await other.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${lockKeyOf(held.conversationId)}::bigint)`;
      const outcome = await d.processBatch([item(held), item(boom)]);
      expect(outcome.busy).toEqual([item(held)]);
      expect(outcome.processed.map((p) => [p.inboundId, p.failed])).toEqual([[boom.inboundId, true]]);
      expect((await inbound(held.inboundId)).status).toBe('received');
    });
    const after = await d.processBatch([item(held)]);
    expect(after.processed.map((p) => p.replies)).toEqual([[{ text: 'echo chờ' }]]);
  });
  it('with a statement timeout, a row lock left open holds up only its own conversation, which recovery answers later', async () => {
    // The server's pool runs with statement_timeout; without it this batch would wait for the lock for ever.
    const timed: Database = await createDatabase({ url: database.url!, poolMax: 2, statementTimeoutMs: 300 });
    try {
      const d = createDispatcher({ db: timed.db, router: residentRouter(), communes: directory, log: silentLogger });
      const stuck = await d.ingest(msg('e-row-locked', 'bị khóa'));
      const fine = await d.ingest(msg('e-row-free', 'vẫn trả lời'));
      const forgotten = await other.reserve();
      try {
        // Somebody's BEGIN left open with the conversation row locked.
        await forgotten`begin`;
        await forgotten`select id from conversations where id = ${stuck.conversationId} for update`;
        const outcome = await d.processBatch([item(stuck), item(fine)]);
        expect(outcome.processed.map((p) => p.inboundId)).toEqual([fine.inboundId]);
        expect((await inbound(stuck.inboundId)).status).toBe('received');
        expect(await outboundOf(stuck.inboundId)).toEqual([]);
      } finally {
        await forgotten`rollback`;
        forgotten.release();
      }
      // A timeout is not a refusal of the data: the message waits for recovery, which answers it normally.
      await d.processConversation(stuck.conversationId, stuck.communeId);
      expect((await outboundOf(stuck.inboundId)).map((o) => o.payload)).toEqual([{ text: 'echo bị khóa' }]);
    } finally {
      await timed.close();
    }
  });
});
