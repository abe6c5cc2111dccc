import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../../src/core/calendar.js';
import { auditLog, communes, inquiries } from '../../src/db/schema/index.js';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { chat, chatUpdates, startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/**
 * A question for staff, its answer and its rating through the real server: a
 * Telegram resident (fake Bot API), a Zalo OA resident (fake Zalo API, buttons
 * as a numbered list) and a web chat resident, staff answering
 * with the API, the rating in the console and in the statistics API of each commune.
 */
const TOKEN = '7000000002:TEST-token-for-ratings';
const SECRET = 'test_webhook_secret-ratings';
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/telegram/${name}.json`, import.meta.url), 'utf8'));

const OA = {
  oaId: '3662729500000000487',
  appId: '2553928400000000079',
  appSecret: 'test-app-secret-0001',
  accessToken: 'access-token-initial',
  refreshToken: 'refresh-token-initial',
};
const OA_SECRET = 'test-oa-secret-key-0001';
const ZALO_RESIDENT = '6142494800000090001';

let tg: FakeTelegram;
let zf: Awaited<ReturnType<typeof startFakeZalo>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let updateId = 920000;

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

function zalo(userId: string, text: string) {
  const e = structuredClone(JSON.parse(readFileSync(new URL('../fixtures/zalo/user_send_text.json', import.meta.url), 'utf8')));
  e.sender.id = userId;
  e.message = { text, msg_id: `rating-${++updateId}` };
  e.timestamp = String(Date.now());
  const raw = JSON.stringify(e);
  return fetch(`${env.baseUrl}/webhooks/zalo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}` },
    body: raw,
  });
}

/** A message the fake Zalo API received for a user whose text matches. */
const zaloSaid = (userId: string, re: RegExp) =>
  until(() => zf.sent({ oaId: OA.oaId, userId }).find((s) => re.test(JSON.stringify(s.message))), 30_000);

/** The next message the fake Bot API received for a chat whose text matches. */
const telegramSaid = (chatId: number, re: RegExp) =>
  until(() => tg.sent({ token: TOKEN, chatId }).find((s) => re.test(String(s.payload.text ?? ''))), 30_000);

async function answer(code: string, text: string) {
  const res = await fetch(`${env.baseUrl}/api/v1/inquiries/${code}/answer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ answer: text }),
  });
  expect(res.status).toBe(200);
}

const TG_RESIDENT = 5100009001;
const TG_STRANGER = 5100009002;
let tgCode: string;
let webCode: string;

describe('inquiry round trip with a rating, on Telegram and the web chat', () => {
  beforeAll(async () => {
    tg = await startFakeTelegram();
    zf = await startFakeZalo({ oas: [OA] });
    env = await startTestRuntime({
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ZALO_APP_ID: OA.appId,
      ZALO_APP_SECRET: OA.appSecret,
      ZALO_OA_ID: OA.oaId,
      ZALO_OA_SECRET_KEY: OA_SECRET,
      ZALO_OA_ACCESS_TOKEN: OA.accessToken,
      ZALO_OA_REFRESH_TOKEN: OA.refreshToken,
      ZALO_API_BASE: zf.apiBase,
      ZALO_OAUTH_BASE: zf.oauthBase,
    });
    const db = env.runtime.database.db;
    const [b] = await db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    await addStaff(env.runtime.database, 'motcua-a', 'officer', env.runtime.defaultCommune.id, 'Nguyễn Văn Thử');
    await addStaff(env.runtime.database, 'lanhdao-b', 'leader', b.id, 'Trần Thị Thử');
  }, 120_000);
  afterAll(async () => {
    await env?.close();
    await tg?.close();
    await zf?.close();
  });

  it('Telegram: the answer arrives with score buttons; a tap and a comment are stored once; another chat is refused', async () => {
    await telegram(TG_RESIDENT, { text: 'gặp cán bộ' });
    await telegramSaid(TG_RESIDENT, /nhập câu hỏi/);
    await telegram(TG_RESIDENT, { text: 'Cho hỏi lịch tiếp công dân của chủ tịch xã tháng này' });
    const queued = await telegramSaid(TG_RESIDENT, /Mã câu hỏi: HD-/);
    tgCode = /HD-[2-9A-HJ-NP-Z]{5}/.exec(queued.payload.text)![0];

    await answer(tgCode, 'Chủ tịch xã tiếp công dân sáng thứ Năm hằng tuần.');
    const answered = await telegramSaid(TG_RESIDENT, /tiếp công dân sáng thứ Năm/);
    const data = answered.payload.reply_markup.inline_keyboard.flat().map((b: { callback_data: string }) => b.callback_data);
    expect(data).toContain(`inquiry:rate:${tgCode}:5`);

    await telegram(TG_STRANGER, { data: `inquiry:rate:${tgCode}:1` });
    await telegramSaid(TG_STRANGER, new RegExp(`Không tìm thấy câu hỏi ${tgCode}`));

    await telegram(TG_RESIDENT, { data: `inquiry:rate:${tgCode}:5` });
    await telegramSaid(TG_RESIDENT, /Đã ghi nhận đánh giá 5\/5/);
    await telegram(TG_RESIDENT, { text: 'Cán bộ trả lời nhanh, rõ ràng' });
    await telegramSaid(TG_RESIDENT, /Đã ghi nhận góp ý/);
    await telegram(TG_RESIDENT, { data: `inquiry:rate:${tgCode}:2` });
    await telegramSaid(TG_RESIDENT, /đã đánh giá câu trả lời/);

    const db = env.runtime.database.db;
    const [row] = await db.select().from(inquiries).where(eq(inquiries.code, tgCode));
    expect(row).toMatchObject({ rating: 5, ratingComment: 'Cán bộ trả lời nhanh, rõ ràng' });
    const rated = await db.select().from(auditLog).where(eq(auditLog.subject, tgCode));
    expect(rated.filter((a) => a.action === 'inquiry.rated').map((a) => a.actor)).toEqual([`resident:telegram:${TG_RESIDENT}`]);
  }, 60_000);

  it('web chat: the answer comes with the score buttons through the updates poll; a tap then "Bỏ qua"', async () => {
    await chat(env.baseUrl, { sessionId: 'rating-web', text: 'gặp cán bộ' });
    const done = await chat(env.baseUrl, { sessionId: 'rating-web', text: 'Xin hỏi thủ tục cấp lại giấy khai sinh bị mất' });
    webCode = /HD-[2-9A-HJ-NP-Z]{5}/.exec(done.json.replies[0].text)![0];
    await answer(webCode, 'Anh/chị mang CCCD đến bộ phận một cửa để làm thủ tục cấp bản sao.');
    const updates = (await (await chatUpdates(env.baseUrl, 'rating-web', done.json.lastId)).json()) as any;
    const actions = updates.messages[0].buttons.map((b: { action: string }) => b.action);
    expect(actions).toContain(`inquiry:rate:${webCode}:2`);
    const rated = await chat(env.baseUrl, { sessionId: 'rating-web', action: `inquiry:rate:${webCode}:2` });
    expect(rated.json.replies[0].text).toContain('Đã ghi nhận đánh giá 2/5 (chưa hài lòng)');
    const skipped = await chat(env.baseUrl, { sessionId: 'rating-web', action: 'inquiry:rating-skip' });
    expect(skipped.json.replies[0].text).toContain('Cảm ơn anh/chị đã đánh giá');
    const [row] = await env.runtime.database.db.select().from(inquiries).where(eq(inquiries.code, webCode));
    expect(row).toMatchObject({ rating: 2, ratingComment: null });
  });

  it('Zalo OA: the answer writes the scores out; "đánh giá 4 …" stores score and comment', async () => {
    await zalo(ZALO_RESIDENT, 'gặp cán bộ');
    await zaloSaid(ZALO_RESIDENT, /nhập câu hỏi/);
    await zalo(ZALO_RESIDENT, 'Cho hỏi thời gian đóng học phí trường mầm non của xã');
    const queued = await zaloSaid(ZALO_RESIDENT, /Mã câu hỏi: HD-/);
    const code = /HD-[2-9A-HJ-NP-Z]{5}/.exec(JSON.stringify(queued.message))![0];
    await answer(code, 'Học phí đóng trước ngày 10 hằng tháng tại trường.');
    const answered = await zaloSaid(ZALO_RESIDENT, /trước ngày 10 hằng tháng/);
    const text = JSON.stringify(answered.message);
    expect(text).toContain('5 – rất hài lòng');
    expect(text).toContain('đánh giá 5');
    await zalo(ZALO_RESIDENT, 'đánh giá 4 trả lời rất nhanh');
    await zaloSaid(ZALO_RESIDENT, /Đã ghi nhận đánh giá 4\/5/);
    const [row] = await env.runtime.database.db.select().from(inquiries).where(eq(inquiries.code, code));
    expect(row).toMatchObject({ rating: 4, ratingComment: 'trả lời rất nhanh' });
  }, 60_000);

  it('staff see the rating and comment on the question, and in the history list', async () => {
    const { cookie } = await signIn(env.baseUrl, 'motcua-a');
    const page = await (await fetch(`${env.baseUrl}/console/inbox/${tgCode}`, { headers: { cookie } })).text();
    expect(page).toContain('Đánh giá của người dân');
    expect(page).toContain('<strong>5/5</strong> (Rất hài lòng)');
    expect(page).toContain('Góp ý: Cán bộ trả lời nhanh, rõ ràng');
    expect(page).toMatch(/trả lời sau .* làm việc|trả lời sau dưới 1 phút làm việc/);
    const history = await (await fetch(`${env.baseUrl}/console/inbox?view=answered`, { headers: { cookie } })).text();
    expect(history).toContain('đánh giá 5/5');
    expect(history).toContain('đánh giá 2/5');
    expect(history).toContain('đánh giá 4/5');
  });

  it('the statistics API counts each commune’s own questions and ratings only', async () => {
    await chat(env.baseUrl, { sessionId: 'rating-web-b', text: 'gặp cán bộ' }, '?commune=xa-ben-canh');
    await chat(env.baseUrl, { sessionId: 'rating-web-b', text: 'Hỏi lịch họp thôn (xã bên cạnh)' }, '?commune=xa-ben-canh');
    const today = localDate(new Date());
    const query = `from=${addDays(today, -1)}&to=${today}`; // the day before too: a run across midnight counts the same
    const a = await signIn(env.baseUrl, 'motcua-a');
    const own = await fetch(`${env.baseUrl}/api/v1/stats/inquiries?${query}`, { headers: { cookie: a.cookie } });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({
      received: 3,
      answered: 3,
      ratings: 3,
      ratingAverage: 3.67,
      ratingDistribution: [0, 1, 0, 1, 1],
    });
    const foreign = await fetch(`${env.baseUrl}/api/v1/stats/inquiries?${query}&commune=xa-ben-canh`, {
      headers: { cookie: a.cookie },
    });
    expect(foreign.status).toBe(404);
    const b = await signIn(env.baseUrl, 'lanhdao-b');
    const other = await fetch(`${env.baseUrl}/api/v1/stats/inquiries?${query}`, { headers: { cookie: b.cookie } });
    expect(await other.json()).toMatchObject({ received: 1, answered: 0, ratings: 0, ratingAverage: null });
    const bad = await fetch(`${env.baseUrl}/api/v1/stats/inquiries?from=2026-13-01`, { headers: { cookie: b.cookie } });
    expect(bad.status).toBe(422);
  });
});
