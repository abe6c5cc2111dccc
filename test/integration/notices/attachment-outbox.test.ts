import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../../src/channels/capabilities.js';
import { createTelegramAdapter } from '../../../src/channels/telegram/index.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, ChannelName } from '../../../src/core/types.js';
import { execRows, type Database, type Db } from '../../../src/db/client.js';
import { communes, conversations } from '../../../src/db/schema/index.js';
import {
  createNotice,
  pumpNotice,
  releaseHeldNotices,
  resolveNoticeFile,
  setNoticeAttachment,
  startSending,
  subscribe,
} from '../../../src/features/notices/service.js';
import { createDeliveryWorker } from '../../../src/pipeline/outbox/index.js';
import { startFakeTelegram, type FakeTelegram } from '../../fakes/telegram-server.js';
import { createTestDatabase } from '../../helpers/db.js';
import { until } from '../../helpers/until.js';

/**
 * A notice's file in the outbox (issue 17 item 2): kept once in notice_attachments; the rows of channels that
 * carry files hold only a reference to it, which the delivery worker reads (once for many recipients) just
 * before sending; web chat rows get a link. Synthetic data.
 */
let database: Database;
let db: Db;
let communeId: number;
let tg: FakeTelegram;
const TOKEN = '7000000031:AAFakeTokenNoticeFiles';
const MB = 1024 * 1024;
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(MB - 9)]);

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  tg = await startFakeTelegram({ tokens: [TOKEN] });
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
    ...Array.from({ length: 30 }, (_, i): [ChannelName, string] => ['telegram', `51234000${String(i).padStart(2, '0')}`]),
    ...Array.from({ length: 10 }, (_, i): [ChannelName, string] => ['web', `web${i}`]),
  ];
  for (const [channel, chatId] of chats)
    await subscribe(db, { communeId, channel, chatId, userId: chatId, hamletId: null, topicIds: [] });
});
afterAll(async () => {
  await tg?.close();
  await database.close();
});

/** A sending notice with this file; returns its id and the file's token. */
async function sendingNotice(title: string, name: string): Promise<{ id: number; token: string }> {
  const n = await createNotice(db, { communeId, actor: 'staff:1', now: new Date(), title, text: 'Xem tệp.' });
  const info = await setNoticeAttachment(db, {
    communeId,
    id: n.id,
    bytes: pdf,
    name,
    actor: 'staff:1',
    publicUrl: 'https://xa.example.org',
  });
  await startSending(db, { communeId, id: n.id, actor: 'staff:1' });
  return { id: n.id, token: info!.token };
}

const rowsOf = (title: string) =>
  execRows<{ id: number; channel: string; status: string; ref: string | null; bytes: boolean; button: boolean; size: number }>(
    db,
    sql`select id, channel, status, payload->'file'->>'ref' as ref, (payload->'file' ? 'contentBase64') as bytes,
               (payload->'buttons') is not null as button, octet_length(payload::text) as size
        from outbound_messages where payload->>'text' like ${`%${title}%`} order by id`,
  );

describe("a notice's file in the outbox", () => {
  it('rows carry a reference, never the bytes; Telegram gets the exact file, read once for every recipient', async () => {
    const { id, token } = await sendingNotice('Kế hoạch thử', 'ke-hoach');
    // One batch queues everyone: no smaller batches for a notice with a file.
    expect((await pumpNotice(db, id, { capabilitiesOf })).done).toBe(true);
    const rows = await rowsOf('Kế hoạch thử');
    expect(rows).toHaveLength(40);
    const telegram = rows.filter((r) => r.channel === 'telegram');
    expect(telegram).toHaveLength(30);
    expect(telegram.every((r) => r.ref === `notice-attachment:${token}` && !r.bytes && r.size < 2_000)).toBe(true);
    expect(rows.filter((r) => r.channel === 'web' && (r.ref || r.bytes || !r.button))).toHaveLength(0);

    let reads = 0;
    const resolve = resolveNoticeFile(db);
    const adapter = createTelegramAdapter({ token: TOKEN, secret: 'whsec_t', apiRoot: tg.apiRoot, timeoutMs: 5_000 });
    const worker = createDeliveryWorker({
      db,
      adapters: { get: () => adapter as ChannelAdapter },
      log: silentLogger,
      concurrency: 8,
      pollMs: 20,
      resolveFile: (ref) => {
        reads++;
        return resolve(ref);
      },
    });
    worker.start();
    try {
      await until(async () => ((await rowsOf('Kế hoạch thử')).every((r) => r.status === 'sent') ? true : undefined), 30_000);
    } finally {
      await worker.stop();
    }
    // The first sends upload the file (the exact bytes); once Telegram gave its file_id, the rest name it.
    const docs = tg.calls('sendDocument', TOKEN);
    expect(docs).toHaveLength(30);
    const uploads = docs.filter((d) => d.bodyKind === 'multipart');
    expect(uploads.length).toBeGreaterThanOrEqual(1);
    expect(uploads.length).toBeLessThanOrEqual(8); // at most the sends that started before the first upload ended
    expect(uploads.every((d) => d.files.document.filename === 'ke-hoach.pdf' && d.files.document.data.equals(pdf))).toBe(true);
    const fileIds = new Set(docs.map((d) => (d.response as any).result.document.file_id));
    expect(docs.filter((d) => d.bodyKind === 'json').every((d) => fileIds.has(d.payload.document))).toBe(true);
    expect(reads).toBe(1);
    // The sent rows still name the file and hold no bytes.
    expect((await rowsOf('Kế hoạch thử')).filter((r) => r.channel === 'telegram' && (r.bytes || !r.ref))).toHaveLength(0);
  }, 60_000);

  it('a row whose file no longer exists is given up at once, audited without personal data, not retried', async () => {
    const { id } = await sendingNotice('Tệp đã xóa thử', 'da-xoa');
    expect((await pumpNotice(db, id, { capabilitiesOf })).done).toBe(true);
    await execRows(db, sql`delete from notice_attachments where notice_id = ${id}`);
    const calls: unknown[] = [];
    const adapter = {
      channel: 'telegram',
      send: async (reply: unknown) => {
        calls.push(reply);
        return { ok: true, platformMessageIds: ['1'] };
      },
    } as unknown as ChannelAdapter;
    const worker = createDeliveryWorker({
      db,
      adapters: { get: () => adapter },
      log: silentLogger,
      pollMs: 20,
      resolveFile: resolveNoticeFile(db),
    });
    worker.start();
    try {
      await until(
        async () =>
          (await rowsOf('Tệp đã xóa thử')).every((r) => r.channel === 'web' || r.status === 'failed') ? true : undefined,
        30_000,
      );
    } finally {
      await worker.stop();
    }
    expect(calls).toHaveLength(0);
    const failed = await execRows<{ attempts: number; last_error: string }>(
      db,
      sql`select attempts, last_error from outbound_messages
          where payload->>'text' like '%Tệp đã xóa thử%' and channel = 'telegram'`,
    );
    expect(failed).toHaveLength(30);
    expect(failed.every((r) => Number(r.attempts) === 1 && r.last_error.startsWith('file_gone:'))).toBe(true);
    const audit = await execRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from audit_log
          where action = 'delivery.failed' and details->>'code' = 'file_gone' and details::text not like '%51234%'`,
    );
    expect(Number(audit[0].n)).toBe(30);
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
    const [row] = await execRows<{ name: string; ref: string; bytes: boolean }>(
      db,
      sql`select payload->'file'->>'name' as name, payload->'file'->>'ref' as ref, (payload->'file' ? 'contentBase64') as bytes
          from outbound_messages where chat_id = ${zaloChat} and payload->'file' is not null`,
    );
    expect(row).toMatchObject({ name: 'giu-lai.pdf', ref: expect.stringMatching(/^notice-attachment:/), bytes: false });
  });
});
