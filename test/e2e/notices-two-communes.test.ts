import { readFileSync } from 'node:fs';
import { and, eq, inArray, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows } from '../../src/db/client.js';
import { auditLog, channelAccounts, communes, noticeDeliveries, noticeHamlets } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase, onPostgres } from '../helpers/db.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/**
 * Issue 17: two communes on one installation, each with its own Telegram bot, web chat and staff. A notice of
 * one commune reaches only that commune's subscribers (through that commune's bot), and the other commune's
 * staff can neither see nor act on it, through the API or the console. Both communes have a hamlet called
 * "Thôn Đông", and one Telegram user follows both bots, so a filter by hamlet name or by chat id alone would
 * show. All names and data are synthetic.
 */
const SLUG_A = 'xa-thu-nghiem'; // the default commune of startTestRuntime
const SLUG_B = 'xa-ben-kia';
const TOKEN_A = '7000000021:TEST-token-commune-a';
const SECRET_A = 'two_communes_secret_a-1';
const KEY_B = '7000000022';
const TOKEN_B = `${KEY_B}:TEST-token-commune-b`;
const SECRET_B = 'two_communes_secret_b-1';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));

type Who = { cookie: string; csrf: string };
let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeA: number;
let communeB: number;
const hamlet = { aDong: 0, aTay: 0, bDong: 0, bBac: 0 };
const staff = {} as Record<'aAdmin' | 'aOfficer' | 'aLeader' | 'bAdmin' | 'bOfficer' | 'bLeader', Who>;
let updateId = 990000;

// Residents. TG_BOTH follows both bots (the same Telegram user id in two communes): Thôn Đông in A, Thôn Bắc in B.
const TG_BOTH = 5400000001;
const TG_A_TAY = 5400000002;
const TG_B_DONG = 5400000011;
const WEB_A_DONG = 'two-communes-web-a-dong';
const WEB_B_DONG = 'two-communes-web-b-dong';
const WEB_B_BAC = 'two-communes-web-b-bac';

function telegramText(bot: 'a' | 'b', chatId: number, text: string) {
  const u = structuredClone(fixture);
  u.update_id = ++updateId;
  u.message.message_id = updateId;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  u.message.text = text;
  return fetch(`${env.baseUrl}/webhooks/telegram${bot === 'a' ? '' : `/${KEY_B}`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': bot === 'a' ? SECRET_A : SECRET_B },
    body: JSON.stringify(u),
  });
}

async function subscribeTelegram(bot: 'a' | 'b', chatId: number, hamletName: string) {
  const token = bot === 'a' ? TOKEN_A : TOKEN_B;
  for (const [text, expected] of [
    ['Đăng ký nhận thông báo', 'ấp, thôn'],
    [hamletName, 'chủ đề nào'],
    ['xong', 'Đã đăng ký nhận thông báo'],
  ]) {
    const before = tg.sent({ token, chatId }).length;
    expect((await telegramText(bot, chatId, text)).status).toBe(200);
    await until(() =>
      tg
        .sent({ token, chatId })
        .slice(before)
        .find((s) => String(s.payload.text).includes(expected)),
    );
  }
}

const webQuery = (slug?: string) => (slug ? `?commune=${slug}` : '');

async function subscribeWeb(session: string, slug: string | undefined, hamletName: string) {
  const ask = await chat(env.baseUrl, { sessionId: session, text: 'đăng ký nhận thông báo' }, webQuery(slug));
  const button = ask.json.replies[0].buttons.find((b: { label: string }) => b.label === hamletName);
  expect(button, `${hamletName} offered in ${slug ?? SLUG_A}`).toBeDefined();
  await chat(env.baseUrl, { sessionId: session, action: button.action }, webQuery(slug));
  const done = await chat(env.baseUrl, { sessionId: session, text: 'xong' }, webQuery(slug));
  expect(done.json.replies[0].text).toContain('Đã đăng ký nhận thông báo');
  expect(done.json.replies[0].text).toContain(hamletName);
}

function api(path: string, who: Who, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  return fetch(`${env.baseUrl}${path}`, {
    method,
    headers: {
      cookie: who.cookie,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': who.csrf }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function consoleGet(path: string, who: Who) {
  return fetch(`${env.baseUrl}${path}`, { headers: { cookie: who.cookie }, redirect: 'manual' });
}

function consolePost(path: string, who: Who, fields: Record<string, string> = {}) {
  return fetch(`${env.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: env.baseUrl },
    body: new URLSearchParams({ _csrf: who.csrf, ...fields }).toString(),
  });
}

/** Every Telegram call of one bot (any method, any chat) that mentions `title`. */
const botCalls = (token: string, title: string, chatId?: number) =>
  tg.requests.filter(
    (r) =>
      r.token === token &&
      (chatId === undefined || String(r.payload.chat_id) === String(chatId)) &&
      JSON.stringify(r.payload).includes(title),
  );

/** The notices a web chat session pulled, in the commune of `slug` (the default commune without one). */
async function webNotices(session: string, slug: string | undefined, title: string) {
  const res = await chatUpdates(env.baseUrl, session, 0, slug ? `&commune=${slug}` : '');
  expect(res.status).toBe(200);
  const r = (await res.json()) as { messages: { text: string; buttons?: { label: string; url?: string }[] }[] };
  return r.messages.filter((m) => m.text.includes(title));
}

/** Waits until the notice is sent and nothing is pending, then checks how many received it; returns the report. */
async function settled(id: number, who: Who, recipients: number) {
  const r = await until(async () => {
    const got = (await (await api(`/api/v1/notices/${id}`, who)).json()) as any;
    return got.notice.status === 'sent' && got.report.pending === 0 ? got : undefined;
  });
  expect(r.report).toMatchObject({ recipients, sent: recipients, failed: 0, blocked: 0, outsideWindow: 0 });
  return r;
}

async function noticeAudit(id: number) {
  return database.db
    .select({ communeId: auditLog.communeId, action: auditLog.action, actor: auditLog.actor })
    .from(auditLog)
    .where(and(eq(auditLog.subject, String(id)), like(auditLog.action, 'notice.%')));
}

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  // Commune B and its own bot exist before the runtime starts, as on a province platform; commune A (the
  // default) and its bot come from the environment.
  [{ id: communeB }] = await database.db
    .insert(communes)
    .values({
      slug: SLUG_B,
      name: 'Xã Bên Kia',
      province: 'Tỉnh Thử',
      address: 'UBND xã Bên Kia',
      phone: '0237 2',
      hoursText: '7:30–17:00',
    })
    .returning({ id: communes.id });
  await database.db.insert(channelAccounts).values({
    communeId: communeB,
    channel: 'telegram',
    accountKey: KEY_B,
    config: { token: TOKEN_B, secret: SECRET_B, apiRoot: tg.apiRoot },
  });
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN_A, TELEGRAM_WEBHOOK_SECRET: SECRET_A, TELEGRAM_API_ROOT: tg.apiRoot, SEED_CATALOG: 'false' },
    { database },
  );
  communeA = env.runtime.defaultCommune.id;
  expect(communeA).not.toBe(communeB);
  const add = async (communeId: number, name: string, position: number) =>
    (await database.db.insert(noticeHamlets).values({ communeId, name, position }).returning())[0].id;
  hamlet.aDong = await add(communeA, 'Thôn Đông', 1);
  hamlet.aTay = await add(communeA, 'Thôn Tây', 2);
  hamlet.bDong = await add(communeB, 'Thôn Đông', 1);
  hamlet.bBac = await add(communeB, 'Thôn Bắc', 2);

  const people: [keyof typeof staff, string, number][] = [
    ['aAdmin', 'admin', communeA],
    ['aOfficer', 'officer', communeA],
    ['aLeader', 'leader', communeA],
    ['bAdmin', 'admin', communeB],
    ['bOfficer', 'officer', communeB],
    ['bLeader', 'leader', communeB],
  ];
  for (const [key, role, communeId] of people) {
    const username = `hx.${key.toLowerCase()}`;
    await addStaff(env.runtime.database, username, role, communeId, `Cán Bộ Thử ${key}`);
    staff[key] = await signIn(env.baseUrl, username);
  }

  await subscribeTelegram('a', TG_BOTH, 'Thôn Đông');
  await subscribeTelegram('a', TG_A_TAY, 'Thôn Tây');
  await subscribeTelegram('b', TG_BOTH, 'Thôn Bắc');
  await subscribeTelegram('b', TG_B_DONG, 'Thôn Đông');
  await subscribeWeb(WEB_A_DONG, undefined, 'Thôn Đông');
  await subscribeWeb(WEB_B_DONG, SLUG_B, 'Thôn Đông');
  await subscribeWeb(WEB_B_BAC, SLUG_B, 'Thôn Bắc');
}, 180_000);

afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe(`notices never cross communes (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('each commune counts only its own subscribers, and refuses the other commune’s hamlet ids', async () => {
    expect(await (await api('/api/v1/notices/preview', staff.aOfficer)).json()).toEqual({
      total: 3,
      byChannel: { telegram: 2, web: 1 },
    });
    expect(await (await api('/api/v1/notices/preview', staff.bOfficer)).json()).toEqual({
      total: 4,
      byChannel: { telegram: 2, web: 2 },
    });
    expect(await (await api(`/api/v1/notices/preview?hamlets=${hamlet.aDong}`, staff.aOfficer)).json()).toEqual({
      total: 2,
      byChannel: { telegram: 1, web: 1 },
    });
    expect(await (await api(`/api/v1/notices/preview?hamlets=${hamlet.bDong}`, staff.bOfficer)).json()).toEqual({
      total: 2,
      byChannel: { telegram: 1, web: 1 },
    });
    // A's "Thôn Đông" is not B's, although the names are the same.
    expect((await api(`/api/v1/notices/preview?hamlets=${hamlet.aDong}`, staff.bOfficer)).status).toBe(422);
    expect((await api('/api/v1/notices', staff.bOfficer, { title: 'Sai xã', text: 'x', hamlets: [hamlet.aDong] })).status).toBe(
      422,
    );
    const list = (await (await api('/api/v1/notices', staff.bOfficer)).json()) as any;
    expect(list.hamlets.map((h: { id: number }) => h.id)).toEqual([hamlet.bDong, hamlet.bBac]);
  });

  it('approval is switched on for A only', async () => {
    const on = await api('/api/v1/notice-settings', staff.aAdmin, { requireApproval: true }, 'PUT');
    expect(on.status).toBe(200);
    expect(await (await api('/api/v1/notice-settings', staff.aOfficer)).json()).toEqual({ requireApproval: true });
    expect(await (await api('/api/v1/notice-settings', staff.bOfficer)).json()).toEqual({ requireApproval: false });
  });

  const TITLE_A = 'Lịch tiêm chủng Thôn Đông xã A';
  const PDF_A = Buffer.from('%PDF-1.4\n% synthetic attachment of commune A\n%%EOF\n');
  let noticeA: number;

  it("A's notice (with a PDF) awaiting approval: B's staff can neither see nor act on it", async () => {
    const created = await api('/api/v1/notices', staff.aOfficer, {
      title: TITLE_A,
      text: 'Sáng thứ Bảy tiêm chủng tại nhà văn hóa Thôn Đông.',
      hamlets: [hamlet.aDong],
    });
    expect(created.status).toBe(201);
    noticeA = ((await created.json()) as any).notice.id;
    const up = await fetch(`${env.baseUrl}/api/v1/notices/${noticeA}/attachment?name=lich-tiem`, {
      method: 'PUT',
      headers: { cookie: staff.aOfficer.cookie, 'x-csrf-token': staff.aOfficer.csrf, 'content-type': 'application/pdf' },
      body: new Uint8Array(PDF_A),
    });
    expect(up.status).toBe(201);
    const submitted = (await (await api(`/api/v1/notices/${noticeA}/send`, staff.aOfficer, {})).json()) as any;
    expect(submitted.notice.status).toBe('awaiting_approval');

    // B's staff, through the API: every route of one notice is a 404, as for an id that does not exist.
    for (const who of [staff.bAdmin, staff.bOfficer, staff.bLeader]) {
      expect((await api(`/api/v1/notices/${noticeA}`, who)).status).toBe(404);
      const list = (await (await api('/api/v1/notices', who)).json()) as any;
      expect(list.notices.map((n: { id: number }) => n.id)).not.toContain(noticeA);
    }
    expect((await api(`/api/v1/notices/${noticeA}/send`, staff.bOfficer, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeA}/cancel`, staff.bOfficer, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeA}/approve`, staff.bLeader, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeA}/approve`, staff.bAdmin, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeA}/reject`, staff.bLeader, { reason: 'Không phải của xã tôi.' })).status).toBe(
      404,
    );
    const swap = await fetch(`${env.baseUrl}/api/v1/notices/${noticeA}/attachment?name=tep-la`, {
      method: 'PUT',
      headers: { cookie: staff.bAdmin.cookie, 'x-csrf-token': staff.bAdmin.csrf, 'content-type': 'application/pdf' },
      body: new Uint8Array(Buffer.from('%PDF-1.4\n% not of commune A\n')),
    });
    expect(swap.status).toBe(404);
    // Naming A's slug does not switch a commune-bound account into A.
    expect((await api(`/api/v1/notices/${noticeA}?commune=${SLUG_A}`, staff.bAdmin)).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeA}/approve?commune=${SLUG_A}`, staff.bAdmin, {})).status).toBe(404);

    // B's staff, through the console.
    for (const path of [`/console/notices/${noticeA}`, `/console/notices/${noticeA}/attachment`]) {
      const res = await consoleGet(path, staff.bAdmin);
      expect(res.status, path).toBe(404);
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.includes(TITLE_A), path).toBe(false);
      expect(body.includes(PDF_A), path).toBe(false);
    }
    const listPage = await (await consoleGet('/console/notices', staff.bAdmin)).text();
    expect(listPage).not.toContain(TITLE_A);
    for (const [path, fields] of [
      [`/console/notices/${noticeA}/send`, {}],
      [`/console/notices/${noticeA}/cancel`, {}],
      [`/console/notices/${noticeA}/approve`, {}],
      [`/console/notices/${noticeA}/reject`, { reason: 'Không phải của xã tôi.' }],
    ] as const) {
      const res = await consolePost(path, staff.bAdmin, fields);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain(TITLE_A);
    }

    // Nothing of that changed A's notice, its file, or went out.
    const still = (await (await api(`/api/v1/notices/${noticeA}`, staff.aLeader)).json()) as any;
    expect(still.notice).toMatchObject({ status: 'awaiting_approval', decidedBy: null, rejectReason: null });
    expect(still.attachment).toMatchObject({ kind: 'pdf', name: 'lich-tiem.pdf', size: PDF_A.length });
    const ownFile = await consoleGet(`/console/notices/${noticeA}/attachment`, staff.aLeader);
    expect(Buffer.from(await ownFile.arrayBuffer()).equals(PDF_A)).toBe(true);
    expect(await database.db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, noticeA))).toEqual([]);
  });

  it("once A's leader approves, only A's Thôn Đông receives it, through A's bot and A's web chat", async () => {
    const ok = await api(`/api/v1/notices/${noticeA}/approve`, staff.aLeader, {});
    expect(ok.status).toBe(200);
    const report = await settled(noticeA, staff.aLeader, 2);
    expect(report.report.byChannel).toEqual({
      telegram: { sent: 1, pending: 0, failed: 0, blocked: 0, outsideWindow: 0 },
      web: { sent: 1, pending: 0, failed: 0, blocked: 0, outsideWindow: 0 },
    });

    // The PDF went to TG_BOTH through A's bot, once.
    const docs = tg.calls('sendDocument', TOKEN_A).filter((c) => c.files.document?.filename === 'lich-tiem.pdf');
    expect(docs.map((c) => String(c.payload.chat_id))).toEqual([String(TG_BOTH)]);
    expect(docs[0].files.document.data.equals(PDF_A)).toBe(true);
    expect(botCalls(TOKEN_A, TITLE_A, TG_BOTH).length).toBeGreaterThan(0);
    expect(botCalls(TOKEN_A, TITLE_A, TG_A_TAY)).toEqual([]);
    // B's bot sent nothing of it to anyone: not to TG_BOTH (who follows B too), not to B's own Thôn Đông.
    expect(botCalls(TOKEN_B, TITLE_A)).toEqual([]);
    expect(tg.calls('sendDocument', TOKEN_B)).toEqual([]);

    const [web] = await webNotices(WEB_A_DONG, undefined, TITLE_A);
    expect(web).toBeDefined();
    expect(await webNotices(WEB_B_DONG, SLUG_B, TITLE_A)).toEqual([]);
    expect(await webNotices(WEB_B_BAC, SLUG_B, TITLE_A)).toEqual([]);
    // A's resident pulling the same session through B's web chat does not find it there either.
    expect(await webNotices(WEB_A_DONG, SLUG_B, TITLE_A)).toEqual([]);
    const recent = await chat(env.baseUrl, { sessionId: WEB_B_DONG, text: 'xem thông báo gần đây' }, webQuery(SLUG_B));
    expect(recent.json.replies[0].text).not.toContain(TITLE_A);

    const deliveries = await database.db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, noticeA));
    expect(deliveries.map((d) => [d.communeId, d.channel]).sort()).toEqual([
      [communeA, 'telegram'],
      [communeA, 'web'],
    ]);

    // The file's public address is one per notice (a random token), not per commune: no slug-scoped copy.
    const link = web.buttons?.find((b) => b.url?.startsWith('notices/files/'))?.url;
    expect(link).toBeDefined();
    expect((await fetch(`${env.baseUrl}/${link}`)).status).toBe(200);
    expect((await fetch(`${env.baseUrl}/${SLUG_B}/${link}`)).status).toBe(404);
  });

  it("B's staff still cannot read A's sent notice or its delivery report", async () => {
    for (const who of [staff.bAdmin, staff.bLeader, staff.bOfficer]) {
      const res = await api(`/api/v1/notices/${noticeA}`, who);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain(TITLE_A);
    }
    expect((await consoleGet(`/console/notices/${noticeA}`, staff.bLeader)).status).toBe(404);
    expect((await consoleGet(`/console/notices/${noticeA}/attachment`, staff.bLeader)).status).toBe(404);
  });

  it("A's audit trail of its notice is in A only", async () => {
    const rows = await noticeAudit(noticeA);
    expect(rows.map((r) => r.action).sort()).toEqual([
      'notice.approved',
      'notice.attachment_set',
      'notice.created',
      'notice.sent',
      'notice.submitted',
    ]);
    expect(new Set(rows.map((r) => r.communeId))).toEqual(new Set([communeA]));
    const bRows = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.communeId, communeB), like(auditLog.action, 'notice.%')));
    expect(bRows).toEqual([]);
  });

  const TITLE_A_ALL = 'Thông báo chung toàn xã A';
  it("A's notice to everyone (composed and approved in the console) still reaches A's residents only", async () => {
    // Without a hamlet there is no hamlet id to keep it in A: only the commune filter does.
    const created = await consolePost('/console/notices', staff.aOfficer, {
      title: TITLE_A_ALL,
      text: 'Lịch tiếp dân của xã A tuần này.',
      mode: 'now',
    });
    expect(created.status).toBe(200);
    expect(await created.text()).toContain('Đã chuyển thông báo để lãnh đạo duyệt');
    const [{ id }] = await execRows<{ id: number }>(database.db, sql`select id from notices where title = ${TITLE_A_ALL}`);
    expect((await consolePost(`/console/notices/${id}/approve`, staff.bLeader)).status).toBe(404);
    const approved = await consolePost(`/console/notices/${id}/approve`, staff.aLeader);
    expect(approved.status).toBe(200);
    expect(await approved.text()).toContain('Đã duyệt và bắt đầu gửi thông báo.');
    await settled(Number(id), staff.aLeader, 3);

    expect(
      botCalls(TOKEN_A, TITLE_A_ALL)
        .map((c) => Number(c.payload.chat_id))
        .sort(),
    ).toEqual([TG_BOTH, TG_A_TAY]);
    expect(botCalls(TOKEN_B, TITLE_A_ALL)).toEqual([]);
    expect(await webNotices(WEB_A_DONG, undefined, TITLE_A_ALL)).toHaveLength(1);
    expect(await webNotices(WEB_B_DONG, SLUG_B, TITLE_A_ALL)).toEqual([]);
    expect(await webNotices(WEB_B_BAC, SLUG_B, TITLE_A_ALL)).toEqual([]);
    expect(new Set((await noticeAudit(Number(id))).map((r) => r.communeId))).toEqual(new Set([communeA]));
  });

  const TITLE_B = 'Cắt điện Thôn Đông xã B';
  let noticeB: number;
  it("B's notice to its own Thôn Đông (no approval in B) reaches B's Thôn Đông only, not A's", async () => {
    const created = await consolePost('/console/notices', staff.bOfficer, {
      title: TITLE_B,
      text: 'Chiều mai cắt điện để sửa đường dây ở Thôn Đông.',
      hamlets: String(hamlet.bDong),
      mode: 'now',
    });
    expect(created.status).toBe(200);
    expect(await created.text()).toContain('Đã bắt đầu gửi thông báo.');
    const list = (await (await api('/api/v1/notices', staff.bLeader)).json()) as any;
    noticeB = list.notices.find((n: { title: string }) => n.title === TITLE_B).id;
    const report = await settled(noticeB, staff.bLeader, 2);
    expect(report.notice.hamlets).toEqual([hamlet.bDong]);

    expect(botCalls(TOKEN_B, TITLE_B).map((c) => Number(c.payload.chat_id))).toEqual([TG_B_DONG]);
    // TG_BOTH lives in A's Thôn Đông and B's Thôn Bắc: neither bot brings them B's Thôn Đông notice.
    expect(botCalls(TOKEN_B, TITLE_B, TG_BOTH)).toEqual([]);
    expect(botCalls(TOKEN_A, TITLE_B)).toEqual([]);
    expect(await webNotices(WEB_B_DONG, SLUG_B, TITLE_B)).toHaveLength(1);
    expect(await webNotices(WEB_B_BAC, SLUG_B, TITLE_B)).toEqual([]);
    expect(await webNotices(WEB_A_DONG, undefined, TITLE_B)).toEqual([]);
    expect(await webNotices(WEB_A_DONG, SLUG_B, TITLE_B)).toEqual([]);
    const recent = await chat(env.baseUrl, { sessionId: WEB_A_DONG, text: 'xem thông báo gần đây' });
    expect(recent.json.replies[0].text).not.toContain(TITLE_B);
  });

  it("A's staff cannot see or act on B's notice, and B's audit trail is in B only", async () => {
    for (const who of [staff.aAdmin, staff.aLeader, staff.aOfficer]) {
      expect((await api(`/api/v1/notices/${noticeB}`, who)).status).toBe(404);
      const list = (await (await api('/api/v1/notices', who)).json()) as any;
      expect(list.notices.map((n: { id: number }) => n.id)).not.toContain(noticeB);
    }
    expect((await api(`/api/v1/notices/${noticeB}/cancel`, staff.aAdmin, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${noticeB}?commune=${SLUG_B}`, staff.aAdmin)).status).toBe(404);
    expect((await consoleGet(`/console/notices/${noticeB}`, staff.aAdmin)).status).toBe(404);
    expect((await consolePost(`/console/notices/${noticeB}/send`, staff.aAdmin)).status).toBe(404);

    const rows = await noticeAudit(noticeB);
    expect(rows.map((r) => r.action).sort()).toEqual(['notice.created', 'notice.sent']);
    expect(new Set(rows.map((r) => r.communeId))).toEqual(new Set([communeB]));
    const sentRow = await database.db
      .select({ details: auditLog.details })
      .from(auditLog)
      .where(and(eq(auditLog.subject, String(noticeB)), eq(auditLog.action, 'notice.sent')));
    expect(sentRow[0].details).toMatchObject({ recipients: 2, byChannel: { telegram: 1, web: 1 } });
    const deliveries = await database.db
      .select({ communeId: noticeDeliveries.communeId })
      .from(noticeDeliveries)
      .where(inArray(noticeDeliveries.noticeId, [noticeB]));
    expect(deliveries).toEqual([{ communeId: communeB }, { communeId: communeB }]);
  });
});
