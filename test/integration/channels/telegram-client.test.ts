import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTelegramAdapter, parseTelegramUpdate, type TgUpdate } from '../../../src/channels/telegram/index.js';
import type { Recipient } from '../../../src/core/types.js';
import { fixture } from '../../contract/fixtures.js';
import { startFakeTelegram, tgFailures, type FakeTelegram } from '../../fakes/telegram-server.js';

const TOKEN_A = '7000000001:AAFakeTokenCommuneA';
const TOKEN_B = '7000000002:AAFakeTokenCommuneB';
const to: Recipient = { communeId: 1, channel: 'telegram', chatId: '5123400001', userId: '5123400001' };

let fake: FakeTelegram;
const adapter = (token = TOKEN_A, timeoutMs = 2_000) =>
  createTelegramAdapter({ token, secret: 'whsec_1', apiRoot: fake.apiRoot, timeoutMs });

beforeAll(async () => {
  fake = await startFakeTelegram({ tokens: [TOKEN_A, TOKEN_B] });
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  fake.setRateLimit(false);
});

describe('telegram delivery through the Bot API', () => {
  it('delivers a reply as HTML text with its inline keyboard and returns message ids', async () => {
    const result = await adapter().send(
      { text: 'Hồ sơ <khai sinh> & lệ phí', buttons: [{ label: 'Gặp cán bộ', action: 'staff:handoff' }] },
      to,
    );
    expect(result).toEqual({ ok: true, platformMessageIds: ['1'] });
    const [sent] = fake.sent();
    expect(sent.token).toBe(TOKEN_A);
    expect(sent.payload).toMatchObject({
      chat_id: '5123400001',
      text: 'Hồ sơ &lt;khai sinh&gt; &amp; lệ phí',
      parse_mode: 'HTML',
      reply_markup: { inline_keyboard: [[{ text: 'Gặp cán bộ', callback_data: 'staff:handoff' }]] },
    });
  });

  it('splits a long answer into several messages the real API accepts', async () => {
    const result = await adapter().send({ text: 'Thủ tục hành chính. '.repeat(600) }, to);
    expect(result.ok).toBe(true);
    expect(fake.sent()).toHaveLength(3);
    expect(fake.requests.every((r) => r.status === 200)).toBe(true);
  });

  it('uploads a file with sendDocument (multipart) after the text', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% trích lục khai sinh\n');
    const result = await adapter().send(
      {
        text: 'Bản trích lục của anh/chị',
        file: { name: 'trich-luc.pdf', mimeType: 'application/pdf', contentBase64: pdf.toString('base64') },
      },
      to,
    );
    expect(result).toEqual({ ok: true, platformMessageIds: ['1', '2'] });
    const doc = fake.calls('sendDocument')[0];
    expect(doc.bodyKind).toBe('multipart');
    expect(doc.payload.chat_id).toBe('5123400001');
    expect(doc.files.document.filename).toBe('trich-luc.pdf');
    expect(doc.files.document.data.equals(pdf)).toBe(true);
  });

  it('uploads a referenced file once, then sends its file_id; a refused file_id is forgotten and the bytes uploaded', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% thông báo thử\n');
    const file = {
      name: 'ke-hoach.pdf',
      mimeType: 'application/pdf',
      contentBase64: pdf.toString('base64'),
      ref: 'notice-attachment:T1',
    };
    const bot = adapter();
    const other = { ...to, chatId: '5123400002', userId: '5123400002' };
    expect((await bot.send({ text: 'Thông báo', file }, to)).ok).toBe(true);
    expect((await bot.send({ text: 'Thông báo', file }, other)).ok).toBe(true);
    const [upload, reuse] = fake.calls('sendDocument');
    expect(upload.bodyKind).toBe('multipart');
    expect(upload.files.document.data.equals(pdf)).toBe(true);
    expect(reuse.bodyKind).toBe('json');
    expect(reuse.payload).toMatchObject({
      chat_id: '5123400002',
      document: upload.response && (upload.response as any).result.document.file_id,
    });
    // A file without a ref (a civil-record copy) is always uploaded.
    await bot.send({ text: 'Bản sao', file: { ...file, ref: undefined } }, other);
    expect(fake.calls('sendDocument')[2].bodyKind).toBe('multipart');

    fake.fail(
      { kind: 'api', errorCode: 400, description: 'Bad Request: wrong file identifier/HTTP URL specified' },
      { method: 'sendDocument' },
    );
    const result = await bot.send({ text: 'Thông báo', file }, to);
    expect(result).toEqual({ ok: true, platformMessageIds: expect.arrayContaining([expect.any(String)]) });
    const last = fake.calls('sendDocument').slice(-2);
    expect(last.map((c) => [c.bodyKind, c.status])).toEqual([
      ['json', 400],
      ['multipart', 200],
    ]);
    expect(fake.sent().filter((c) => c.payload.text === 'Thông báo')).toHaveLength(3); // the text once per send
  });

  it('asks for the phone number with a request_contact keyboard', async () => {
    await adapter().send({ text: 'Anh/chị cho xin số điện thoại', requestContact: true }, to);
    expect(fake.sent()[0].payload.reply_markup).toMatchObject({
      keyboard: [[{ request_contact: true }]],
      one_time_keyboard: true,
    });
  });

  it('surfaces 429 retry_after as a retryable result with retryAfterMs', async () => {
    fake.fail(tgFailures.tooManyRequests(7), { method: 'sendMessage' });
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate_limited',
      retryAfterMs: 7000,
    });
  });

  it('treats 5xx, timeouts and connection failures as retryable', async () => {
    fake.fail(tgFailures.serverError(502));
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: true, code: 'server_error' });
    // A proxy's HTML page instead of a Bot API answer (even a 4xx) is retried, and no message quotes the token.
    fake.fail(tgFailures.serverError(404));
    const html = await adapter().send({ text: 'x' }, to);
    expect(html).toMatchObject({ ok: false, retryable: true, code: 'server_error' });
    expect(JSON.stringify(html)).not.toContain(TOKEN_A);
    // The same page in answer to an upload (telegraf's node-fetch path, whose error quotes the URL).
    fake.fail(tgFailures.serverError(404), { method: 'sendDocument' });
    const file = { name: 'a.pdf', mimeType: 'application/pdf', contentBase64: Buffer.from('%PDF-1.4').toString('base64') };
    const upload = await adapter().send({ text: 'x', file }, to);
    expect(upload).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(upload)).not.toContain(TOKEN_A);
    fake.fail(tgFailures.hang());
    const started = Date.now();
    expect(await adapter(TOKEN_A, 300).send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: true, code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
    const dead = createTelegramAdapter({ token: TOKEN_A, secret: 's', apiRoot: 'http://127.0.0.1:1', timeoutMs: 1_000 });
    expect(await dead.send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: true, code: 'network' });
  });

  it('marks blocked bots and unknown chats as undeliverable (not retried)', async () => {
    fake.fail(tgFailures.blocked());
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
    fake.fail(tgFailures.chatNotFound());
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
  });

  it('reports an over-long action as a non-retryable bad reply without calling the API', async () => {
    const result = await adapter().send({ text: 'x', buttons: [{ label: 'x', action: `a:${'x'.repeat(70)}` }] }, to);
    expect(result).toMatchObject({ ok: false, retryable: false, code: 'invalid_reply' });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects a wrong token as unauthorized (not retried)', async () => {
    expect(await adapter('1:wrong').send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'unauthorized' });
  });

  it('keeps bots of different communes apart on one server', async () => {
    await adapter(TOKEN_A).send({ text: 'Xã A' }, to);
    await adapter(TOKEN_B).send({ text: 'Xã B' }, to);
    expect(fake.sent({ token: TOKEN_A }).map((r) => r.payload.text)).toEqual(['Xã A']);
    expect(fake.sent({ token: TOKEN_B }).map((r) => r.payload.text)).toEqual(['Xã B']);
  });

  it('hits flood control when one chat gets a burst (fake enforces ≈1 msg/s per chat)', async () => {
    fake.setRateLimit({ perChatBurst: 3, perChatPerSecond: 1, globalPerSecond: 30 });
    const a = adapter();
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await a.send({ text: `tin ${i}` }, to));
    expect(results.slice(0, 3).every((r) => r.ok)).toBe(true);
    expect(results[3]).toMatchObject({ ok: false, retryable: true, code: 'rate_limited', retryAfterMs: 1000 });
    const other = await a.send({ text: 'chat khác' }, { ...to, chatId: '5123400002' });
    expect(other.ok).toBe(true);
  });
});

describe('telegram fake flood control across chats', () => {
  it('refuses more than ≈30 messages per second over all chats of one bot', async () => {
    fake.setRateLimit(true);
    const a = adapter();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        a.send({ text: 'Thông báo lịch tiếp dân' }, { ...to, chatId: String(5123400100 + i) }),
      ),
    );
    const limited = results.filter((r) => !r.ok);
    expect(results.filter((r) => r.ok)).toHaveLength(30);
    expect(limited[0]).toMatchObject({ retryable: true, code: 'rate_limited', retryAfterMs: 1000 });
  });

  it('answers getMe for each bot token', async () => {
    const me = await adapter(TOKEN_B).client.getMe();
    expect(me).toMatchObject({ id: 7000000002, is_bot: true });
  });
});

describe('telegram webhook management and button answers', () => {
  it('answers the callback query of a parsed button tap', async () => {
    const a = adapter();
    const [msg] = a.parse(fixture('telegram', 'callback-query'), 1);
    expect(await a.acknowledge(msg)).toBe(true);
    expect(fake.calls('answerCallbackQuery')[0].payload).toEqual({ callback_query_id: '2200450000123456789' });
    const [text] = a.parse(fixture('telegram', 'text'), 1);
    expect(await a.acknowledge(text)).toBe(true);
    expect(fake.calls('answerCallbackQuery')).toHaveLength(1);
  });

  it('answering never throws, even when the API fails', async () => {
    fake.fail(tgFailures.serverError(500), { method: 'answerCallbackQuery' });
    expect(await adapter().answerCallbackQuery('1')).toBe(false);
  });

  it('sets the webhook with its secret token and deletes it', async () => {
    const a = adapter();
    await a.setWebhook('https://xa-mau.example.vn/webhooks/telegram/7000000001');
    expect(fake.webhookOf(TOKEN_A)).toEqual({
      url: 'https://xa-mau.example.vn/webhooks/telegram/7000000001',
      secret_token: 'whsec_1',
      allowed_updates: ['message', 'callback_query'],
    });
    await a.deleteWebhook();
    expect(fake.webhookOf(TOKEN_A)).toBeUndefined();
  });
});

describe('telegram long polling (local development)', () => {
  it('delivers updates in order, confirms them with the offset and stops cleanly', async () => {
    const a = adapter();
    await a.setWebhook('https://example.vn/hook');
    const received: TgUpdate[] = [];
    fake.pushUpdate(TOKEN_A, fixture('telegram', 'text'));
    fake.pushUpdate(TOKEN_A, fixture('telegram', 'callback-query'));
    const polling = a.startPolling(
      async (u) => {
        received.push(u);
      },
      { timeoutSec: 1 },
    );
    await waitFor(() => received.length === 2);
    fake.pushUpdate(TOKEN_A, fixture('telegram', 'contact-own'));
    await waitFor(() => received.length === 3);
    await polling.stop();

    expect(fake.calls('deleteWebhook')).toHaveLength(1);
    expect(received.map((u) => u.update_id)).toEqual([734120001, 734120003, 734120004]);
    expect(received.flatMap((u) => parseTelegramUpdate(u, 1)).map((m) => m.externalId)).toEqual([
      '734120001',
      '734120003',
      '734120004',
    ]);
    const offsets = fake.calls('getUpdates').map((r) => r.payload.offset);
    expect(offsets).toContain(734120004);
    expect(offsets.at(-1)).toBe(734120005);
  });

  it('fetches an update again when recording it failed, and keeps polling after API failures', async () => {
    const a = adapter();
    const errors: unknown[] = [];
    const seen: number[] = [];
    let failOnce = true;
    fake.fail(tgFailures.serverError(502), { method: 'getUpdates' });
    fake.pushUpdate(TOKEN_A, { ...fixture('telegram', 'text'), update_id: 10 });
    fake.pushUpdate(TOKEN_A, { ...fixture('telegram', 'text'), update_id: 11 });
    const polling = a.startPolling(
      async (u) => {
        seen.push(u.update_id);
        if (u.update_id === 10 && failOnce) {
          failOnce = false;
          throw new Error('database unavailable');
        }
      },
      { timeoutSec: 1, backoffMs: 20, onError: (e) => errors.push(e) },
    );
    await waitFor(() => seen.length === 3);
    await polling.stop();
    // Update 10 was not recorded the first time: it is not skipped, and 11 waits behind it.
    expect(seen).toEqual([10, 10, 11]);
    expect(errors).toHaveLength(2);
  });

  it('skips an update that can never be recorded after a few attempts, so later ones are not held up', async () => {
    const a = adapter();
    const errors: unknown[] = [];
    const seen: number[] = [];
    fake.pushUpdate(TOKEN_A, { ...fixture('telegram', 'text'), update_id: 20 });
    fake.pushUpdate(TOKEN_A, { ...fixture('telegram', 'text'), update_id: 21 });
    const polling = a.startPolling(
      async (u) => {
        seen.push(u.update_id);
        if (u.update_id === 20) throw new Error('payload refused');
      },
      { timeoutSec: 1, backoffMs: 10, maxAttemptsPerUpdate: 3, onError: (e) => errors.push(e) },
    );
    await waitFor(() => seen.includes(21));
    await polling.stop();
    expect(seen).toEqual([20, 20, 20, 21]);
    expect(String(errors.at(-1))).toContain('telegram update 20 skipped after 3 failed attempts');
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000) {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}
