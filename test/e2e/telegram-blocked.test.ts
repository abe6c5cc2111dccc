import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, noticeSubscriptions } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { until } from '../helpers/until.js';

// Issue 17: a resident who blocks the Telegram bot cannot receive notices any more; the subscription ends, as when
// someone unfollows a Zalo OA, instead of each notice failing for them.

const TOKEN = '7000000017:TEST-token-for-blocked-bot';
const POLLING_TOKEN = '7000000018:TEST-token-for-blocked-bot-polling';
const SECRET = 'blocked_bot_secret-17';
const PUBLIC_URL = 'https://xa-thu-nghiem.example.vn';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'));

let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let updateId = 917000;

function post(update: unknown) {
  return fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(update),
  });
}

function textUpdate(chatId: number, body: string) {
  const u = fixture('text');
  u.update_id = ++updateId;
  u.message.message_id = updateId;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  u.message.text = body;
  return u;
}

const text = (chatId: number, body: string) => post(textUpdate(chatId, body));

/** A real-shaped `my_chat_member` update of this chat: `blocked` (member -> kicked) or unblocked (kicked -> member). */
function memberUpdate(chatId: number, name: 'my-chat-member' | 'my-chat-member-unblocked') {
  const u = fixture(name);
  u.update_id = ++updateId;
  u.my_chat_member.chat.id = chatId;
  u.my_chat_member.from.id = chatId;
  return u;
}

async function subscribeByChat(chatId: number) {
  expect((await text(chatId, 'Đăng ký nhận thông báo')).status).toBe(200);
  await until(() => tg.sent({ token: TOKEN, chatId }).find((s) => String(s.payload.text).includes('chủ đề')));
  expect((await text(chatId, 'xong')).status).toBe(200);
  await until(() => tg.sent({ token: TOKEN, chatId }).find((s) => String(s.payload.text).includes('Đã đăng ký nhận thông báo')));
}

const subscriptionOf = async (chatId: number, db = database.db) => {
  const [row] = await db
    .select()
    .from(noticeSubscriptions)
    .where(and(eq(noticeSubscriptions.channel, 'telegram'), eq(noticeSubscriptions.chatId, String(chatId))));
  return row;
};

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(
    {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      PUBLIC_URL,
      SEED_CATALOG: 'false',
    },
    { database },
  );
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe('a resident who blocks the Telegram bot', () => {
  it('the webhook the server registers asks Telegram for block and unblock updates', async () => {
    const hook = await until(() => tg.webhookOf(TOKEN));
    expect(hook.url).toMatch(new RegExp(`^${PUBLIC_URL}/webhooks/telegram/`));
    expect(hook.allowed_updates).toEqual(expect.arrayContaining(['message', 'callback_query', 'my_chat_member']));
  });

  it('is unsubscribed from notices, silently and audited, once even when Telegram redelivers the update', async () => {
    const chatId = 5170000001;
    await subscribeByChat(chatId);
    expect((await subscriptionOf(chatId)).unsubscribedAt).toBeNull();
    const sentBefore = tg.sent({ token: TOKEN, chatId }).length;

    const blocked = memberUpdate(chatId, 'my-chat-member');
    expect((await post(blocked)).status).toBe(200);
    expect((await post(blocked)).status).toBe(200);
    const row = await until(async () => {
      const r = await subscriptionOf(chatId);
      return r.unsubscribedAt ? r : undefined;
    });
    expect(row.unsubscribedAt).not.toBeNull();
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'notice-subscription.cancelled'), eq(auditLog.subject, String(row.id))));
    expect(audits).toHaveLength(1);
    expect(audits[0].actor).toBe(`resident:telegram:${chatId}`);
    // Nothing is sent to a resident who has just blocked the bot (Telegram would refuse it anyway).
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.sent({ token: TOKEN, chatId })).toHaveLength(sentBefore);
  });

  it('is not subscribed again by unblocking: the /start that follows gets the menu once', async () => {
    const chatId = 5170000002;
    await subscribeByChat(chatId);
    await post(memberUpdate(chatId, 'my-chat-member'));
    await until(async () => ((await subscriptionOf(chatId)).unsubscribedAt ? true : undefined));
    const sentBefore = tg.sent({ token: TOKEN, chatId }).length;

    expect((await post(memberUpdate(chatId, 'my-chat-member-unblocked'))).status).toBe(200);
    expect((await text(chatId, '/start')).status).toBe(200);
    await until(() => (tg.sent({ token: TOKEN, chatId }).length > sentBefore ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(tg.sent({ token: TOKEN, chatId })).toHaveLength(sentBefore + 1);
    expect((await subscriptionOf(chatId)).unsubscribedAt).not.toBeNull();
  });
});

describe('a resident who blocks the bot while it long-polls (TELEGRAM_MODE=polling)', () => {
  it('is unsubscribed too: getUpdates asks for block updates', async () => {
    const polling = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: POLLING_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_MODE: 'polling',
      SEED_CATALOG: 'false',
    });
    try {
      const chatId = 5170000003;
      const reply = (needle: string) =>
        until(() => tg.sent({ token: POLLING_TOKEN, chatId }).find((s) => String(s.payload.text).includes(needle)));
      tg.pushUpdate(POLLING_TOKEN, textUpdate(chatId, 'Đăng ký nhận thông báo'));
      await reply('chủ đề');
      tg.pushUpdate(POLLING_TOKEN, textUpdate(chatId, 'xong'));
      await reply('Đã đăng ký nhận thông báo');
      expect(tg.calls('getUpdates', POLLING_TOKEN)[0].payload.allowed_updates).toEqual(
        expect.arrayContaining(['message', 'callback_query', 'my_chat_member']),
      );
      tg.pushUpdate(POLLING_TOKEN, memberUpdate(chatId, 'my-chat-member'));
      const db = polling.runtime.database.db;
      const row = await until(async () => {
        const r = await subscriptionOf(chatId, db);
        return r.unsubscribedAt ? r : undefined;
      });
      expect(row.unsubscribedAt).not.toBeNull();
    } finally {
      await polling.close();
    }
  }, 60_000);
});
