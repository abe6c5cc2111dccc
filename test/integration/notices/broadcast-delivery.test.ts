import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, ChannelName, Recipient, Reply } from '../../../src/core/types.js';
import type { Database, Db } from '../../../src/db/client.js';
import { communes, outboundMessages } from '../../../src/db/schema/index.js';
import { createDeliveryWorker, enqueueBroadcast, enqueueMessages } from '../../../src/pipeline/outbox/index.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * What `npm run bench:broadcast` showed of the delivery worker sending a notice (issue 17 item 3):
 * it refilled its free send slots only at each poll, so a broadcast went out at 2 × concurrency a
 * second at most (59/s against Telegram's 300/s in the time-scaled run), whatever the platform
 * allowed; and once it keeps up, broadcasts to one bot must stay under the platform's limit, or the
 * platform's 429 holds up residents' replies to the same bot as well.
 */
let database: Database;
let db: Db;
let communeId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const [c] = await db
    .insert(communes)
    .values({
      slug: 'xa-gui-nhanh',
      name: 'Xã Gửi Nhanh Thử',
      province: 'Tỉnh Thử',
      address: 'UBND xã',
      phone: '0237 000 010',
      hoursText: '7:30–17:00',
    })
    .returning();
  communeId = c.id;
});
afterAll(() => database.close());
beforeEach(async () => {
  await db.delete(outboundMessages);
});

const to = (chatId: string) => ({ communeId, channel: 'telegram' as ChannelName, chatId, userId: chatId });

function recordingAdapter() {
  const sent: { text: string; chatId: string; at: number }[] = [];
  const adapter = {
    channel: 'telegram',
    send: async (reply: Reply, r: Recipient) => {
      sent.push({ text: reply.text, chatId: r.chatId, at: Date.now() });
      return { ok: true, platformMessageIds: [String(sent.length)] };
    },
  } as unknown as ChannelAdapter;
  return { adapter, sent };
}

describe('the delivery worker sends a broadcast at the pace the bot allows', () => {
  it('sends after sends end, not only at the next poll', async () => {
    await enqueueBroadcast(
      db,
      Array.from({ length: 12 }, (_, i) => ({ to: to(`nhanh${i}`), reply: { text: `Thông báo thử ${i}` } })),
    );
    const { adapter, sent } = recordingAdapter();
    // Two slots and a poll every ten minutes: before the change, two sends and then nothing until the next poll.
    const worker = createDeliveryWorker({
      db,
      adapters: { get: () => adapter },
      log: silentLogger,
      concurrency: 2,
      pollMs: 600_000,
    });
    worker.start();
    try {
      await until(() => (sent.length >= 12 ? true : undefined), 30_000);
    } finally {
      await worker.stop();
    }
    expect(new Set(sent.map((s) => s.chatId)).size).toBe(12);
  });

  it('paces broadcasts to one bot under its limit, and a reply does not wait for them', async () => {
    const RATE = 20;
    await enqueueBroadcast(
      db,
      Array.from({ length: 50 }, (_, i) => ({ to: to(`deu${i}`), reply: { text: `Thông báo đều ${i}` } })),
    );
    await enqueueMessages(db, to('hoi1'), [{ text: 'Trả lời cư dân' }]);
    const { adapter, sent } = recordingAdapter();
    const worker = createDeliveryWorker({
      db,
      adapters: { get: () => adapter },
      log: silentLogger,
      concurrency: 16,
      pollMs: 10,
      broadcastPerSecond: () => RATE,
    });
    worker.start();
    try {
      await until(() => (sent.length >= 51 ? true : undefined), 60_000);
    } finally {
      await worker.stop();
    }
    // The most broadcasts within any one second (a slow machine only spreads them further; a late
    // timer may bunch a few, hence the margin). Unpaced, all 50 go out within a few milliseconds.
    const times = sent.filter((s) => s.text.startsWith('Thông báo')).map((s) => s.at);
    let most = 0;
    for (let i = 0; i < times.length; i++)
      most = Math.max(most, times.filter((t) => t >= times[i] && t < times[i] + 1000).length);
    expect(most).toBeLessThanOrEqual(RATE + 5);
    // The reply is not paced: it goes out before the last broadcasts.
    const replyAt = sent.findIndex((s) => s.text === 'Trả lời cư dân');
    expect(replyAt).toBeGreaterThanOrEqual(0);
    expect(replyAt).toBeLessThan(40);
  }, 90_000);
});
