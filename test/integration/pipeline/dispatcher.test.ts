import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import { Router } from '../../../src/core/router.js';
import type { InboundMessage } from '../../../src/core/types.js';
import { createDatabase, execRows, type Database } from '../../../src/db/client.js';
import { communes, conversations, inboundMessages, outboundMessages } from '../../../src/db/schema/index.js';
import { createDispatcher, type AppContext } from '../../../src/pipeline/dispatcher.js';
import { createTestDatabase, onPostgres } from '../../helpers/db.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;
const directory = {
  get: async (id: number) => ({
    id,
    slug: 'xa-thu',
    name: 'Xã Thử',
    province: 'Tỉnh Thử',
    address: 'Số 1',
    phone: '0200',
    hoursText: 'T2–T6',
  }),
};

/** A router whose handlers record what they saw, so tests can check order and exclusivity. */
function recordingRouter(log: string[], active: { now: number; max: number }) {
  const router = new Router<AppContext>();
  router.hears(/^boom$/, () => {
    throw new Error('handler exploded');
  });
  router.hears(/^remember (.+)$/, (ctx) => {
    ctx.state.data.remembered = ctx.match![1];
    return { text: 'đã nhớ' };
  });
  router.hears(/^recall$/, (ctx) => ({ text: `nhớ: ${String(ctx.state.data.remembered ?? '')}` }));
  router.hears(/^write-then-boom$/, async (ctx) => {
    await ctx.db.insert(communes).values({ slug: 'half-written', name: 'Không được tồn tại' });
    throw new Error('after a write');
  });
  router.fallback(async (ctx) => {
    active.now++;
    active.max = Math.max(active.max, active.now);
    await new Promise((r) => setTimeout(r, 5));
    log.push(ctx.text);
    active.now--;
    return { text: `echo ${ctx.text}` };
  });
  return router;
}

function msg(over: Partial<InboundMessage>): InboundMessage {
  return {
    channel: 'telegram',
    communeId,
    chatId: 'chat-1',
    userId: 'user-1',
    externalId: String(Math.random()),
    ...over,
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-thu', name: 'Xã Thử' }).returning();
  communeId = c.id;
});
afterAll(async () => database?.close());

describe('dispatcher', () => {
  it('processes a redelivered message once', async () => {
    const log: string[] = [];
    const d = createDispatcher({
      db: database.db,
      router: recordingRouter(log, { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    const m = msg({ externalId: 'upd-100', text: 'xin chào', chatId: 'dedupe' });
    const first = await d.handle(m);
    const second = await d.handle({ ...m });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.replies).toEqual(first.replies);
    expect(log).toEqual(['xin chào']);
    const rows = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, 'upd-100'));
    expect(rows).toHaveLength(1);
    const out = await database.db.select().from(outboundMessages).where(eq(outboundMessages.inboundId, rows[0].id));
    expect(out).toHaveLength(1);
    expect(out[0].status).toBe('pending'); // telegram replies wait for the delivery worker
  });

  it("stores what processing needs, not the platform's whole update (names, usernames)", async () => {
    const d = createDispatcher({
      db: database.db,
      router: recordingRouter([], { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    const raw = {
      update_id: 1,
      message: { from: { first_name: 'Nguyễn Văn Thử', username: 'synthetic_user' }, text: 'xin chào' },
    };
    const contact = { phone: '0900000001', verified: true };
    await d.handle(msg({ externalId: 'upd-minimal', chatId: 'minimal', text: 'xin chào', raw, contact }));
    const [row] = await database.db.select().from(inboundMessages).where(eq(inboundMessages.externalId, 'upd-minimal'));
    expect(row.text).toBe('xin chào');
    expect(row.payload).toMatchObject({ contact });
    expect(JSON.stringify(row.payload)).not.toContain('synthetic_user');
    expect(JSON.stringify(row.payload)).not.toContain('Nguyễn Văn Thử');
  });

  it('serializes one conversation and keeps its order under concurrent delivery', async () => {
    const log: string[] = [];
    const active = { now: 0, max: 0 };
    const d = createDispatcher({ db: database.db, router: recordingRouter(log, active), communes: directory, log: silentLogger });
    const texts = Array.from({ length: 12 }, (_, i) => `m${i}`);
    // Record in order (as webhooks are acknowledged in order), then process concurrently.
    const ingested = [];
    for (const t of texts) ingested.push(await d.ingest(msg({ chatId: 'serial', text: t })));
    await Promise.all(ingested.map((i) => d.processConversation(i.conversationId)));
    expect(log).toEqual(texts);
    expect(active.max).toBe(1);
  });

  it('answers a failing handler with the polite fallback and writes nothing half-done', async () => {
    const d = createDispatcher({
      db: database.db,
      router: recordingRouter([], { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    const r1 = await d.handle(msg({ chatId: 'boom', text: 'boom' }));
    expect(r1.replies[0].text).toMatch(/Xin lỗi anh\/chị/);
    expect(r1.replies[0].buttons?.some((b) => b.action === 'staff:contact')).toBe(true);
    const r2 = await d.handle(msg({ chatId: 'boom', text: 'write-then-boom' }));
    expect(r2.replies[0].text).toMatch(/Xin lỗi/);
    const half = await database.db.select().from(communes).where(eq(communes.slug, 'half-written'));
    expect(half).toHaveLength(0);
    const [row] = await database.db.select().from(inboundMessages).where(eq(inboundMessages.id, r2.inboundId));
    expect(row.status).toBe('failed');
    expect(row.errorCode).toBe('Error');
    // The conversation goes on normally afterwards.
    const r3 = await d.handle(msg({ chatId: 'boom', text: 'tiếp tục' }));
    expect(r3.replies[0].text).toBe('echo tiếp tục');
  });

  it('keeps conversation state in the database', async () => {
    const d1 = createDispatcher({
      db: database.db,
      router: recordingRouter([], { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    await d1.handle(msg({ chatId: 'state', text: 'remember Lúa' }));
    const d2 = createDispatcher({
      db: database.db,
      router: recordingRouter([], { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    const r = await d2.handle(msg({ chatId: 'state', text: 'recall' }));
    expect(r.replies[0].text).toBe('nhớ: Lúa');
    const [conv] = await database.db.select().from(conversations).where(eq(conversations.chatId, 'state'));
    expect(conv.data).toEqual({ remembered: 'Lúa' });
  });

  it('recovers messages recorded but not processed (crash after acknowledgement)', async () => {
    const log: string[] = [];
    const d = createDispatcher({
      db: database.db,
      router: recordingRouter(log, { now: 0, max: 0 }),
      communes: directory,
      log: silentLogger,
    });
    await d.ingest(msg({ chatId: 'crash', text: 'chưa xử lý' }));
    const n = await d.recoverPending();
    expect(n).toBeGreaterThanOrEqual(1);
    expect(log).toContain('chưa xử lý');
    const pending = await execRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from inbound_messages where status = 'received'`,
    );
    expect(pending[0].n).toBe(0);
  });

  it.runIf(onPostgres)('serializes one conversation across two processes (two pools)', async () => {
    const second: Database = await createDatabase({ url: database.url!, poolMax: 5 });
    try {
      const log: string[] = [];
      const active = { now: 0, max: 0 };
      const router = recordingRouter(log, active);
      const a = createDispatcher({ db: database.db, router, communes: directory, log: silentLogger });
      const b = createDispatcher({ db: second.db, router, communes: directory, log: silentLogger });
      const texts = Array.from({ length: 16 }, (_, i) => `p${i}`);
      const ids = [];
      for (const t of texts) ids.push(await (Math.random() < 0.5 ? a : b).ingest(msg({ chatId: 'two-procs', text: t })));
      await Promise.all(ids.flatMap((i) => [a.processConversation(i.conversationId), b.processConversation(i.conversationId)]));
      expect(log).toEqual(texts);
      expect(active.max).toBe(1);
    } finally {
      await second.close();
    }
  });
});
