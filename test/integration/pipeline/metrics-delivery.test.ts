import express from 'express';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { messageMetrics, metricsRegistry, nameCommunes, noticeMetrics } from '../../../src/core/metrics.js';
import type { ChannelAdapter, ChannelName, InboundMessage, Reply } from '../../../src/core/types.js';
import { execRows, type Database } from '../../../src/db/client.js';
import { communes, noticeDeliveries, notices, noticeSubscriptions } from '../../../src/db/schema/index.js';
import { releaseHeldNotices } from '../../../src/features/notices/sending.js';
import { createDeliveryWorker, enqueueMessages } from '../../../src/pipeline/outbox/index.js';
import { createRecorder } from '../../../src/pipeline/recording.js';
import { createSyncHandling } from '../../../src/pipeline/web-handling.js';
import { createMetricsHandler } from '../../../src/server/metrics.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * The metrics the delivery worker, the web chat's handling and the scrape keep (review 1, findings 2 to 5
 * and 9): what they count must hold in the cases the happy path does not reach, and counting must never
 * break a delivery or a scrape.
 */
let database: Database;
let communeId: number;
beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-do-dem', name: 'Xã Đo Đếm' }).returning();
  communeId = c.id;
  // The scrape names the communes; here the registry is read directly, so they are named the same way.
  nameCommunes([{ id: communeId, slug: 'xa-do-dem' }]);
});
afterAll(() => database?.close());
afterEach(() => vi.restoreAllMocks());

/** The value of one sample in the registry's text, 0 when the series does not exist. */
async function sample(name: string, labels: Record<string, string> = {}): Promise<number> {
  for (const line of (await metricsRegistry.metrics()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

function fakeAdapter(sent: Reply[], result: () => { ok: true; platformMessageIds: string[] } | object = okResult) {
  return {
    channel: 'telegram',
    send: async (reply: Reply) => {
      sent.push(reply);
      return result();
    },
  } as unknown as ChannelAdapter;
}
function okResult() {
  return { ok: true, platformMessageIds: [String(Math.random())] };
}

function worker(adapter: ChannelAdapter) {
  return createDeliveryWorker({ db: database.db, adapters: { get: () => adapter }, log: silentLogger, pollMs: 20 });
}

async function statusOf(id: number): Promise<{ status: string; payload: { file?: { contentBase64?: string } } }> {
  const [row] = await execRows<{ status: string; payload: { file?: { contentBase64?: string } } }>(
    database.db,
    sql`select status, payload from outbound_messages where id = ${id}`,
  );
  return row;
}

describe('a metric never fails a delivery', () => {
  it('a counter that throws: the message is still marked sent once, its file dropped, and the chat goes on', async () => {
    vi.spyOn(messageMetrics, 'sent').mockImplementation(() => {
      throw new Error('metrics broke');
    });
    vi.spyOn(messageMetrics, 'replied').mockImplementation(() => {
      throw new TypeError('Value is not a valid number: NaN');
    });
    const to = { communeId, channel: 'telegram' as ChannelName, chatId: 'm-throw', userId: 'm-throw' };
    const [first] = await enqueueMessages(database.db, to, [
      { text: 'bản sao trích lục', file: { name: 'trich-luc.pdf', mimeType: 'application/pdf', contentBase64: 'JVBERi0=' } },
    ]);
    const [second] = await enqueueMessages(database.db, to, [{ text: 'tin thứ hai' }]);
    const sent: Reply[] = [];
    const w = worker(fakeAdapter(sent));
    w.start();
    await until(() => (sent.length >= 2 ? true : undefined), 5_000);
    await w.stop();
    expect(sent.map((r) => r.text)).toEqual(['bản sao trích lục', 'tin thứ hai']);
    expect(await statusOf(first)).toMatchObject({ status: 'sent' });
    expect((await statusOf(first)).payload.file?.contentBase64).toBeUndefined();
    expect((await statusOf(second)).status).toBe('sent');
  });

  it('a latency that is not a number is dropped, not thrown', async () => {
    const count = await sample('troly_reply_latency_seconds_count', { channel: 'cli' });
    expect(() => messageMetrics.replied('cli', Number.NaN)).not.toThrow();
    expect(() => messageMetrics.replied('cli', Number.POSITIVE_INFINITY)).not.toThrow();
    messageMetrics.replied('cli', 0.2);
    expect(await sample('troly_reply_latency_seconds_count', { channel: 'cli' })).toBe(count + 1);
  });
});

describe('reply latency on one clock', () => {
  // On PGlite the database's clock is this process's own Date.now: nothing can be mixed up there.
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'an app clock ten minutes ahead of the database server does not show in the reply latency',
    async () => {
      const recorder = createRecorder({ db: database.db });
      const msg: InboundMessage = {
        channel: 'telegram',
        communeId,
        chatId: 'm-skew',
        userId: 'm-skew',
        externalId: 'm-skew-1',
        text: 'giờ làm việc',
      };
      const ing = await recorder.ingest(msg);
      await enqueueMessages(database.db, msg, [{ text: 'Sáng 7 giờ 30' }], ing.conversationId, ing.inboundId);
      const count = await sample('troly_reply_latency_seconds_count', { channel: 'telegram' });
      const sum = await sample('troly_reply_latency_seconds_sum', { channel: 'telegram' });
      const real = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => real() + 10 * 60_000);
      const sent: Reply[] = [];
      const w = worker(fakeAdapter(sent));
      w.start();
      await until(async () =>
        (await sample('troly_reply_latency_seconds_count', { channel: 'telegram' })) > count ? true : undefined,
      );
      await w.stop();
      vi.restoreAllMocks();
      expect(await sample('troly_reply_latency_seconds_count', { channel: 'telegram' })).toBe(count + 1);
      const observed = (await sample('troly_reply_latency_seconds_sum', { channel: 'telegram' })) - sum;
      expect(observed).toBeGreaterThan(0);
      expect(observed).toBeLessThan(30);
    },
  );
});

describe('a held notice copy, released when the resident writes', () => {
  async function holdNotice(chatId: string, title: string): Promise<void> {
    const [notice] = await database.db
      .insert(notices)
      .values({ communeId, title, body: 'Nội dung thông báo.', status: 'sent', createdBy: 'test' })
      .returning();
    const [sub] = await database.db
      .insert(noticeSubscriptions)
      .values({ communeId, channel: 'zalo', chatId, userId: chatId })
      .returning();
    await database.db.insert(noticeDeliveries).values({
      noticeId: notice.id,
      subscriptionId: sub.id,
      communeId,
      channel: 'zalo',
      chatId,
      outboundId: null,
      heldAt: new Date(),
    });
  }
  const outcome = (o: string) => sample('troly_notice_recipients_total', { channel: 'zalo', commune: 'xa-do-dem', outcome: o });
  const noticeCount = () =>
    Promise.all(['queued', 'sent', 'failed', 'undeliverable'].map((o) => outcome(o))).then(([q, s, f, u]) => ({ q, s, f, u }));

  it('is counted sent, or undeliverable, when its delivery ends; the line before it is not a notice copy', async () => {
    await holdNotice('zalo-held-1', 'Lịch cắt điện');
    await holdNotice('zalo-held-2', 'Lịch tiêm phòng');
    const before = await noticeCount();
    const to = (chatId: string) => ({ communeId, channel: 'zalo' as ChannelName, chatId, userId: chatId });
    expect(await releaseHeldNotices(database.db, to('zalo-held-1'))).toBe(1);
    expect(await releaseHeldNotices(database.db, to('zalo-held-2'))).toBe(1);
    expect(await noticeCount()).toEqual(before); // released: not queued a second time

    const sent: Reply[] = [];
    const adapter = {
      channel: 'zalo',
      send: async (reply: Reply, r: { chatId: string }) => {
        sent.push(reply);
        if (r.chatId === 'zalo-held-2' && reply.text.includes('Lịch tiêm phòng'))
          return { ok: false, retryable: false, code: 'undeliverable', message: 'outside the window' };
        return okResult();
      },
    } as unknown as ChannelAdapter;
    const w = worker(adapter);
    w.start();
    await until(async () =>
      (await outcome('undeliverable')) > before.u && (await outcome('sent')) > before.s ? true : undefined,
    );
    await w.stop();
    expect(sent).toHaveLength(4); // two "Anh/chị có 1 thông báo mới" lines and two copies
    expect(await noticeCount()).toEqual({ q: before.q, s: before.s + 1, f: before.f, u: before.u + 1 });
  });
});

describe('web chat replies processed by a concurrent request', () => {
  it('are counted once, by the request whose message they answer; a redelivery is not counted again', async () => {
    const recorder = createRecorder({ db: database.db });
    const msg: InboundMessage = {
      channel: 'web',
      communeId,
      chatId: 'web-tab-2',
      userId: 'web-tab-2',
      externalId: 'web-tab-2-msg-1',
      text: 'giờ làm việc',
    };
    const handling = createSyncHandling({
      db: database.db,
      ingest: (m) => recorder.ingest(m),
      // Another request (a second tab) took the conversation lock first and answered this message too.
      processConversation: async (conversationId) => {
        const [row] = await execRows<{ id: number }>(
          database.db,
          sql`select id from inbound_messages where conversation_id = ${conversationId} order by id desc limit 1`,
        );
        const answered = await execRows<{ n: number }>(
          database.db,
          sql`select count(*)::int as n from outbound_messages where inbound_id = ${row.id}`,
        );
        if (!Number(answered[0].n))
          await enqueueMessages(
            database.db,
            msg,
            [{ text: 'Sáng 7 giờ 30' }, { text: 'Chiều 13 giờ 30' }],
            conversationId,
            row.id,
          );
        return [];
      },
    });
    const web = { channel: 'web', commune: 'xa-do-dem' };
    const sentBefore = await sample('troly_messages_sent_total', web);
    const latencyBefore = await sample('troly_reply_latency_seconds_count', { channel: 'web' });

    const first = await handling.handle(msg);
    expect(first.duplicate).toBe(false);
    expect(first.replies.map((r) => r.text)).toEqual(['Sáng 7 giờ 30', 'Chiều 13 giờ 30']);
    expect(await sample('troly_messages_sent_total', web)).toBe(sentBefore + 2);
    expect(await sample('troly_reply_latency_seconds_count', { channel: 'web' })).toBe(latencyBefore + 2);

    const again = await handling.handle(msg); // the page sent it again (a retry after a timeout)
    expect(again.duplicate).toBe(true);
    expect(again.replies).toHaveLength(2);
    expect(await sample('troly_messages_sent_total', web)).toBe(sentBefore + 2);
    expect(await sample('troly_reply_latency_seconds_count', { channel: 'web' })).toBe(latencyBefore + 2);
  });
});

describe('GET /metrics when the commune directory fails', () => {
  it('still answers, with the communes named as at the last good scrape', async () => {
    let fail = false;
    const app = express();
    app.get(
      '/metrics',
      createMetricsHandler({
        token: 'scrape-token-0123456789',
        outboxStats: async () => ({ depth: 0, age: 0 }),
        communes: async () => {
          if (fail) throw new Error('connection terminated');
          return [{ id: 987_654, slug: 'xa-ten-cu' }];
        },
        log: silentLogger,
      }),
    );
    noticeMetrics.recipients('telegram', 987_654, 'queued');
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const scrape = () =>
        fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer scrape-token-0123456789' } });
      const good = await scrape();
      expect(good.status).toBe(200);
      expect(await good.text()).toContain('commune="xa-ten-cu"');
      fail = true;
      const degraded = await scrape();
      expect(degraded.status).toBe(200);
      const text = await degraded.text();
      expect(text).toContain('commune="xa-ten-cu"');
      expect(text).toContain('process_resident_memory_bytes');
    } finally {
      server.close();
    }
  });
});
