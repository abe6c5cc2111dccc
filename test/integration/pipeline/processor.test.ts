import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { silentLogger } from '../../../src/core/logger.js';
import { Router } from '../../../src/core/router.js';
import type { InboundMessage } from '../../../src/core/types.js';
import { communes, inboundMessages, outboundMessages } from '../../../src/db/schema/index.js';
import { createDispatcher, type AppContext, type BatchItem, type BatchOutcome } from '../../../src/pipeline/dispatcher.js';
import { createProcessor } from '../../../src/pipeline/processor.js';
import { createTestDatabase, onPostgres } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;
const directory = {
  get: async (id: number) => ({
    id,
    slug: 'xa-hang',
    name: 'Xã Hàng',
    province: 'Tỉnh Thử',
    address: 'Số 1',
    phone: '0200',
    hoursText: 'T2–T6',
  }),
};

/** Echoes every message and records, per chat, what it answered and how many of that chat ran at once. */
function watchingRouter() {
  const answered: { chatId: string; text: string }[] = [];
  const active = new Map<string, number>();
  let overlapped = false;
  const router = new Router<AppContext>();
  router.fallback(async (ctx) => {
    const chat = ctx.msg.chatId;
    active.set(chat, (active.get(chat) ?? 0) + 1);
    if (active.get(chat)! > 1) overlapped = true;
    await new Promise((r) => setTimeout(r, 2));
    answered.push({ chatId: chat, text: ctx.text });
    active.set(chat, active.get(chat)! - 1);
    return { text: `echo ${ctx.text}` };
  });
  return { router, answered, overlapped: () => overlapped };
}

let seq = 0;
function msg(chatId: string, text: string): InboundMessage {
  seq++;
  return { channel: 'telegram', communeId, chatId, userId: `u-${chatId}`, externalId: `p-${chatId}-${seq}`, text };
}

async function statusesOf(ids: number[]) {
  const rows = await database.db
    .select({ id: inboundMessages.id, status: inboundMessages.status })
    .from(inboundMessages)
    .where(inArray(inboundMessages.id, ids));
  return new Map(rows.map((r) => [r.id, r.status]));
}

async function repliesOf(conversationId: number) {
  const rows = await database.db
    .select({ payload: outboundMessages.payload })
    .from(outboundMessages)
    .where(eq(outboundMessages.conversationId, conversationId))
    .orderBy(asc(outboundMessages.id));
  return rows.map((r) => r.payload);
}

beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-hang', name: 'Xã Hàng' }).returning();
  communeId = c.id;
});
afterAll(async () => database?.close());

describe('processor', () => {
  it('answers every enqueued conversation, a busy one in the order its messages arrived', async () => {
    const watch = watchingRouter();
    const d = createDispatcher({ db: database.db, router: watch.router, communes: directory, log: silentLogger });
    const batches: number[] = [];
    const processor = createProcessor({
      processBatch: (items) => {
        batches.push(items.length);
        return d.processBatch(items);
      },
      log: silentLogger,
      maxBatch: 8,
      maxConcurrent: 2,
    });

    const queued = [
      await d.ingest(msg('q-an', 'một')),
      await d.ingest(msg('q-an', 'hai')),
      await d.ingest(msg('q-an', 'ba')),
      await d.ingest(msg('q-binh', 'chào')),
      await d.ingest(msg('q-cuong', 'hỏi')),
      await d.ingest(msg('q-dung', 'hỏi thêm')),
    ];
    // Each webhook enqueues its conversation, as the server does after recording it.
    for (const q of queued) processor.enqueue(q.conversationId, q.communeId);
    await processor.idle();

    const statuses = await statusesOf(queued.map((q) => q.inboundId));
    expect([...statuses.values()]).toEqual(Array(6).fill('processed'));
    expect(watch.answered.filter((a) => a.chatId === 'q-an').map((a) => a.text)).toEqual(['một', 'hai', 'ba']);
    expect(await repliesOf(queued[0].conversationId)).toEqual([{ text: 'echo một' }, { text: 'echo hai' }, { text: 'echo ba' }]);
    for (const q of queued.slice(3)) expect(await repliesOf(q.conversationId)).toHaveLength(1);
    expect(watch.overlapped()).toBe(false);
    // Six messages, but the three of one conversation need three batches at least; others share them.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(6);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.length).toBeLessThan(6);
  });

  it('never hands one conversation to two batches at once', async () => {
    const inFlight = new Set<number>();
    let doubled = false;
    const watch = watchingRouter();
    const d = createDispatcher({ db: database.db, router: watch.router, communes: directory, log: silentLogger });
    const processor = createProcessor({
      processBatch: async (items: BatchItem[]): Promise<BatchOutcome> => {
        for (const i of items) {
          if (inFlight.has(i.conversationId)) doubled = true;
          inFlight.add(i.conversationId);
        }
        try {
          return await d.processBatch(items);
        } finally {
          for (const i of items) inFlight.delete(i.conversationId);
        }
      },
      log: silentLogger,
      maxBatch: 1,
      maxConcurrent: 4,
    });
    const texts = ['a', 'b', 'c', 'd', 'e'];
    const ids: number[] = [];
    for (const t of texts) {
      const r = await d.ingest(msg('q-many', t));
      ids.push(r.inboundId);
      processor.enqueue(r.conversationId, r.communeId);
    }
    await processor.idle();
    expect(doubled).toBe(false);
    expect(watch.answered.map((a) => a.text)).toEqual(texts);
    expect([...(await statusesOf(ids)).values()]).toEqual(Array(5).fill('processed'));
  });

  it('on stop, finishes the running batch and what is already queued, and takes nothing new', async () => {
    const watch = watchingRouter();
    const d = createDispatcher({ db: database.db, router: watch.router, communes: directory, log: silentLogger });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = 0;
    const processor = createProcessor({
      processBatch: async (items) => {
        await gate;
        const outcome = await d.processBatch(items);
        finished++;
        return outcome;
      },
      log: silentLogger,
    });
    const first = await d.ingest(msg('q-stop', 'trước'));
    const second = await d.ingest(msg('q-stop', 'sau'));
    processor.enqueue(first.conversationId, first.communeId);

    let stopped = false;
    const stopping = processor.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(2);
    // The running batch committed, and the message recorded behind it was processed before stop resolved (issue 19).
    const statuses = await statusesOf([first.inboundId, second.inboundId]);
    expect(statuses.get(first.inboundId)).toBe('processed');
    expect(statuses.get(second.inboundId)).toBe('processed');

    const late = await d.ingest(msg('q-stop-late', 'muộn'));
    processor.enqueue(late.conversationId, late.communeId);
    await processor.idle();
    expect(finished).toBe(2);
    expect((await statusesOf([late.inboundId])).get(late.inboundId)).toBe('received');
  });

  it.runIf(onPostgres)('retries a conversation another worker holds until it is free', async () => {
    const watch = watchingRouter();
    const d = createDispatcher({ db: database.db, router: watch.router, communes: directory, log: silentLogger });
    const outcomes: BatchOutcome[] = [];
    const processor = createProcessor({
      processBatch: async (items) => {
        const o = await d.processBatch(items);
        outcomes.push(o);
        return o;
      },
      log: silentLogger,
      busyRetryMs: 10,
    });
    const other = postgres(database.url!, { max: 1, onnotice: () => {} });
    try {
      const held = await d.ingest(msg('q-held', 'đợi'));
      const key = ((1n << 40n) + BigInt(held.conversationId)).toString();
      await other`select pg_advisory_lock(${key}::bigint)`;
      processor.enqueue(held.conversationId, held.communeId);
      await until(() => outcomes.filter((o) => o.busy.length).length >= 2 || undefined);
      expect((await statusesOf([held.inboundId])).get(held.inboundId)).toBe('received');
      await other`select pg_advisory_unlock(${key}::bigint)`;
      await until(async () => (await statusesOf([held.inboundId])).get(held.inboundId) === 'processed' || undefined);
      expect(watch.answered.map((a) => a.text)).toEqual(['đợi']);
      await processor.stop();
    } finally {
      await other.end();
    }
  });

  it('frees the conversations of a batch that never settles, so recovery can process them (issue 19)', async () => {
    const calls: number[][] = [];
    const errors: string[] = [];
    const log = { ...silentLogger, error: (_o: unknown, m?: string) => void errors.push(String(m)) } as typeof silentLogger;
    const processor = createProcessor({
      log,
      stallMs: 50,
      maxConcurrent: 1,
      processBatch: (items: BatchItem[]): Promise<BatchOutcome> => {
        calls.push(items.map((i) => i.conversationId));
        // The first transaction is lost by the driver (its connection cut): it never settles.
        return calls.length === 1 ? new Promise<BatchOutcome>(() => {}) : Promise.resolve({ processed: [], more: [], busy: [] });
      },
    });
    processor.enqueue(901, communeId);
    await until(() => (errors.length ? true : undefined), 2_000);
    expect(errors).toEqual(['processing stalled; its conversations are freed and recovery will retry']);
    // What recovery does with a conversation still 'received': it is taken again.
    processor.enqueue(901, communeId);
    await until(() => (calls.length === 2 ? true : undefined), 2_000);
    expect(calls).toEqual([[901], [901]]);
    await processor.stop();
  });
});
