import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communes, noticeHamlets } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

const TOKEN = '7000000002:TEST-token-for-notices';
const SECRET = 'notices_webhook_secret-1';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));

let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let admin: { cookie: string; csrf: string };
let leader: { cookie: string; csrf: string };
let hamletId: number;
let updateId = 970000;

function telegramText(chatId: number, text: string) {
  const u = structuredClone(fixture);
  u.update_id = ++updateId;
  u.message.message_id = updateId;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  u.message.text = text;
  return fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
}

function api(path: string, who: { cookie: string; csrf: string }, body?: unknown, csrf = true) {
  return fetch(`${env.baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      cookie: who.cookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body !== undefined && csrf ? { 'x-csrf-token': who.csrf } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: tg.apiRoot, SEED_CATALOG: 'false' },
    { database },
  );
  const communeId = env.runtime.defaultCommune.id;
  [{ id: hamletId }] = await database.db.insert(noticeHamlets).values({ communeId, name: 'Thôn Đông', position: 1 }).returning();
  await addStaff(env.runtime.database, 'tb.quantri', 'admin', communeId, 'Nguyễn Quản Trị');
  await addStaff(env.runtime.database, 'tb.lanhdao', 'leader', communeId, 'Lê Lãnh Đạo');
  admin = await signIn(env.baseUrl, 'tb.quantri');
  leader = await signIn(env.baseUrl, 'tb.lanhdao');
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe('notices end to end: residents subscribe on the web chat and Telegram, staff send, both receive', () => {
  const session = 'notice-web-session-1';
  const tgChat = 5200000001;

  it('a web chat resident subscribes: hamlet, topics, "xong"', async () => {
    const ask = await chat(env.baseUrl, { sessionId: session, text: 'đăng ký nhận thông báo' });
    expect(ask.status).toBe(200);
    expect(ask.json.replies[0].text).toContain('ấp, thôn');
    const thon = ask.json.replies[0].buttons.find((b: { label: string }) => b.label === 'Thôn Đông');
    const topics = await chat(env.baseUrl, { sessionId: session, action: thon.action });
    expect(topics.json.replies[0].text).toContain('Thiên tai – thời tiết');
    const done = await chat(env.baseUrl, { sessionId: session, text: 'xong' });
    expect(done.json.replies[0].text).toContain('Đã đăng ký nhận thông báo');
  });

  it('a Telegram resident subscribes through the webhook, answered through the fake Bot API', async () => {
    expect((await telegramText(tgChat, 'Đăng ký nhận thông báo')).status).toBe(200);
    await until(() => tg.sent({ token: TOKEN, chatId: tgChat }).find((s) => String(s.payload.text).includes('ấp, thôn')));
    expect((await telegramText(tgChat, 'không chọn')).status).toBe(200);
    await until(() => tg.sent({ token: TOKEN, chatId: tgChat }).find((s) => String(s.payload.text).includes('chủ đề nào')));
    expect((await telegramText(tgChat, 'xong')).status).toBe(200);
    await until(() =>
      tg.sent({ token: TOKEN, chatId: tgChat }).find((s) => String(s.payload.text).includes('Đã đăng ký nhận thông báo')),
    );
  });

  let noticeId: number;
  it('staff preview the audience per channel, compose and send; both residents receive the notice once', async () => {
    const all = await (await api('/api/v1/notices/preview', admin)).json();
    expect(all).toEqual({ total: 2, byChannel: { telegram: 1, web: 1 } });
    const village = await (await api(`/api/v1/notices/preview?hamlets=${hamletId}`, leader)).json();
    expect(village).toEqual({ total: 1, byChannel: { web: 1 } });

    const created = await api('/api/v1/notices', admin, {
      title: 'Cảnh báo mưa lớn',
      text: 'Đêm nay có mưa lớn, bà con chú ý gia cố nhà cửa.',
      link: 'https://example.org/canh-bao',
    });
    expect(created.status).toBe(201);
    noticeId = ((await created.json()) as any).notice.id;
    const sent = await api(`/api/v1/notices/${noticeId}/send`, admin, {});
    expect(sent.status).toBe(202);

    const web = await until(async () => {
      const r = (await (await chatUpdates(env.baseUrl, session)).json()) as any;
      const m = r.messages.filter((x: { text: string }) => x.text.includes('Cảnh báo mưa lớn'));
      return m.length ? m : undefined;
    });
    expect(web).toHaveLength(1);
    expect(web[0].text).toContain('https://example.org/canh-bao');
    const tgMsgs = await until(() => {
      const m = tg.sent({ token: TOKEN, chatId: tgChat }).filter((s) => String(s.payload.text).includes('Cảnh báo mưa lớn'));
      return m.length ? m : undefined;
    });
    expect(tgMsgs).toHaveLength(1);

    const report = await until(async () => {
      const r = (await (await api(`/api/v1/notices/${noticeId}`, leader)).json()) as any;
      return r.report.sent === 2 ? r : undefined;
    });
    expect(report.notice.status).toBe('sent');
    expect(report.report).toMatchObject({ recipients: 2, sent: 2, pending: 0, failed: 0, blocked: 0 });

    const list = (await (await api('/api/v1/notices', leader)).json()) as any;
    expect(list.notices[0]).toMatchObject({ id: noticeId, status: 'sent', title: 'Cảnh báo mưa lớn' });
    expect(list.topics).toHaveLength(6);
  });

  it('"xem thông báo gần đây" lists it in the chat it was sent to', async () => {
    const r = await chat(env.baseUrl, { sessionId: session, text: 'xem thông báo gần đây' });
    expect(r.json.replies[0].text).toContain('Cảnh báo mưa lớn');
  });

  it('refuses leaders writing (403), writes without the CSRF token (403), bad input (422) and unknown ids (404)', async () => {
    expect((await api('/api/v1/notices', leader, { title: 'x', text: 'y' })).status).toBe(403);
    expect((await api('/api/v1/notices', admin, { title: 'x', text: 'y' }, false)).status).toBe(403);
    const bad = await api('/api/v1/notices', admin, { title: '', text: 'y', link: 'javascript:alert(1)' });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).fieldErrors).toMatchObject({ title: expect.any(String), link: expect.any(String) });
    expect((await api('/api/v1/notices', admin, { title: 'x', text: 'y', scheduledAt: 'mai' })).status).toBe(400);
    expect((await api('/api/v1/notices/preview?hamlets=999999', admin)).status).toBe(422);
    expect((await api('/api/v1/notices/999999', admin)).status).toBe(404);
    expect((await api('/api/v1/notices/abc', admin)).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeId}/cancel`, admin, {})).status).toBe(409);
    expect((await api(`/api/v1/notices/${noticeId}/send`, admin, {})).status).toBe(409);
  });

  it("another commune's staff do not see the notice (404)", async () => {
    const [other] = await database.db
      .insert(communes)
      .values({
        slug: 'xa-khac',
        name: 'Xã Khác',
        province: 'Tỉnh Thử',
        address: 'UBND',
        phone: '0237 1',
        hoursText: '7:30–17:00',
      })
      .returning();
    await addStaff(env.runtime.database, 'tb.khac', 'admin', other.id, 'Phạm Xã Khác');
    const them = await signIn(env.baseUrl, 'tb.khac');
    expect((await api(`/api/v1/notices/${noticeId}`, them)).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeId}/send`, them, {})).status).toBe(404);
    expect(((await (await api('/api/v1/notices', them)).json()) as any).notices).toEqual([]);
  });

  it('after "hủy nhận thông báo", the next notice does not reach the chat', async () => {
    const bye = await chat(env.baseUrl, { sessionId: session, text: 'hủy nhận thông báo' });
    expect(bye.json.replies[0].text).toContain('Đã hủy nhận thông báo');
    const created = (await (
      await api('/api/v1/notices', admin, { title: 'Lịch tiếp dân', text: 'Thứ Năm tuần này.' })
    ).json()) as any;
    await api(`/api/v1/notices/${created.notice.id}/send`, admin, {});
    const report = await until(async () => {
      const r = (await (await api(`/api/v1/notices/${created.notice.id}`, admin)).json()) as any;
      return r.report.sent === 1 ? r : undefined;
    });
    expect(report.report.byChannel).toEqual({ telegram: { sent: 1, pending: 0, failed: 0, blocked: 0, outsideWindow: 0 } });
  });
});
