import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { silentLogger } from '../../../src/core/logger.js';
import { Router } from '../../../src/core/router.js';
import type { InboundMessage } from '../../../src/core/types.js';
import { createDatabase, execRows, type Database } from '../../../src/db/client.js';
import { communes, inboundMessages, outboundMessages } from '../../../src/db/schema/index.js';
import { createDispatcher, type AppContext, type IngestResult } from '../../../src/pipeline/dispatcher.js';
import { createTestDatabase, onPostgres } from '../../helpers/db.js';

/**
 * Issue 19: the server terminates a connection in the middle of a batch
 * transaction (what a PostgreSQL restart or fail-over does). The batch runs on
 * a connection reserved from the pool; its rollback and the release of the
 * connection must not leave a query, or the pool, waiting for ever. Before the
 * fix in patches/ (postgres.js 3.4.9), the rollback sent on the closed
 * connection never settled, so the batch never ended and held one of the
 * processor's two slots until the process restarted, and a released closed
 * connection joined the pool's open ones, where every later query waited for
 * ever: replies stopped until a restart. PostgreSQL only (PGlite has no
 * connection to cut).
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let app: Database;
let communeId: number;
const directory = {
  get: async (id: number) => ({
    id,
    slug: 'xa-cat',
    name: 'Xã Cắt',
    province: 'Tỉnh Thử',
    address: 'Số 1',
    phone: '0200',
    hoursText: 'T2–T6',
  }),
};

/** Messages "cắt" whose first handling terminates its own database session (the connection is cut under it). */
const cutOnce = new Set<string>();
let whileHolding: (() => void) | undefined;
function router() {
  const r = new Router<AppContext>();
  r.hears(/^cắt$/, async (ctx) => {
    if (!cutOnce.has(ctx.msg.externalId)) {
      cutOnce.add(ctx.msg.externalId);
      await ctx.db.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
    }
    return { text: 'đã qua' };
  });
  r.hears(/^cắt khi chờ$/, async (ctx) => {
    if (!cutOnce.has(ctx.msg.externalId)) {
      cutOnce.add(ctx.msg.externalId);
      // Another batch asks for a connection while this one holds the pool's only one.
      whileHolding?.();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await ctx.db.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
    }
    return { text: 'đã qua' };
  });
  r.fallback((ctx) => ({ text: `echo ${ctx.text}` }));
  return r;
}

let seq = 0;
function msg(chatId: string, text: string): InboundMessage {
  seq++;
  return { channel: 'telegram', communeId, chatId, userId: `u-${chatId}`, externalId: `ext-${chatId}-${seq}`, text };
}
const item = (i: IngestResult) => ({ conversationId: i.conversationId, communeId: i.communeId });

beforeAll(async () => {
  if (!onPostgres) return;
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-cat', name: 'Xã Cắt' }).returning();
  communeId = c.id;
  // The server's pool is small: a connection lost to the pool shows at once.
  app = await createDatabase({ url: database.url!, poolMax: 2 });
});
afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe.skipIf(!onPostgres)('a connection cut in the middle of a batch (PostgreSQL)', () => {
  it('ends the batch, answers every conversation, and the pool keeps serving', { timeout: 30_000 }, async () => {
    const d = createDispatcher({ db: app.db, router: router(), communes: directory, log: silentLogger, onLeased: () => {} });
    const cut = await d.ingest(msg('cut-1', 'cắt'));
    const other = await d.ingest(msg('cut-2', 'xin chào'));

    // Hung for ever before the fix (the rollback on the closed connection never settled).
    const outcome = await d.processBatch([cut, other].map(item));
    expect(outcome.processed.map((p) => p.failed)).toEqual([false, false]);

    for (const i of [cut, other]) {
      const [row] = await app.db.select().from(inboundMessages).where(eq(inboundMessages.id, i.inboundId));
      expect(row.status).toBe('processed');
    }
    const texts = await execRows<{ text: string }>(
      app.db,
      sql`select payload->>'text' as text from outbound_messages
          where inbound_id in (${cut.inboundId}, ${other.inboundId}) order by inbound_id`,
    );
    expect(texts.map((t) => t.text)).toEqual(['đã qua', 'echo xin chào']);

    // Every connection of the pool answers again (a closed connection among the open ones waited for ever).
    for (let n = 0; n < 6; n++) await Promise.all([execRows(app.db, sql`select 1`), execRows(app.db, sql`select 2`)]);
    const later = await d.ingest(msg('cut-3', 'sau đó'));
    const again = await d.processBatch([item(later)]);
    expect(again.processed).toHaveLength(1);
    const [reply] = await app.db.select().from(outboundMessages).where(eq(outboundMessages.inboundId, later.inboundId));
    expect(reply.payload).toEqual({ text: 'echo sau đó' });
  });

  it('a lone conversation cut mid-batch: the batch ends and the next one is processed', { timeout: 30_000 }, async () => {
    const d = createDispatcher({ db: app.db, router: router(), communes: directory, log: silentLogger, onLeased: () => {} });
    const cut = await d.ingest(msg('cut-4', 'cắt'));
    const outcome = await d.processBatch([item(cut)]);
    expect(outcome.processed).toHaveLength(1);
    for (let n = 0; n < 3; n++) {
      const m = await d.ingest(msg(`cut-5-${n}`, `lần ${n}`));
      expect((await d.processBatch([item(m)])).processed).toHaveLength(1);
    }
  });

  it('a batch waiting for a connection when the pool connection is cut gets one', { timeout: 30_000 }, async () => {
    // One connection: the second batch waits in the pool while the first holds it; the cut hands the
    // reconnecting connection the waiting request, which postgres.js 3.4.9 then dropped (it waited for ever).
    const single = await createDatabase({ url: database.url!, poolMax: 1 });
    try {
      const d = createDispatcher({ db: single.db, router: router(), communes: directory, log: silentLogger, onLeased: () => {} });
      const cut = await d.ingest(msg('wait-1', 'cắt khi chờ'));
      const waiting = await d.ingest(msg('wait-2', 'tôi chờ'));
      let second: Promise<unknown> | undefined;
      whileHolding = () => {
        second = d.processBatch([item(waiting)]);
      };
      const first = await d.processBatch([item(cut)]).catch((error: unknown) => error);
      whileHolding = undefined;
      expect(second).toBeDefined();
      await second!.catch(() => undefined); // cut or not, it must end
      // Whatever the cut left 'received' is processed by the next batches (as recovery would schedule them).
      for (const i of [cut, waiting]) {
        const [row] = await single.db.select().from(inboundMessages).where(eq(inboundMessages.id, i.inboundId));
        if (row.status === 'received') await d.processBatch([item(i)]);
      }
      for (const i of [cut, waiting]) {
        const [row] = await single.db.select().from(inboundMessages).where(eq(inboundMessages.id, i.inboundId));
        expect(row.status).toBe('processed');
      }
      expect(first).toBeDefined();
    } finally {
      await single.close();
    }
  });
});
