import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/logger.js';
import { inquiries } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { until } from '../helpers/until.js';

/**
 * A question the bot cannot answer (the procedure search declines it) joins the staff queue with one
 * tap, through the real server: a web chat resident and a Telegram resident (fake Bot API). Everything
 * the server logs meanwhile is kept, to check that the question's text never appears in it.
 */
const TOKEN = '7000000003:TEST-token-for-unanswered';
const SECRET = 'test_webhook_secret-unanswered';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'));
const SEND = 'Gửi câu hỏi này cho cán bộ';
const CODE = /HD-[2-9A-HJ-NP-Z]{5}/;

const logged: string[] = [];
const captureLogger = (bindings: Record<string, unknown> = {}): Logger => {
  const keep = (obj: object | string, msg?: string) => logged.push(JSON.stringify([bindings, obj, msg ?? '']));
  return { debug: keep, info: keep, warn: keep, error: keep, child: (b) => captureLogger({ ...bindings, ...b }) };
};

let tg: FakeTelegram;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let updateId = 930000;

function telegram(chatId: number, m: { text?: string; data?: string }) {
  const u = structuredClone(fixture(m.data ? 'callback-query' : 'text'));
  u.update_id = ++updateId;
  if (m.data) {
    u.callback_query.id = `cb-${updateId}`;
    u.callback_query.data = m.data;
    u.callback_query.from.id = chatId;
    u.callback_query.message.chat.id = chatId;
  } else {
    u.message.message_id = updateId;
    u.message.text = m.text;
    u.message.chat.id = chatId;
    u.message.from.id = chatId;
  }
  return fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
}

/** Every message the fake Bot API received for a chat whose text matches, once there are `n`. */
const telegramSaid = (chatId: number, re: RegExp, n = 1) =>
  until(() => {
    const found = tg.sent({ token: TOKEN, chatId }).filter((s) => re.test(String(s.payload.text ?? '')));
    return found.length >= n ? found : undefined;
  }, 30_000);

const questionsOf = (chatId: string) => env.runtime.database.db.select().from(inquiries).where(eq(inquiries.chatId, chatId));

describe('a question the bot cannot answer, sent to staff with one tap (web chat and Telegram)', () => {
  beforeAll(async () => {
    tg = await startFakeTelegram();
    env = await startTestRuntime(
      { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: tg.apiRoot, LOG_LEVEL: 'debug' },
      { log: captureLogger() },
    );
  }, 120_000);
  afterAll(async () => {
    await env?.close();
    await tg?.close();
  });

  it('web chat: the declined question is queued with its code, once; a stale button is refused politely', async () => {
    const question = 'Kết quả bóng đá tối qua thế nào hả bạn';
    const first = await chat(env.baseUrl, { sessionId: 'unanswered-web', text: question });
    const [notUnderstood] = first.json.replies;
    expect(notUnderstood.text).toContain('chưa hiểu');
    expect(notUnderstood.text).not.toMatch(/Mã thủ tục/);
    const send = notUnderstood.buttons.find((b: { label: string }) => b.label === SEND);
    expect(send.action).toMatch(/^inquiry:send-unanswered:/);

    const done = await chat(env.baseUrl, { sessionId: 'unanswered-web', action: send.action });
    const code = CODE.exec(done.json.replies[0].text)![0];
    expect(done.json.replies[0].text).toContain(`Mã câu hỏi: ${code}.`);
    const again = await chat(env.baseUrl, { sessionId: 'unanswered-web', action: send.action });
    expect(again.json.replies[0].text).toContain(`đã được chuyển tới cán bộ (mã ${code})`);

    const [row] = await env.runtime.database.db.select().from(inquiries).where(eq(inquiries.code, code));
    expect(row).toMatchObject({ question, status: 'open', channel: 'web' });
    expect(await questionsOf(row.chatId)).toHaveLength(1);

    const stale = await chat(env.baseUrl, { sessionId: 'unanswered-web', action: 'inquiry:send-unanswered:00000000' });
    expect(stale.json.replies[0].text).toContain('Câu hỏi đó không còn được lưu');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toContain('bóng đá tối qua');
  });

  it('Telegram: the button under the "not understood" queues the question; a double tap queues it once', async () => {
    const resident = 5100009101;
    const question = 'Hôm nay trời đẹp quá, xã mình có tổ chức gì không';
    await telegram(resident, { text: question });
    const [said] = await telegramSaid(resident, /chưa hiểu/);
    const data = said.payload.reply_markup.inline_keyboard.flat().find((b: { text: string }) => b.text === SEND)?.callback_data;
    expect(data).toMatch(/^inquiry:send-unanswered:/);
    await telegram(resident, { data });
    const [queued] = await telegramSaid(resident, /Mã câu hỏi: HD-/);
    const code = CODE.exec(queued.payload.text)![0];
    await telegram(resident, { data });
    await telegramSaid(resident, /đã được chuyển tới cán bộ/);
    const rows = await questionsOf(String(resident));
    expect(rows).toMatchObject([{ code, question, channel: 'telegram', status: 'open' }]);
    expect(logged.join('\n')).not.toContain('trời đẹp quá');
  }, 60_000);
});
