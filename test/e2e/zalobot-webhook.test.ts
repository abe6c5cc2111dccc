import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { startFakeZaloBot, zbFailures, type FakeZaloBot } from '../fakes/zalobot-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

const BOT_ID = '1459232241454765289';
const TOKEN = `${BOT_ID}:fake-access-token-for-tests`;
const SECRET = 'zalobot-webhook-secret-0001';
const PUBLIC_URL = 'https://troly.xa-thu-nghiem.example';
const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../fixtures/zalobot/${name}.json`, import.meta.url), 'utf8'));

let zb: FakeZaloBot;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;

beforeAll(async () => {
  zb = await startFakeZaloBot({ tokens: [TOKEN] });
  database = await createTestDatabase();
  env = await startTestRuntime(
    { ZALOBOT_TOKEN: TOKEN, ZALOBOT_WEBHOOK_SECRET: SECRET, ZALOBOT_API_BASE: zb.apiBase, PUBLIC_URL },
    { database },
  );
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await zb?.close();
});

let seq = 0;
/** The docs sample, re-addressed to `user` with a new message id; wrapped like the docs or bare like openclaw reports. */
function update(user: string, text: string, opts: { wrapped?: boolean; messageId?: string } = {}) {
  const u = fixture('text-wrapped').result;
  u.message.from.id = user;
  u.message.chat.id = user;
  u.message.text = text;
  u.message.message_id = opts.messageId ?? `e2e${String(++seq).padStart(17, '0')}`;
  u.message.date = Date.now();
  return opts.wrapped === false ? u : { ok: true, result: u };
}

function post(body: unknown, secret: string | null = SECRET, path = '/webhooks/zalobot') {
  return fetch(`${env.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== null ? { 'x-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(body),
  });
}

const inboundCount = async (chat: string) =>
  (
    await execRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from inbound_messages where channel = 'zalobot' and chat_id = ${chat}`,
    )
  )[0].n;
const textsTo = (chat: string) => zb.sent({ token: TOKEN, chatId: chat }).map((r) => String(r.payload.text));

describe('Zalo Bot Platform webhook through the real server and a fake platform', () => {
  it('registered its webhook at start-up with the secret', () => {
    expect(zb.webhookOf(TOKEN)).toMatchObject({ url: `${PUBLIC_URL}/webhooks/zalobot/${BOT_ID}`, secret_token: SECRET });
  });

  it('rejects a webhook without the secret or with a wrong one, recording nothing', async () => {
    const chat = 'bad0000000000000000a';
    expect((await post(update(chat, 'menu'), null)).status).toBe(401);
    expect((await post(update(chat, 'menu'), 'wrong-secret-000')).status).toBe(401);
    expect((await post(update(chat, 'menu'), `${SECRET}x`)).status).toBe(401);
    // Telegram's header does not open this door either.
    const viaTelegramHeader = await fetch(`${env.baseUrl}/webhooks/zalobot`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update(chat, 'menu')),
    });
    expect(viaTelegramHeader.status).toBe(401);
    expect(await inboundCount(chat)).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(textsTo(chat)).toEqual([]);
  });

  it('answers a question once even when the update is delivered twice', async () => {
    const chat = 'c0ffee00000000000001';
    const u = update(chat, 'Làm giấy khai sinh cần những gì?');
    expect((await post(u)).status).toBe(200);
    expect((await post(u)).status).toBe(200); // redelivery of the same message_id
    const first = await until(() => (textsTo(chat).length ? textsTo(chat) : undefined));
    await new Promise((r) => setTimeout(r, 400));
    expect(textsTo(chat)).toHaveLength(first.length);
    expect(first.join('\n')).toContain('khai sinh');
    expect(await inboundCount(chat)).toBe(1);
  });

  it('takes the bare (unwrapped) body and the per-bot webhook path too', async () => {
    const chat = 'c0ffee00000000000002';
    expect((await post(update(chat, 'menu', { wrapped: false }), SECRET, `/webhooks/zalobot/${BOT_ID}`)).status).toBe(200);
    const reply = await until(() => textsTo(chat).at(0));
    expect(reply).toMatch(/1\. Hỏi thủ tục/);
    expect(reply).toMatch(/Gõ số/);
    expect((await post(update(chat, 'menu'), SECRET, '/webhooks/zalobot/0000')).status).toBe(404);
  });

  it('takes a typed number as a choice from the numbered list', async () => {
    const chat = 'c0ffee00000000000003';
    await post(update(chat, 'menu'));
    await until(() => textsTo(chat).at(0));
    await post(update(chat, '3'));
    // Entry 3 of the main menu is "Giờ làm việc, địa chỉ".
    const second = await until(() => textsTo(chat).at(1));
    expect(second).toContain('Giờ làm việc');
  });

  it('acknowledges an image without recording or answering it', async () => {
    const img = fixture('image');
    const chat = 'c0ffee00000000000004';
    img.message.from.id = chat;
    img.message.chat.id = chat;
    expect((await post(img)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await inboundCount(chat)).toBe(0);
    expect(textsTo(chat)).toEqual([]);
  });

  it('delivers the reply after the platform fails with 5xx and 429 for a while', async () => {
    const chat = 'c0ffee00000000000005';
    zb.fail(zbFailures.serverError(502), { times: 1, method: 'sendMessage' });
    zb.fail(zbFailures.tooManyRequests(1), { times: 1, method: 'sendMessage' });
    await post(update(chat, 'menu'));
    const row = await until(async () => {
      const [r] = await execRows<{ status: string; attempts: number }>(
        database.db,
        sql`select status, attempts from outbound_messages where channel = 'zalobot' and chat_id = ${chat} order by id limit 1`,
      );
      return r?.status === 'sent' ? r : undefined;
    }, 30_000);
    expect(row.attempts).toBeGreaterThanOrEqual(3);
    expect(textsTo(chat)).toHaveLength(1);
  }, 60_000);

  it('gives up at once when the platform says the token is invalid', async () => {
    const chat = 'c0ffee00000000000006';
    zb.fail(zbFailures.invalidToken(), { times: 1, method: 'sendMessage' });
    await post(update(chat, 'menu'));
    const row = await until(async () => {
      const [r] = await execRows<{ status: string; attempts: number; last_error: string }>(
        database.db,
        sql`select status, attempts, last_error from outbound_messages where channel = 'zalobot' and chat_id = ${chat} order by id limit 1`,
      );
      return r && r.status !== 'pending' ? r : undefined;
    });
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toMatch(/^unauthorized/);
    expect(row.last_error).not.toContain('fake-access-token');
  });

  it('verifies a dossier requester by typed digits, with no contact request on this platform', async () => {
    const code = '000.33.12.H56-260716-0043';
    const put = await fetch(`${env.baseUrl}/api/v1/dossiers/${code}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        procedureCode: '1.000894',
        status: 4,
        channel: 'truc_tiep',
        receivedAt: '2026-07-16T08:30:00+07:00',
        dueAt: '2026-07-21T17:00:00+07:00',
        applicantName: 'Trần Thị Thử',
        applicantPhone: '0912345678',
      }),
    });
    expect(put.status).toBe(201);
    const chat = 'c0ffee00000000000007';
    await post(update(chat, `tra cứu hồ sơ ${code}`));
    const prompt = await until(() => textsTo(chat).find((t) => /4 số cuối/.test(t)));
    expect(prompt).not.toMatch(/Chia sẻ số điện thoại/); // nothing to tap here
    expect(textsTo(chat).join('\n')).not.toMatch(/kết hôn/i);

    await post(update(chat, '0000'));
    await until(() => textsTo(chat).find((t) => /chưa khớp/.test(t)));
    expect(textsTo(chat).join('\n')).not.toMatch(/kết hôn/i);

    await post(update(chat, '5678'));
    const details = await until(() => textsTo(chat).find((t) => /kết hôn/i.test(t)));
    expect(details).not.toContain('0912345678');
  });
});
