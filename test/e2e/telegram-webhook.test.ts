import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { startFakeTelegram, tgFailures, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

const TOKEN = '7000000001:TEST-token-for-fake-server';
const SECRET = 'test_webhook_secret-123';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'));

let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;

const telegramEnv = () => ({
  TELEGRAM_BOT_TOKEN: TOKEN,
  TELEGRAM_WEBHOOK_SECRET: SECRET,
  TELEGRAM_API_ROOT: tg.apiRoot,
});

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(telegramEnv(), { database });
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

function post(update: unknown, secret: string | null = SECRET, baseUrl = env.baseUrl) {
  return fetch(`${baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(update),
  });
}

function withIds(update: any, updateId: number, chatId: number) {
  const u = structuredClone(update);
  u.update_id = updateId;
  const m = u.message ?? u.callback_query?.message;
  if (m) m.chat.id = chatId;
  if (u.message) u.message.from.id = chatId;
  if (u.callback_query) u.callback_query.from.id = chatId;
  return u;
}

describe('Telegram webhook through the real server and a fake Bot API', () => {
  it('rejects a webhook without the secret token, recording nothing', async () => {
    const before = await execRows<{ n: number }>(database.db, sql`select count(*)::int as n from inbound_messages`);
    expect((await post(withIds(fixture('text'), 1, 111), null)).status).toBe(401);
    expect((await post(withIds(fixture('text'), 2, 111), 'wrong')).status).toBe(401);
    const after = await execRows<{ n: number }>(database.db, sql`select count(*)::int as n from inbound_messages`);
    expect(after[0].n).toBe(before[0].n);
  });

  it('answers a question once even when the update is delivered twice', async () => {
    const chat = 5100000001;
    const update = withIds(fixture('text'), 910001, chat);
    expect((await post(update)).status).toBe(200);
    expect((await post(update)).status).toBe(200);
    const sent = await until(() => {
      const s = tg.sent({ token: TOKEN, chatId: chat });
      return s.length ? s : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.sent({ token: TOKEN, chatId: chat })).toHaveLength(sent.length);
    expect(sent[0].payload.text).toContain('đăng ký khai sinh');
    expect(sent[0].payload.parse_mode).toBe('HTML');
    expect(sent[0].payload.reply_markup.inline_keyboard.flat().length).toBeGreaterThan(1);
  });

  it('answers text with a lone surrogate and a NUL once, instead of failing it for ever (issue 19)', async () => {
    const chat = 5100000091;
    const update = withIds(fixture('text'), 910091, chat);
    update.message.text = 'đăng ký khai sinh \ud800 cho con\u0000';
    update.message.from.first_name = 'Khách \udc00';
    expect((await post(update)).status).toBe(200);
    const sent = await until(() => {
      const s = tg.sent({ token: TOKEN, chatId: chat });
      return s.length ? s : undefined;
    });
    expect(sent[0].payload.text).toContain('khai sinh');
  });

  it('delivers the reply after the Bot API fails with 5xx and 429 for a while', async () => {
    const chat = 5100000002;
    tg.fail(tgFailures.serverError(502), { times: 2, method: 'sendMessage' });
    tg.fail(tgFailures.tooManyRequests(1), { times: 1, method: 'sendMessage' });
    expect(
      (await post(withIds({ ...fixture('text'), message: { ...fixture('text').message, text: 'menu' } }, 910002, chat))).status,
    ).toBe(200);
    const sent = await until(
      () =>
        tg
          .sent({ token: TOKEN, chatId: chat })
          .filter((r) => r.status === 200)
          .at(0),
      30_000,
    );
    expect(sent.payload.text).toContain('Trợ lý ảo');
    const attempts = tg.calls('sendMessage', TOKEN).filter((r) => String(r.payload.chat_id) === String(chat));
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    // The platform confirmed it; the outbox records that right after.
    const row = await until(async () => {
      const [r] = await execRows<{ status: string; attempts: number }>(
        database.db,
        sql`select status, attempts from outbound_messages where chat_id = ${String(chat)} order by id limit 1`,
      );
      return r?.status === 'sent' ? r : undefined;
    });
    expect(row.status).toBe('sent');
    expect(row.attempts).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('resumes a long multi-part reply after a failure without resending the parts already delivered', async () => {
    const chat = 5100000006;
    const update = withIds(fixture('callback-query'), 910006, chat);
    update.callback_query.data = 'proc:steps:1.001193'; // the steps of khai sinh exceed 4,096 characters
    tg.fail(tgFailures.tooManyRequests(1), { times: 1, method: 'sendMessage', after: 1 });
    expect((await post(update)).status).toBe(200);
    const [row] = await until(async () => {
      const rows = await execRows<{ status: string; parts_sent: number; attempts: number; platform_message_ids: string[] }>(
        database.db,
        sql`select status, parts_sent, attempts, platform_message_ids from outbound_messages where chat_id = ${String(chat)}`,
      );
      return rows.length && rows[0].status === 'sent' ? rows : undefined;
    }, 30_000);
    expect(row.attempts).toBe(2);
    expect(row.parts_sent).toBe(1);
    const accepted = tg
      .sent({ token: TOKEN, chatId: chat })
      .filter((r) => r.status === 200)
      .map((r) => String(r.payload.text));
    expect(accepted.length).toBeGreaterThanOrEqual(2);
    expect(new Set(accepted).size).toBe(accepted.length); // no part twice
    expect(row.platform_message_ids).toHaveLength(accepted.length); // every delivered part is accounted for
  }, 60_000);

  it('answers a button tap and acknowledges the callback query', async () => {
    const chat = 5100000003;
    const update = withIds(fixture('callback-query'), 910003, chat);
    update.callback_query.data = 'proc:fee:1.001193';
    expect((await post(update)).status).toBe(200);
    const sent = await until(() => tg.sent({ token: TOKEN, chatId: chat }).at(0));
    expect(sent.payload.text).toContain('Lệ phí và thời hạn');
    await until(() =>
      tg.calls('answerCallbackQuery', TOKEN).find((c) => c.payload.callback_query_id === update.callback_query.id),
    );
  });

  it('marks a blocked user as undeliverable instead of retrying forever', async () => {
    const chat = 5100000004;
    tg.fail(tgFailures.blocked(), { times: 1, method: 'sendMessage' });
    await post(withIds(fixture('text'), 910004, chat));
    const row = await until(async () => {
      const [r] = await execRows<{ status: string }>(
        database.db,
        sql`select status from outbound_messages where chat_id = ${String(chat)} order by id limit 1`,
      );
      return r && r.status !== 'pending' ? r : undefined;
    });
    expect(row.status).toBe('undeliverable');
    const audit = await execRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from audit_log where action = 'delivery.undeliverable'`,
    );
    expect(audit[0].n).toBeGreaterThanOrEqual(1);
    const list = await fetch(`${env.baseUrl}/api/v1/deliveries/undelivered`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    const body = (await list.json()) as any;
    expect(body.undelivered.some((u: { chatId: string }) => u.chatId === String(chat))).toBe(true);
  });

  it("verifies a dossier requester by their own shared contact, never by someone else's", async () => {
    const code = '000.33.12.H56-260716-0042';
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
    const chat = 5123400001;
    const ask = { ...fixture('text'), update_id: 910101 };
    ask.message = { ...ask.message, text: `tra cứu hồ sơ ${code}` };
    await post(ask);
    const prompt = await until(() =>
      tg.sent({ token: TOKEN, chatId: chat }).find((r) => /4 số cuối/.test(String(r.payload.text))),
    );
    // The contact keyboard travels on a second message (a message carries one keyboard): wait for it too.
    const keyboards = await until(() => {
      const sent = tg
        .sent({ token: TOKEN, chatId: chat })
        .map((r) => r.payload.reply_markup)
        .filter(Boolean);
      return JSON.stringify(sent).includes('request_contact') ? sent : undefined;
    });
    expect(JSON.stringify(keyboards)).toContain('request_contact');
    expect(prompt).toBeTruthy();

    const foreign = { ...fixture('contact-foreign'), update_id: 910102 };
    await post(foreign);
    await until(() => tg.sent({ token: TOKEN, chatId: chat }).find((r) => /chính tài khoản/.test(String(r.payload.text))));

    const own = { ...fixture('contact-own'), update_id: 910103 };
    await post(own);
    const details = await until(() =>
      tg.sent({ token: TOKEN, chatId: chat }).find((r) => /kết hôn/i.test(String(r.payload.text))),
    );
    expect(String(details.payload.text)).not.toContain('0912345678');
  });

  it('sends a pending reply after a restart, and never resends a confirmed one', async () => {
    const chat = 5100000005;
    // The platform hangs: the reply stays pending while the process stops.
    tg.fail(tgFailures.hang(), { times: 1, method: 'sendMessage' });
    await post(withIds(fixture('text'), 910005, chat));
    await until(async () => {
      const [r] = await execRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from outbound_messages where chat_id = ${String(chat)}`,
      );
      return r.n > 0 ? r : undefined;
    });
    const confirmedBefore = tg.sent({ token: TOKEN }).filter((r) => r.status === 200).length;
    // Stop without closing the shared test database, then start a new runtime on it.
    tg.reset(); // releases the hanging request: the send fails and stays pending
    await env.runtime.stop(); // the runtime does not close a database it was given
    await execRows(
      database.db,
      sql`update outbound_messages set locked_until = null, next_attempt_at = now() where status = 'pending'`,
    );
    env = await startTestRuntime(telegramEnv(), { database });
    const delivered = await until(
      () =>
        tg
          .sent({ token: TOKEN, chatId: chat })
          .filter((r) => r.status === 200)
          .at(0),
      30_000,
    );
    expect(delivered.payload.text).toContain('khai sinh');
    // Nothing confirmed before the restart was sent again.
    const resent = tg.sent({ token: TOKEN }).filter((r) => r.status === 200 && String(r.payload.chat_id) !== String(chat));
    expect(resent).toHaveLength(0);
    expect(confirmedBefore).toBeGreaterThan(0);
  }, 60_000);
});
