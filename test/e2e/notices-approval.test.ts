import { readFileSync } from 'node:fs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows } from '../../src/db/client.js';
import { auditLog, communes, noticeDeliveries, noticeHamlets, staffAccounts } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/**
 * Issue 17 item 2: where the commune requires it, a notice waits for a leader's or admin's approval before
 * anyone receives it; a notice may carry an image or a PDF. All names and data are synthetic.
 */
const TOKEN = '7000000003:TEST-token-for-notice-approval';
const SECRET = 'notice_approval_secret-1';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));

type Who = { cookie: string; csrf: string };
let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeId: number;
let admin: Who;
let officer: Who;
let leader: Who;
let updateId = 980000;
const session = 'notice-approval-web-1';
const tgChat = 5300000001;

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

function upload(id: number, who: Who, bytes: Buffer, type: string, name = 'tep') {
  return fetch(`${env.baseUrl}/api/v1/notices/${id}/attachment?name=${encodeURIComponent(name)}`, {
    method: 'PUT',
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': type },
    body: new Uint8Array(bytes),
  });
}

async function compose(who: Who, title: string): Promise<number> {
  const res = await api('/api/v1/notices', who, { title, text: `Nội dung thử: ${title}.` });
  expect(res.status).toBe(201);
  return ((await res.json()) as any).notice.id;
}

const webMessages = async (title: string) => {
  const r = (await (await chatUpdates(env.baseUrl, session)).json()) as any;
  return (r.messages as { text: string; buttons?: { label: string; url?: string }[] }[]).filter((m) => m.text.includes(title));
};
const tgMessages = (title: string) =>
  tg.sent({ token: TOKEN, chatId: tgChat }).filter((s) => String(s.payload.text ?? '').includes(title));
const deliveriesOf = async (id: number) =>
  (await database.db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, id))).length;
const outboxWith = async (title: string) =>
  Number(
    (
      await execRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from outbound_messages where payload->>'text' like ${`%${title}%`}`,
      )
    )[0].n,
  );

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: tg.apiRoot, SEED_CATALOG: 'false' },
    { database },
  );
  communeId = env.runtime.defaultCommune.id;
  await database.db.insert(noticeHamlets).values({ communeId, name: 'Thôn Thử Nghiệm', position: 1 });
  await addStaff(env.runtime.database, 'dy.quantri', 'admin', communeId, 'Nguyễn Quản Trị Thử');
  await addStaff(env.runtime.database, 'dy.canbo', 'officer', communeId, 'Trần Cán Bộ Thử');
  await addStaff(env.runtime.database, 'dy.lanhdao', 'leader', communeId, 'Lê Lãnh Đạo Thử');
  admin = await signIn(env.baseUrl, 'dy.quantri');
  officer = await signIn(env.baseUrl, 'dy.canbo');
  leader = await signIn(env.baseUrl, 'dy.lanhdao');
  // Two subscribers: one web chat, one Telegram chat, no hamlet, every topic.
  await chat(env.baseUrl, { sessionId: session, text: 'đăng ký nhận thông báo' });
  await chat(env.baseUrl, { sessionId: session, text: 'không chọn' });
  const done = await chat(env.baseUrl, { sessionId: session, text: 'xong' });
  expect(done.json.replies[0].text).toContain('Đã đăng ký nhận thông báo');
  for (const [text, expected] of [
    ['Đăng ký nhận thông báo', 'ấp, thôn'],
    ['không chọn', 'chủ đề nào'],
    ['xong', 'Đã đăng ký nhận thông báo'],
  ]) {
    expect((await telegramText(tgChat, text)).status).toBe(200);
    await until(() => tg.sent({ token: TOKEN, chatId: tgChat }).find((s) => String(s.payload.text).includes(expected)));
  }
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe('approval before sending, a setting of the commune', () => {
  it('with the setting off (the default) a notice goes out at once, as before', async () => {
    expect(await (await api('/api/v1/notice-settings', officer)).json()).toEqual({ requireApproval: false });
    const id = await compose(officer, 'Không cần duyệt');
    const sent = (await (await api(`/api/v1/notices/${id}/send`, officer, {})).json()) as any;
    expect(sent.notice.status).toBe('sending');
    await until(() => (tgMessages('Không cần duyệt').length ? true : undefined));
  });

  it('only admins change the setting (officers 403), and the change is audited', async () => {
    expect((await api('/api/v1/notice-settings', officer, { requireApproval: true }, 'PUT')).status).toBe(403);
    expect((await api('/api/v1/notice-settings', leader, { requireApproval: true }, 'PUT')).status).toBe(403);
    expect((await api('/api/v1/notice-settings', admin, { requireApproval: 'yes' }, 'PUT')).status).toBe(422);
    const on = await api('/api/v1/notice-settings', admin, { requireApproval: true }, 'PUT');
    expect(on.status).toBe(200);
    expect(await on.json()).toEqual({ requireApproval: true });
    const [row] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.communeId, communeId), eq(auditLog.action, 'commune.notices_approval_changed')));
    expect(row.details).toEqual({ from: false, to: true });
  });

  let waiting: number;
  it("an officer's notice waits: nothing queued, nobody resolved; officers cannot approve it", async () => {
    waiting = await compose(officer, 'Lịch tiêm chủng thử');
    const res = await api(`/api/v1/notices/${waiting}/send`, officer, {});
    expect(res.status).toBe(202);
    expect(((await res.json()) as any).notice.status).toBe('awaiting_approval');
    await new Promise((r) => setTimeout(r, 300));
    expect(await deliveriesOf(waiting)).toBe(0);
    expect(await outboxWith('Lịch tiêm chủng thử')).toBe(0);
    expect((await api(`/api/v1/notices/${waiting}/approve`, officer, {})).status).toBe(403);
    expect(await deliveriesOf(waiting)).toBe(0);
  });

  it("another commune's leader cannot approve or reject it (404)", async () => {
    const [other] = await database.db
      .insert(communes)
      .values({
        slug: 'xa-duyet-khac',
        name: 'Xã Duyệt Khác',
        province: 'Tỉnh Thử',
        address: 'UBND',
        phone: '0237 2',
        hoursText: '7:30',
      })
      .returning();
    await addStaff(env.runtime.database, 'dy.lanhdaokhac', 'leader', other.id, 'Phạm Lãnh Đạo Khác');
    const them = await signIn(env.baseUrl, 'dy.lanhdaokhac');
    expect((await api(`/api/v1/notices/${waiting}/approve`, them, {})).status).toBe(404);
    expect((await api(`/api/v1/notices/${waiting}/reject`, them, { reason: 'Thử' })).status).toBe(404);
  });

  it('a leader approves it: both subscribers receive it once; the approval is audited with the leader', async () => {
    const res = await api(`/api/v1/notices/${waiting}/approve`, leader, {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.notice).toMatchObject({ status: 'sending', decidedBy: expect.stringMatching(/^staff:\d+$/) });
    await until(async () => ((await webMessages('Lịch tiêm chủng thử')).length ? true : undefined));
    await until(() => (tgMessages('Lịch tiêm chủng thử').length ? true : undefined));
    expect(await webMessages('Lịch tiêm chủng thử')).toHaveLength(1);
    expect(tgMessages('Lịch tiêm chủng thử')).toHaveLength(1);
    const audit = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subject, String(waiting)), inArray(auditLog.action, ['notice.approved', 'notice.sent'])));
    expect(audit.map((a) => a.action).sort()).toEqual(['notice.approved', 'notice.sent']);
    expect(audit.every((a) => a.actor === body.notice.decidedBy)).toBe(true);
    expect((await api(`/api/v1/notices/${waiting}/approve`, leader, {})).status).toBe(409);
  });

  it('a rejected notice is never sent; the reason is visible and audited', async () => {
    const id = await compose(officer, 'Thông báo bị từ chối thử');
    await api(`/api/v1/notices/${id}/send`, officer, {});
    expect((await api(`/api/v1/notices/${id}/reject`, leader, {})).status).toBe(422);
    const res = await api(`/api/v1/notices/${id}/reject`, leader, { reason: 'Sai ngày tiêm, cần sửa lại.' });
    expect(res.status).toBe(200);
    const got = (await (await api(`/api/v1/notices/${id}`, officer)).json()) as any;
    expect(got.notice).toMatchObject({ status: 'rejected', rejectReason: 'Sai ngày tiêm, cần sửa lại.' });
    expect((await api(`/api/v1/notices/${id}/send`, officer, {})).status).toBe(409);
    expect((await api(`/api/v1/notices/${id}/approve`, leader, {})).status).toBe(409);
    const page = await (await fetch(`${env.baseUrl}/console/notices/${id}`, { headers: { cookie: officer.cookie } })).text();
    expect(page).toContain('Sai ngày tiêm, cần sửa lại.');
    expect(await deliveriesOf(id)).toBe(0);
    const [row] = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subject, String(id)), eq(auditLog.action, 'notice.rejected')));
    expect(row.details).toMatchObject({ reason: 'Sai ngày tiêm, cần sửa lại.' });
  });

  it('a scheduled notice waits too, and once approved is scheduled for its time', async () => {
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const res = await api('/api/v1/notices', officer, { title: 'Hẹn giờ thử', text: 'Nội dung.', scheduledAt: at });
    const { notice } = (await res.json()) as any;
    expect(notice.status).toBe('awaiting_approval');
    const ok = (await (await api(`/api/v1/notices/${notice.id}/approve`, admin, {})).json()) as any;
    expect(ok.notice.status).toBe('scheduled');
  });

  it('a composer who is not an admin cannot approve their own notice; an admin may', async () => {
    const own = await compose(officer, 'Tự duyệt thử');
    await api(`/api/v1/notices/${own}/send`, officer, {});
    // The officer became a leader meanwhile: still not their own notice to approve.
    await database.db.update(staffAccounts).set({ role: 'leader' }).where(eq(staffAccounts.username, 'dy.canbo'));
    const res = await api(`/api/v1/notices/${own}/approve`, officer, {});
    expect(res.status).toBe(403);
    expect(((await res.json()) as any).error).toContain('không thể tự duyệt');
    await database.db.update(staffAccounts).set({ role: 'officer' }).where(eq(staffAccounts.username, 'dy.canbo'));
    const mine = await compose(admin, 'Quản trị tự duyệt thử');
    await api(`/api/v1/notices/${mine}/send`, admin, {});
    expect((await api(`/api/v1/notices/${mine}/approve`, admin, {})).status).toBe(200);
  });
});

describe('an image or a PDF in a notice', () => {
  it('refuses what is neither a JPEG, a PNG nor a PDF (415) and more than 5 MB (413), in Vietnamese', async () => {
    const id = await compose(officer, 'Tệp sai thử');
    const bad = await upload(id, officer, Buffer.from('GIF89a không phải ảnh được nhận'), 'image/png');
    expect(bad.status).toBe(415);
    expect(((await bad.json()) as any).error).toBe('Tệp đính kèm phải là ảnh JPEG, PNG hoặc tệp PDF.');
    const big = await upload(
      id,
      officer,
      Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(5 * 1024 * 1024)]),
      'application/pdf',
    );
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error).toBe('Tệp đính kèm quá lớn: tối đa 5 MB.');
  });

  it('a PNG reaches Telegram as a file and the web chat as a link, only once the notice is approved', async () => {
    const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#cc2200' } })
      .png()
      .withMetadata({ exif: { IFD0: { Artist: 'Synthetic Test' } } })
      .toBuffer();
    const id = await compose(officer, 'Ảnh bản đồ ngập thử');
    const up = await upload(id, officer, png, 'application/octet-stream', 'ban do ngap');
    expect(up.status).toBe(201);
    expect(((await up.json()) as any).attachment).toMatchObject({
      kind: 'image',
      mimeType: 'image/png',
      name: 'ban do ngap.png',
    });
    await api(`/api/v1/notices/${id}/send`, officer, {});
    expect((await api(`/api/v1/notices/${id}/approve`, leader, {})).status).toBe(200);

    const doc = await until(() => tg.calls('sendDocument', TOKEN).find((c) => c.files.document?.filename === 'ban do ngap.png'));
    const sentPng = doc.files.document.data;
    expect(sentPng.subarray(0, 8)).toEqual(png.subarray(0, 8));
    expect((await sharp(sentPng).metadata()).exif).toBeUndefined();
    const [web] = await until(async () => {
      const m = await webMessages('Ảnh bản đồ ngập thử');
      return m.length ? m : undefined;
    });
    const link = web.buttons?.find((b) => b.url?.startsWith('notices/files/'));
    expect(link?.label).toBe('Xem ảnh đính kèm');
    const file = await fetch(`${env.baseUrl}/${link!.url}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    // Not framed by another site, not sniffed; an image also sandboxed.
    expect(file.headers.get('x-frame-options')).toBe('DENY');
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox; frame-ancestors 'none'");
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    // The outbox row's copy of the file is dropped once sent.
    await until(async () => ((await outboxWithFile('Ảnh bản đồ ngập thử')) === 0 ? true : undefined));
  });

  it('a PDF reaches Telegram as a document; its link does not work before approval', async () => {
    const pdf = Buffer.from('%PDF-1.4\n% synthetic notice attachment for tests\n%%EOF\n');
    const id = await compose(officer, 'Kế hoạch chi trả thử');
    expect((await upload(id, officer, pdf, 'application/pdf', 'ke-hoach')).status).toBe(201);
    await api(`/api/v1/notices/${id}/send`, officer, {});
    // Waiting for approval, the file can no longer be swapped for another.
    expect((await upload(id, officer, Buffer.from('%PDF-1.4\n% another\n'), 'application/pdf')).status).toBe(409);
    const [{ token }] = await execRows<{ token: string }>(
      database.db,
      sql`select token from notice_attachments where notice_id = ${id}`,
    );
    expect((await fetch(`${env.baseUrl}/notices/files/${token}`)).status).toBe(404);
    expect((await api(`/api/v1/notices/${id}/approve`, leader, {})).status).toBe(200);
    const doc = await until(() => tg.calls('sendDocument', TOKEN).find((c) => c.files.document?.filename === 'ke-hoach.pdf'));
    expect(doc.files.document.data.equals(pdf)).toBe(true);
    const file = await fetch(`${env.baseUrl}/notices/files/${token}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('x-frame-options')).toBe('DENY');
    expect(file.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(file.headers.get('referrer-policy')).toBe('no-referrer');
    expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).toBe(true);
  });
});

async function outboxWithFile(title: string): Promise<number> {
  const rows = await execRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from outbound_messages
        where payload->>'text' like ${`%${title}%`} and payload->'file' ? 'contentBase64'`,
  );
  return Number(rows[0].n);
}
