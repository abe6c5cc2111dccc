import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import {
  createZaloBotAdapter,
  createZaloBotClient,
  ZALOBOT_DEFAULT_RETRY_AFTER_MS,
  type ZaloBotRequest,
} from '../../../src/channels/zalobot/index.js';
import { ChannelError } from '../../../src/core/errors.js';
import { startFakeZaloBot, zbFailures, type FakeZaloBot } from '../../fakes/zalobot-server.js';
import { listen } from '../../fakes/http-util.js';

const TOKEN = '1459232241454765289:fake-access-token-0001';
const CHAT = 'a1b2c3d4e5f60718293a';
const msg = (text: string): ZaloBotRequest => ({ method: 'sendMessage', payload: { chat_id: CHAT, text } });

let fake: FakeZaloBot;
beforeAll(async () => {
  fake = await startFakeZaloBot({ tokens: [TOKEN] });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => fake.reset());

const client = (token = TOKEN, timeoutMs = 2_000) => createZaloBotClient({ token, apiBase: fake.apiBase, timeoutMs });

describe('zalobot client against the fake platform', () => {
  it('posts JSON to /bot<token>/sendMessage and returns the platform message ids as strings', async () => {
    const result = await client().send([msg('Xin chào'), msg('Mời anh/chị hỏi tiếp.')]);
    expect(result.ok).toBe(true);
    const sent = fake.sent({ chatId: CHAT });
    expect(sent.map((r) => r.payload)).toEqual([
      { chat_id: CHAT, text: 'Xin chào' },
      { chat_id: CHAT, text: 'Mời anh/chị hỏi tiếp.' },
    ]);
    expect(sent[0].token).toBe(TOKEN);
    expect(sent[0].bodyKind).toBe('json');
    const ids = (result as { platformMessageIds: string[] }).platformMessageIds;
    expect(ids).toEqual(sent.map((r) => (r.response as { result: { message_id: string } }).result.message_id));
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  });

  it.each([
    ['a 5xx page', zbFailures.serverError(502), 'server_error'],
    ['a 500', zbFailures.serverError(500), 'server_error'],
  ])('retries later after %s (transient)', async (_name, failure, code) => {
    fake.fail(failure, { method: 'sendMessage' });
    const r = await client().send([msg('Xin chào')]);
    expect(r).toMatchObject({ ok: false, retryable: true, code, partsDone: 0 });
  });

  it('retries a timed-out call (transient)', async () => {
    fake.fail(zbFailures.hang(), { method: 'sendMessage' });
    const r = await client(TOKEN, 300).send([msg('Xin chào')]);
    expect(r).toMatchObject({ ok: false, retryable: true, code: 'timeout' });
  });

  it('retries when the platform cannot be reached at all (transient)', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await createZaloBotClient({ token: TOKEN, apiBase: `http://127.0.0.1:${port}`, timeoutMs: 2_000 }).send([
      msg('Xin chào'),
    ]);
    expect(r).toMatchObject({ ok: false, retryable: true, code: 'network' });
    expect((r as { message: string }).message).not.toContain('fake-access-token'); // the URL holds the token
  });

  it('waits as long as a 429 (error_code 429) asks, or a safe default when it does not say', async () => {
    fake.fail(zbFailures.tooManyRequests(7), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate_limited',
      retryAfterMs: 7_000,
    });
    fake.fail(zbFailures.tooManyRequests(), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate_limited',
      retryAfterMs: ZALOBOT_DEFAULT_RETRY_AFTER_MS,
    });
  });

  it('gives up at once on an invalid token (permanent) and never puts the token in the error', async () => {
    const r = await client('1459232241454765289:revoked-token').send([msg('Xin chào')]);
    expect(r).toMatchObject({ ok: false, retryable: false, code: 'unauthorized' });
    expect((r as { message: string }).message).not.toContain('revoked-token');
    fake.fail(zbFailures.invalidToken(), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({ ok: false, retryable: false, code: 'unauthorized' });
  });

  it('treats 403 as undeliverable and a refused request (text too long) as a bad request, both permanent', async () => {
    fake.fail(zbFailures.forbidden(), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
    expect(await client().send([msg('x'.repeat(2001))])).toMatchObject({ ok: false, retryable: false, code: 'bad_request' });
  });

  it('reads {ok:false} envelopes sent with HTTP 200 the same way (UNVERIFIED which the platform does)', async () => {
    fake.setErrorsWithHttp200(true);
    fake.fail(zbFailures.tooManyRequests(), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({ ok: false, retryable: true, code: 'rate_limited' });
    expect(await client('1459232241454765289:revoked-token').send([msg('Xin chào')])).toMatchObject({
      ok: false,
      retryable: false,
      code: 'unauthorized',
    });
    fake.fail(zbFailures.forbidden(), { method: 'sendMessage' });
    expect(await client().send([msg('Xin chào')])).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
  });

  it('reports the parts delivered before a failure and resumes after them', async () => {
    fake.fail(zbFailures.serverError(503), { method: 'sendMessage', after: 1 });
    const first = await client().send([msg('Phần 1'), msg('Phần 2'), msg('Phần 3')]);
    expect(first).toMatchObject({ ok: false, retryable: true, partsDone: 1 });
    expect((first as { platformMessageIds: string[] }).platformMessageIds).toHaveLength(1);
    const second = await client().send([msg('Phần 1'), msg('Phần 2'), msg('Phần 3')], 1);
    expect(second.ok).toBe(true);
    expect(fake.sent({ chatId: CHAT }).map((r) => r.payload.text)).toEqual(['Phần 1', 'Phần 2', 'Phần 3']);
  });

  it('registers the webhook with url and secret_token, and throws a ChannelError when refused', async () => {
    const c = client();
    await c.setWebhook('https://troly.xa-mau.example/webhooks/zalobot/1459232241454765289', 'webhook-secret-0001');
    expect(fake.webhookOf(TOKEN)).toMatchObject({
      url: 'https://troly.xa-mau.example/webhooks/zalobot/1459232241454765289',
      secret_token: 'webhook-secret-0001',
    });
    expect((await c.getWebhookInfo()).url).toContain('/webhooks/zalobot/');
    const refused = await c.setWebhook('http://not-https.example/hook', 'webhook-secret-0001').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ChannelError);
    expect(refused).toMatchObject({ code: 'bad_request', retryable: false });
    await c.deleteWebhook();
    expect(fake.webhookOf(TOKEN)).toBeUndefined();
  });

  it('delivers a reply with a file as its text plus the polite "where to get it" message', async () => {
    const adapter = createZaloBotAdapter({ token: TOKEN, secret: 'webhook-secret-0001', apiBase: fake.apiBase });
    const r = await adapter.send(
      { text: 'Kết quả của anh/chị:', file: { name: 'ket-qua.pdf', mimeType: 'application/pdf', contentBase64: 'JVBERi0=' } },
      { communeId: 1, channel: 'zalobot', chatId: CHAT, userId: CHAT },
    );
    expect(r).toMatchObject({ ok: true });
    const texts = fake.sent({ chatId: CHAT }).map((s) => String(s.payload.text));
    expect(texts[0]).toBe('Kết quả của anh/chị:');
    expect(texts[1]).toContain('"ket-qua.pdf" đã sẵn sàng nhưng Zalo Bot chưa hỗ trợ gửi tệp');
    expect(fake.requests.every((q) => q.method === 'sendMessage')).toBe(true); // no undocumented upload call
  });

  it('refuses to register a webhook without a secret', async () => {
    const adapter = createZaloBotAdapter({ token: TOKEN, apiBase: fake.apiBase });
    await expect(adapter.setWebhook('https://troly.xa-mau.example/webhooks/zalobot')).rejects.toMatchObject({ code: 'config' });
    expect(fake.calls('setWebhook')).toHaveLength(0);
  });
});
