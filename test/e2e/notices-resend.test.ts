import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditLog,
  channelAccounts,
  communes,
  noticeDeliveries,
  noticeSubscriptions,
  outboundMessages,
} from '../../src/db/schema/index.js';
import { subscribe } from '../../src/features/notices/service.js';
import { UNCERTAIN_SEND } from '../../src/pipeline/outbox/delivery-store.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase, onPostgres } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/**
 * Resending a notice to the residents whose copy is unconfirmed (in flight when a send was cut off, so counted
 * as sent and never sent again on its own): staff of the notice's commune reopen exactly those copies, in their
 * own outbox rows, and the delivery worker sends them through the platform (the fake Bot API) again. Copies
 * are made unconfirmed as settleUncertain leaves them (status sent, unconfirmed, last_error UNCERTAIN_SEND).
 * Synthetic data.
 */
const TOKEN_A = '7000000031:TEST-token-resend-a';
const SECRET_A = 'resend_secret_a-1';
const KEY_B = '7000000032';
const TOKEN_B = `${KEY_B}:TEST-token-resend-b`;

type Who = { cookie: string; csrf: string };
let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeA: number;
let communeB: number;
const staff = {} as Record<'aAdmin' | 'aOfficer' | 'aLeader' | 'bOfficer', Who & { id: number }>;
const A_CHATS = [5600000001, 5600000002, 5600000003];
const B_CHAT = 5600000011;

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

function consolePost(path: string, who: Who) {
  return fetch(`${env.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded', origin: env.baseUrl },
    body: new URLSearchParams({ _csrf: who.csrf }).toString(),
  });
}

const resend = (id: number | string, who: Who) => api(`/api/v1/notices/${id}/resend-unconfirmed`, who, {});

/** Compose and send a notice to everyone subscribed, and wait until every copy is confirmed. */
async function sendNotice(who: Who, title: string, recipients: number): Promise<number> {
  const created = await api('/api/v1/notices', who, { title, text: `${title}: nội dung thử nghiệm.` });
  expect(created.status).toBe(201);
  const id = ((await created.json()) as { notice: { id: number } }).notice.id;
  expect((await api(`/api/v1/notices/${id}/send`, who, {})).status).toBe(202);
  await until(async () => {
    const r = (await (await api(`/api/v1/notices/${id}`, who)).json()) as any;
    return r.notice.status === 'sent' && r.report.sent === recipients && r.report.pending === 0 ? r : undefined;
  });
  return id;
}

/** The outbox rows of a notice's copies, by chat. */
async function copies(noticeId: number) {
  const rows = await database.db
    .select({
      id: outboundMessages.id,
      chatId: outboundMessages.chatId,
      status: outboundMessages.status,
      unconfirmed: outboundMessages.unconfirmed,
      lastError: outboundMessages.lastError,
      attempts: outboundMessages.attempts,
      sendStartedAt: outboundMessages.sendStartedAt,
    })
    .from(noticeDeliveries)
    .innerJoin(outboundMessages, eq(outboundMessages.id, noticeDeliveries.outboundId))
    .where(eq(noticeDeliveries.noticeId, noticeId));
  return new Map(rows.map((r) => [Number(r.chatId), r]));
}

/** Settle some copies of a notice as a crash mid-send leaves them: sent, unconfirmed. */
async function makeUnconfirmed(noticeId: number, chats: number[], startedMinutesAgo = 10) {
  const rows = await copies(noticeId);
  const ids = chats.map((c) => rows.get(c)!.id);
  await database.db
    .update(outboundMessages)
    .set({
      status: 'sent',
      unconfirmed: true,
      lastError: UNCERTAIN_SEND,
      sendStartedAt: sql`now() - make_interval(mins => ${startedMinutesAgo})`,
    })
    .where(inArray(outboundMessages.id, ids));
}

const received = (token: string, chatId: number, title: string) =>
  tg.sent({ token, chatId }).filter((s) => String(s.payload.text).includes(title)).length;

const report = async (id: number, who: Who) => ((await (await api(`/api/v1/notices/${id}`, who)).json()) as any).report;

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  [{ id: communeB }] = await database.db
    .insert(communes)
    .values({
      slug: 'xa-gui-lai-b',
      name: 'Xã Gửi Lại B',
      province: 'Tỉnh Thử',
      address: 'UBND',
      phone: '0237 3',
      hoursText: '7:30–17:00',
    })
    .returning({ id: communes.id });
  await database.db.insert(channelAccounts).values({
    communeId: communeB,
    channel: 'telegram',
    accountKey: KEY_B,
    config: { token: TOKEN_B, secret: 'resend_secret_b-1', apiRoot: tg.apiRoot },
  });
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN_A, TELEGRAM_WEBHOOK_SECRET: SECRET_A, TELEGRAM_API_ROOT: tg.apiRoot, SEED_CATALOG: 'false' },
    { database },
  );
  communeA = env.runtime.defaultCommune.id;
  const people: [keyof typeof staff, string, number][] = [
    ['aAdmin', 'admin', communeA],
    ['aOfficer', 'officer', communeA],
    ['aLeader', 'leader', communeA],
    ['bOfficer', 'officer', communeB],
  ];
  for (const [key, role, communeId] of people) {
    const account = await addStaff(env.runtime.database, `gl.${key.toLowerCase()}`, role, communeId, `Cán Bộ Thử ${key}`);
    staff[key] = { ...(await signIn(env.baseUrl, `gl.${key.toLowerCase()}`)), id: account.id };
  }
  const sub = (communeId: number, chatId: number) =>
    subscribe(database.db, {
      communeId,
      channel: 'telegram',
      chatId: String(chatId),
      userId: String(chatId),
      hamletId: null,
      topicIds: [],
    });
  for (const c of A_CHATS) await sub(communeA, c);
  await sub(communeB, B_CHAT);
}, 180_000);

afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe(`resending a notice to residents whose copy is unconfirmed (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  const [t1, t2, t3] = A_CHATS;
  let mine: number;
  let sibling: number;
  let foreign: number;

  it('reopens only that notice’s unconfirmed copies in the caller’s commune, and the platform gets them again', async () => {
    mine = await sendNotice(staff.aOfficer, 'Lịch cắt điện thôn Đông', 3);
    sibling = await sendNotice(staff.aOfficer, 'Họp dân cuối năm', 3);
    foreign = await sendNotice(staff.bOfficer, 'Lịch cắt điện xã B', 1);
    await makeUnconfirmed(mine, [t1, t2]);
    await makeUnconfirmed(sibling, [t1]);
    await makeUnconfirmed(foreign, [B_CHAT]);
    expect(await report(mine, staff.aOfficer)).toMatchObject({ sent: 3, unconfirmed: 2 });
    const before = await copies(mine);

    // Another commune's staff, an unknown id and ids that are not ids: 404, nothing reopened.
    expect((await resend(mine, staff.bOfficer)).status).toBe(404);
    for (const bad of ['999999', 'abc', '1e3', '-1', '99999999999999999999'])
      expect((await resend(bad, staff.aOfficer)).status, bad).toBe(404);
    // A leader reads notices but does not send them while the commune requires no approval.
    expect((await resend(mine, staff.aLeader)).status).toBe(403);
    expect(await report(mine, staff.aOfficer)).toMatchObject({ unconfirmed: 2 });

    const res = await resend(mine, staff.aOfficer);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ reopened: 2 });

    // Sent again through the fake Bot API to the two, not to the resident whose copy was confirmed.
    await until(
      () => received(TOKEN_A, t1, 'Lịch cắt điện thôn Đông') === 2 && received(TOKEN_A, t2, 'Lịch cắt điện thôn Đông') === 2,
    );
    await until(async () => ((await report(mine, staff.aOfficer)).pending === 0 ? true : undefined));
    expect(received(TOKEN_A, t3, 'Lịch cắt điện thôn Đông')).toBe(1);
    expect(await report(mine, staff.aOfficer)).toMatchObject({ recipients: 3, sent: 3, unconfirmed: 0, pending: 0, failed: 0 });

    // The same rows, now confirmed: no second row for anyone, a fresh send's single attempt.
    const after = await copies(mine);
    expect([...after.values()].map((r) => r.id).sort()).toEqual([...before.values()].map((r) => r.id).sort());
    for (const c of [t1, t2])
      expect(after.get(c)).toMatchObject({ status: 'sent', unconfirmed: false, lastError: null, attempts: 1 });
    expect(after.get(t3)).toEqual(before.get(t3));
    expect(await database.db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, mine))).toHaveLength(3);

    // The other notice of the commune and the other commune's notice are untouched.
    expect((await copies(sibling)).get(t1)).toMatchObject({ status: 'sent', unconfirmed: true });
    expect((await copies(foreign)).get(B_CHAT)).toMatchObject({ status: 'sent', unconfirmed: true });
    expect(received(TOKEN_A, t1, 'Họp dân cuối năm')).toBe(1);
    expect(received(TOKEN_B, B_CHAT, 'Lịch cắt điện xã B')).toBe(1);
  });

  it('a second request finds nothing unconfirmed: 409 with a message staff understand, nothing queued', async () => {
    const again = await resend(mine, staff.aOfficer);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toBe(
      'Thông báo này không còn tin nào chưa được xác nhận mà có thể gửi lại.',
    );
    // A notice not sent yet: 409 too.
    const draft = await api('/api/v1/notices', staff.aOfficer, { title: 'Bản nháp', text: 'Chưa gửi.' });
    const draftId = ((await draft.json()) as { notice: { id: number } }).notice.id;
    const notSent = await resend(draftId, staff.aOfficer);
    expect(notSent.status).toBe(409);
    expect(((await notSent.json()) as { error: string }).error).toBe('Chỉ gửi lại được thông báo đã gửi xong.');
    // The console's button answers the same, on the notice's page.
    const page = await consolePost(`/console/notices/${mine}/resend-unconfirmed`, staff.aOfficer);
    expect(page.status).toBe(409);
    expect(await page.text()).toContain('Thông báo này không còn tin nào chưa được xác nhận mà có thể gửi lại.');
    expect((await consolePost(`/console/notices/${foreign}/resend-unconfirmed`, staff.aOfficer)).status).toBe(404);
    expect(received(TOKEN_A, t1, 'Lịch cắt điện thôn Đông')).toBe(2);
  });

  it('is audited once, with the count and no personal data', async () => {
    const rows = await database.db.select().from(auditLog).where(eq(auditLog.action, 'notice.resend_unconfirmed'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      communeId: communeA,
      actor: `staff:${staff.aOfficer.id}`,
      subject: String(mine),
      details: { reopened: 2, byChannel: { telegram: 2 } },
    });
    const text = JSON.stringify(rows[0].details);
    for (const c of A_CHATS) expect(text).not.toContain(String(c));
  });

  it('where the commune requires approval, those who may approve resend, an officer may not', async () => {
    expect((await api('/api/v1/notice-settings', staff.aAdmin, { requireApproval: true }, 'PUT')).status).toBe(200);
    try {
      const refused = await resend(sibling, staff.aOfficer);
      expect(refused.status).toBe(403);
      expect((await copies(sibling)).get(t1)).toMatchObject({ status: 'sent', unconfirmed: true });
      const res = await resend(sibling, staff.aLeader);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ reopened: 1 });
      await until(() => received(TOKEN_A, t1, 'Họp dân cuối năm') === 2);
      // The other commune's unconfirmed copy is still only theirs to resend.
      expect((await copies(foreign)).get(B_CHAT)).toMatchObject({ status: 'sent', unconfirmed: true });
      const theirs = await resend(foreign, staff.bOfficer);
      expect(theirs.status).toBe(202);
      await until(() => received(TOKEN_B, B_CHAT, 'Lịch cắt điện xã B') === 2);
      const audited = await database.db
        .select({ communeId: auditLog.communeId, subject: auditLog.subject })
        .from(auditLog)
        .where(and(eq(auditLog.action, 'notice.resend_unconfirmed'), eq(auditLog.communeId, communeB)));
      expect(audited).toEqual([{ communeId: communeB, subject: String(foreign) }]);
    } finally {
      await api('/api/v1/notice-settings', staff.aAdmin, { requireApproval: false }, 'PUT');
    }
  });
  it('leaves alone a copy settled minutes ago (its send may still run) and one of a resident who unsubscribed since', async () => {
    const id = await sendNotice(staff.aOfficer, 'Lịch tiêm chủng tháng Giêng', A_CHATS.length);
    await makeUnconfirmed(id, [t1], 1);
    const recent = await resend(id, staff.aOfficer);
    expect(recent.status).toBe(409);
    expect(((await recent.json()) as { error: string }).error).toBe(
      'Các tin chưa xác nhận vừa bị gián đoạn, có thể vẫn đang được gửi. Anh/chị vui lòng thử lại sau ít phút.',
    );
    await makeUnconfirmed(id, [t1, t2]);
    await database.db
      .update(noticeSubscriptions)
      .set({ unsubscribedAt: sql`now()` })
      .where(and(eq(noticeSubscriptions.communeId, communeA), eq(noticeSubscriptions.chatId, String(t2))));
    const res = await resend(id, staff.aOfficer);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ reopened: 1 });
    await until(() => received(TOKEN_A, t1, 'Lịch tiêm chủng tháng Giêng') === 2);
    expect((await copies(id)).get(t2)).toMatchObject({ status: 'sent', unconfirmed: true });
    expect(received(TOKEN_A, t2, 'Lịch tiêm chủng tháng Giêng')).toBe(1);
  });
});
