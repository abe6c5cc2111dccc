import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../../src/channels/capabilities.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, ChannelName, Recipient, Reply } from '../../../src/core/types.js';
import { execRows, type Database, type Db } from '../../../src/db/client.js';
import { communes, conversations } from '../../../src/db/schema/index.js';
import {
  createNotice,
  pumpNotice,
  releaseHeldNotices,
  setNoticeAttachment,
  startSending,
  subscribe,
} from '../../../src/features/notices/service.js';
import { createDeliveryWorker } from '../../../src/pipeline/outbox/index.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * A notice's file in the outbox (issue 17 item 2): kept once in notice_attachments; only the rows of channels
 * that carry files hold a copy, a bounded number at a time, each dropped once sent; web chat rows never do.
 * Synthetic data.
 */
let database: Database;
let db: Db;
let communeId: number;
const MB = 1024 * 1024;
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(MB - 9)]);

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const [c] = await db
    .insert(communes)
    .values({
      slug: 'xa-tep',
      name: 'Xã Tệp Thử',
      province: 'Tỉnh Thử',
      address: 'UBND',
      phone: '0237 000 020',
      hoursText: '7:30',
    })
    .returning();
  communeId = c.id;
  const chats: [ChannelName, string][] = [
    ...Array.from({ length: 30 }, (_, i): [ChannelName, string] => ['telegram', `tg${i}`]),
    ...Array.from({ length: 10 }, (_, i): [ChannelName, string] => ['web', `web${i}`]),
  ];
  for (const [channel, chatId] of chats)
    await subscribe(db, { communeId, channel, chatId, userId: chatId, hamletId: null, topicIds: [] });
});
afterAll(() => database.close());

const filesInOutbox = async () =>
  (
    await execRows<{ n: number; bytes: number }>(
      db,
      sql`select count(*)::int as n, coalesce(sum(octet_length(payload->'file'->>'contentBase64')), 0)::bigint as bytes
          from outbound_messages where payload->'file' ? 'contentBase64'`,
    )
  )[0];

describe("a notice's file in the outbox", () => {
  it('is queued 25 rows at a time for a 1 MB file, only for Telegram, and dropped from each row once sent', async () => {
    const n = await createNotice(db, { communeId, actor: 'staff:1', now: new Date(), title: 'Kế hoạch thử', text: 'Xem tệp.' });
    await setNoticeAttachment(db, {
      communeId,
      id: n.id,
      bytes: pdf,
      name: 'ke-hoach',
      actor: 'staff:1',
      publicUrl: 'https://xa.example.org',
    });
    await startSending(db, { communeId, id: n.id, actor: 'staff:1' });

    const first = await pumpNotice(db, n.id, { capabilitiesOf });
    expect(first.done).toBe(false);
    const held = await filesInOutbox();
    // 25 recipients per batch (25 MB budget / 1 MB); in this batch all are Telegram (subscribed first).
    expect(held.n).toBe(25);
    expect(Number(held.bytes)).toBe(25 * Math.ceil((pdf.length * 4) / 3 / 4) * 4);

    let round;
    do round = await pumpNotice(db, n.id, { capabilitiesOf });
    while (!round.done);
    const rows = await execRows<{ channel: string; file: boolean; button: boolean }>(
      db,
      sql`select channel, (payload->'file' ? 'contentBase64') as file, (payload->'buttons') is not null as button
          from outbound_messages`,
    );
    expect(rows.filter((r) => r.channel === 'telegram' && r.file)).toHaveLength(30);
    expect(rows.filter((r) => r.channel === 'web' && (r.file || !r.button))).toHaveLength(0);

    const sent: Reply[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: Reply, _r: Recipient) => {
        sent.push(reply);
        return { ok: true, platformMessageIds: [String(sent.length)] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({ db, adapters: { get: () => adapter }, log: silentLogger, concurrency: 8, pollMs: 20 });
    worker.start();
    try {
      await until(() => (sent.length >= 30 ? true : undefined), 30_000);
      await until(async () => ((await filesInOutbox()).n === 0 ? true : undefined), 10_000);
    } finally {
      await worker.stop();
    }
    expect(sent.every((r) => r.file?.name === 'ke-hoach.pdf' && Buffer.from(r.file.contentBase64, 'base64').equals(pdf))).toBe(
      true,
    );
  }, 60_000);

  it('a notice held outside Zalo’s window goes out with its PDF when the resident writes', async () => {
    const zaloChat = 'zalo-tep-1';
    await subscribe(db, { communeId, channel: 'zalo', chatId: zaloChat, userId: zaloChat, hamletId: null, topicIds: [] });
    await db.insert(conversations).values({
      communeId,
      channel: 'zalo',
      chatId: zaloChat,
      userId: zaloChat,
      lastInboundAt: new Date(Date.now() - 30 * 86_400_000),
    });
    const n = await createNotice(db, { communeId, actor: 'staff:1', now: new Date(), title: 'Giữ lại thử', text: 'Xem tệp.' });
    await setNoticeAttachment(db, {
      communeId,
      id: n.id,
      bytes: pdf,
      name: 'giu-lai',
      actor: 'staff:1',
      publicUrl: 'https://xa.example.org',
    });
    await startSending(db, { communeId, id: n.id, actor: 'staff:1' });
    let round;
    do round = await pumpNotice(db, n.id, { capabilitiesOf, replyWindowMs: (c) => capabilitiesOf(c).replyWindowMs });
    while (!round.done);
    const to = { communeId, channel: 'zalo' as ChannelName, chatId: zaloChat, userId: zaloChat };
    expect(await releaseHeldNotices(db, to, capabilitiesOf)).toBe(1);
    const [row] = await execRows<{ name: string }>(
      db,
      sql`select payload->'file'->>'name' as name from outbound_messages where chat_id = ${zaloChat} and payload->'file' is not null`,
    );
    expect(row?.name).toBe('giu-lai.pdf');
  });
});
