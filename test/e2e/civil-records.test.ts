import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import {
  auditLog,
  civilRecordCopies,
  civilRecordDownloads,
  civilRecordRequests,
  civilRecords,
  communes,
  outboundMessages,
} from '../../src/db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../../src/features/civil-records/index.js';
import { hashToken } from '../../src/features/civil-records/codes.js';
import { importRecordFile } from '../../src/features/civil-records/import.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { decodeQrOnFirstPage } from '../helpers/pdf-qr.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

const TOKEN = '7000000009:TEST-token-civil-records';
const SECRET = 'civil_records_secret-1';

let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let registrar: { cookie: string; csrf: string };
let leader: { cookie: string; csrf: string };
let adminB: { cookie: string; csrf: string };

const api = (
  path: string,
  who: { cookie: string; csrf: string },
  init: { method?: string; body?: unknown; csrf?: boolean } = {},
) =>
  fetch(`${env.baseUrl}/api/v1/civil-record-requests${path}`, {
    method: init.method ?? 'GET',
    headers: {
      cookie: who.cookie,
      'content-type': 'application/json',
      ...(init.csrf === false ? {} : { 'x-csrf-token': who.csrf }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });

/** A request from the web chat, from the 2.000635 answer's button to the code. */
async function webRequest(
  sessionId: string,
  o: { name?: string; date?: string; number?: string; relationship?: string; cccd?: string; delivery?: string } = {},
) {
  const s = (body: Record<string, string>) => chat(env.baseUrl, { sessionId, ...body });
  const answer = await s({ action: 'proc:show:2.000635' });
  const button = answer.json.replies[0].buttons.find((b: { label: string }) => b.label === 'Yêu cầu bản sao qua tin nhắn');
  expect(button).toEqual({ label: 'Yêu cầu bản sao qua tin nhắn', action: 'civil:start' });
  await s({ action: button.action });
  await s({ action: 'civil:pick:birth' });
  await s({ text: o.name ?? 'Nguyễn Văn Thử' });
  await s({ text: o.date ?? '02/03/2020' });
  await s({ text: o.number ?? '101' });
  await s({ action: `civil:pick:${o.relationship ?? 'guardian'}` });
  await s({ text: o.cccd ?? '001085000777' });
  await s({ text: '0912345678' });
  await s({ action: 'civil:pick:1' });
  await s({ action: `civil:pick:${o.delivery ?? 'chat'}` });
  await s({ action: 'civil:pick:yes' });
  const done = await s({ action: 'civil:pick:yes' });
  const code = /BS-[A-Z0-9]{6}/.exec(done.json.replies[0].text)![0];
  const [row] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
  return { code, id: row.id };
}

async function recordIdOf(number: string) {
  const [r] = await database.db.select().from(civilRecords).where(eq(civilRecords.number, number));
  return r.id;
}

async function webUpdates(sessionId: string) {
  const res = await chatUpdates(env.baseUrl, sessionId);
  return ((await res.json()) as { messages: { text: string; buttons?: { label: string; url?: string }[] }[] }).messages;
}

const auditOf = async (code: string) =>
  (await database.db.select().from(auditLog).where(eq(auditLog.subject, code))).map((a) => a.action);

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: tg.apiRoot },
    { database },
  );
  const a = env.runtime.defaultCommune.id;
  const [b] = await database.db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
  expect(await importRecordFile(database.db, a, JSON.stringify(DEMO_RECORD_ROWS), 'json')).toMatchObject({ ok: true });
  await addStaff(database, 'tuphap', 'registrar', a, 'Đỗ Tư Pháp');
  await addStaff(database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
  await addStaff(database, 'quantri-b', 'admin', b.id, 'Phạm Quản Trị B');
  registrar = await signIn(env.baseUrl, 'tuphap');
  leader = await signIn(env.baseUrl, 'lanhdao');
  adminB = await signIn(env.baseUrl, 'quantri-b');
}, 180_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe('a copy requested in the web chat, approved by the registrar, downloaded once, verified by its QR code', () => {
  it('goes from the chat to a PDF that renders Vietnamese and verifies until revoked', async () => {
    const session = 'civil-web-session-0001';
    const { code, id } = await webRequest(session);

    const list = (await (await api('?status=pending', registrar)).json()) as any;
    expect(list.requests.map((r: { code: string }) => r.code)).toContain(code);
    // The list carries no personal data; the request does.
    expect(JSON.stringify(list)).not.toContain('001085000777');
    const shown = (await (await api(`/${id}`, registrar)).json()) as any;
    expect(shown.request).toMatchObject({
      code,
      subjectName: 'Nguyễn Văn Thử',
      requesterIdNumber: '001085000777',
      phoneVerified: false,
    });
    const best = shown.candidates[0];
    expect(best).toMatchObject({ number: '101', nameMatches: true, dateMatches: true, numberMatches: true });

    // A write without the session's CSRF token is refused.
    expect(
      (await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: best.recordId }, csrf: false })).status,
    ).toBe(403);
    const approved = await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: best.recordId, paid: true } });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as any).request.status).toBe('delivered');
    expect((await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: best.recordId } })).status).toBe(409);

    // The web chat gets a one-time link (its messages are pulled, so the file does not travel in the poll).
    const messages = await webUpdates(session);
    const link = messages.flatMap((m) => m.buttons ?? []).find((b) => b.label === 'Tải bản sao (PDF)');
    // Relative: the web chat page opens it next to itself.
    expect(link?.url).toMatch(/^civil-records\/download\/[A-Za-z0-9_-]{43}$/);
    const path = new URL(link!.url!, `${env.baseUrl}/`).pathname;
    const first = await fetch(`${env.baseUrl}${path}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await first.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Replayed: gone.
    const replay = await fetch(`${env.baseUrl}${path}`);
    expect(replay.status).toBe(404);
    expect(await replay.text()).toContain('Liên kết không còn hiệu lực');

    // The text layer reads back in Vietnamese, and the page renders (not blank).
    const dir = mkdtempSync(join(tmpdir(), 'civil-pdf-'));
    writeFileSync(join(dir, 'copy.pdf'), pdf);
    const textLayer = execFileSync('pdftotext', ['-layout', join(dir, 'copy.pdf'), '-'], { encoding: 'utf8' });
    for (const expected of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      'TRÍCH LỤC KHAI SINH (BẢN SAO)',
      'Nguyễn Văn Thử',
      '02/03/2020',
      'Trạm y tế xã Thử Nghiệm',
      'Nguyễn Văn Mẫu',
      'UBND xã Thử Nghiệm',
      code,
    ])
      expect(textLayer).toContain(expected);
    // Nothing of the requester is printed.
    expect(textLayer).not.toContain('001085000777');
    expect(darkPixelShare(dir)).toBeGreaterThan(0.005);

    // The QR code, decoded from the rendered page (not the text layer), is the
    // copy's verify address printed under it, and that address verifies the copy.
    const printedUrl = /https?:\/\/\S+\/verify\/[A-Za-z0-9_-]{43}/.exec(textLayer)![0];
    const verifyUrl = decodeQrOnFirstPage(pdf);
    expect(verifyUrl).toBe(printedUrl);
    const verifyPath = new URL(verifyUrl!).pathname;
    const [copy] = await database.db.select().from(civilRecordCopies).where(eq(civilRecordCopies.requestId, id));
    expect(hashToken(verifyPath.slice('/verify/'.length))).toBe(copy!.verifyTokenHash);
    const page = await fetch(`${env.baseUrl}${verifyPath}`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Bản sao hợp lệ');
    expect(body).toContain('Nguyễn Văn Thử');
    expect(body).not.toContain('001085000777');
    expect(body).not.toContain('0912345678');

    // The staff copy and its audit trail.
    const staffPdf = await api(`/${id}/pdf`, registrar);
    expect(staffPdf.headers.get('content-type')).toBe('application/pdf');
    expect((await api(`/${id}/revoke`, registrar, { method: 'POST' })).status).toBe(200);
    const revoked = await fetch(`${env.baseUrl}${verifyPath}`);
    expect(revoked.status).toBe(404);
    const revokedBody = await revoked.text();
    expect(revokedBody).toContain('Không xác minh được bản sao');
    expect(revokedBody).not.toContain('Nguyễn Văn Thử');
    expect(await auditOf(code)).toEqual(
      expect.arrayContaining([
        'civil-request.created',
        'civil-request.viewed',
        'civil-request.approved',
        'civil-copy.generated',
        'civil-copy.delivered',
        'civil-copy.downloaded',
        'civil-copy.verified',
        'civil-copy.viewed',
        'civil-copy.revoked',
      ]),
    );
  }, 120_000);

  it('refuses an expired download link', async () => {
    const session = 'civil-web-session-0002';
    const { id } = await webRequest(session);
    await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: await recordIdOf('101'), paid: true } });
    await database.db.update(civilRecordDownloads).set({ expiresAt: new Date(Date.now() - 1000) });
    const link = (await webUpdates(session)).flatMap((m) => m.buttons ?? []).find((b) => b.label === 'Tải bản sao (PDF)');
    const res = await fetch(`${env.baseUrl}${new URL(link!.url!, `${env.baseUrl}/`).pathname}`);
    expect(res.status).toBe(404);
    // Staff send it again: a new link, which works once.
    expect((await api(`/${id}/resend`, adminB, { method: 'POST' })).status).toBe(404);
    expect((await api(`/${id}/resend`, registrar, { method: 'POST' })).status).toBe(200);
    const links = (await webUpdates(session)).flatMap((m) => m.buttons ?? []).filter((b) => b.label === 'Tải bản sao (PDF)');
    expect(links).toHaveLength(2);
    const again = await fetch(`${env.baseUrl}${new URL(links[1].url!, `${env.baseUrl}/`).pathname}`);
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toBe('application/pdf');
  }, 60_000);

  it('waits for the fee before delivering, then delivers once', async () => {
    const session = 'civil-web-session-0003';
    const { code, id } = await webRequest(session);
    const res = await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: await recordIdOf('101') } });
    expect(((await res.json()) as any).request.status).toBe('approved');
    let messages = await webUpdates(session);
    expect(messages.at(-1)!.text).toContain('nộp lệ phí 8.000 đồng');
    expect(messages.some((m) => m.buttons?.some((b) => b.label === 'Tải bản sao (PDF)'))).toBe(false);
    const status = await chat(env.baseUrl, { sessionId: session, text: `yêu cầu ${code} đến đâu rồi` });
    expect(status.json.replies[0].text).toContain('đang chờ anh/chị nộp lệ phí');
    expect((await api(`/${id}/payment`, registrar, { method: 'POST' })).status).toBe(200);
    expect((await api(`/${id}/payment`, registrar, { method: 'POST' })).status).toBe(200);
    messages = await webUpdates(session);
    expect(messages.filter((m) => m.buttons?.some((b) => b.label === 'Tải bản sao (PDF)'))).toHaveLength(1);
  }, 60_000);

  it('delivers the signed PDF staff uploaded instead of a generated one', async () => {
    const session = 'civil-web-session-0007';
    const { code, id } = await webRequest(session);
    const signed = Buffer.from('%PDF-1.7\n% ban sao co chu ky so (thu nghiem)\n%%EOF\n');
    const upload = (body: Buffer, who = registrar, type = 'application/pdf') =>
      fetch(`${env.baseUrl}/api/v1/civil-record-requests/${id}/signed-copy`, {
        method: 'POST',
        headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': type },
        body,
      });
    expect((await upload(Buffer.from('not a pdf'))).status).toBe(422);
    expect((await upload(signed, registrar, 'text/plain')).status).toBe(415);
    const tooLarge = await upload(Buffer.concat([signed, Buffer.alloc(5 * 1024 * 1024)]));
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: string }).error).toBe('Tệp PDF quá lớn (tối đa 5 MB).');
    expect((await upload(signed, adminB)).status).toBe(404);
    expect((await upload(signed, leader)).status).toBe(403);
    expect((await upload(signed)).status).toBe(201);
    const res = await api(`/${id}/approve`, registrar, {
      method: 'POST',
      body: { recordId: await recordIdOf('101'), paid: true },
    });
    expect(res.status).toBe(200);
    const link = (await webUpdates(session)).flatMap((m) => m.buttons ?? []).find((b) => b.label === 'Tải bản sao (PDF)');
    const file = Buffer.from(
      await (await fetch(`${env.baseUrl}${new URL(link!.url!, `${env.baseUrl}/`).pathname}`)).arrayBuffer(),
    );
    expect(file.equals(signed)).toBe(true);
    expect(await auditOf(code)).toEqual(expect.arrayContaining(['civil-copy.uploaded', 'civil-copy.delivered']));
    expect(await auditOf(code)).not.toContain('civil-copy.generated');
  }, 60_000);

  it('tells a resident collecting at the counter, and staff mark the copy handed over', async () => {
    const session = 'civil-web-session-0008';
    const { code, id } = await webRequest(session, { delivery: 'counter' });
    expect((await api(`/${id}/handed-over`, registrar, { method: 'POST' })).status).toBe(409);
    await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: await recordIdOf('101'), paid: true } });
    const messages = await webUpdates(session);
    expect(messages.at(-1)!.text).toContain('Mời anh/chị đến bộ phận một cửa nhận bản sao');
    expect(messages.some((m) => m.buttons?.some((b) => b.label === 'Tải bản sao (PDF)'))).toBe(false);
    expect((await api(`/${id}/handed-over`, adminB, { method: 'POST' })).status).toBe(404);
    expect((await api(`/${id}/handed-over`, registrar, { method: 'POST' })).status).toBe(200);
    const [row] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.id, id));
    expect(row.status).toBe('delivered');
    expect(await auditOf(code)).toContain('civil-copy.handed-over');
  }, 60_000);

  it('sends the resident the reason of a rejection', async () => {
    const session = 'civil-web-session-0004';
    const { id } = await webRequest(session, { name: 'Trần Văn Không Có', date: '01/01/2001', number: 'không nhớ' });
    const shown = (await (await api(`/${id}`, registrar)).json()) as any;
    expect(shown.candidates).toEqual([]);
    expect((await api(`/${id}/reject`, registrar, { method: 'POST', body: { reason: '' } })).status).toBe(422);
    const res = await api(`/${id}/reject`, registrar, {
      method: 'POST',
      body: { reason: 'Sổ hộ tịch của xã không có đăng ký khai sinh này; anh/chị vui lòng hỏi nơi đã đăng ký.' },
    });
    expect(res.status).toBe(200);
    const last = (await webUpdates(session)).at(-1)!;
    expect(last.text).toContain('chưa được chấp nhận');
    expect(last.text).toContain('Sổ hộ tịch của xã không có đăng ký khai sinh này');
  }, 60_000);
});

describe('a copy requested on Telegram, delivered as a document through the outbox', () => {
  const chatId = 5300000001;
  let updateId = 990000;
  const message = (m: Record<string, unknown>) => ({
    update_id: ++updateId,
    message: {
      message_id: updateId,
      from: { id: chatId, is_bot: false, first_name: 'Thử' },
      chat: { id: chatId, type: 'private', first_name: 'Thử' },
      date: 1767225600,
      ...m,
    },
  });
  const tap = (data: string) => ({
    update_id: ++updateId,
    callback_query: {
      id: `cb${updateId}`,
      from: { id: chatId, is_bot: false, first_name: 'Thử' },
      message: { message_id: 1, chat: { id: chatId, type: 'private' }, date: 1767225600, text: '…' },
      chat_instance: '1',
      data,
    },
  });
  const post = async (update: unknown) => {
    const before = tg.sent({ token: TOKEN, chatId }).length;
    const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
    });
    expect(res.status).toBe(200);
    // Each message is answered before the next is sent, as a person would.
    return until(() => {
      const sent = tg.sent({ token: TOKEN, chatId });
      return sent.length > before ? sent.slice(before) : undefined;
    });
  };

  it('verifies the shared contact, and sends the PDF once even across a stopped delivery worker', async () => {
    await post(message({ text: 'xin bản sao giấy khai sinh' }));
    await post(message({ text: 'Nguyễn Văn Thử' }));
    await post(message({ text: '02/03/2020' }));
    await post(tap('civil:pick:none'));
    await post(tap('civil:pick:guardian'));
    await post(message({ text: '001085000888' }));
    // The contact button travels on a message of its own after the question's.
    await until(() =>
      tg.sent({ token: TOKEN, chatId }).find((r) => JSON.stringify(r.payload.reply_markup ?? {}).includes('request_contact')),
    );
    await post(message({ contact: { phone_number: '84912345678', first_name: 'Thử', user_id: chatId } }));
    await post(tap('civil:pick:1'));
    await post(tap('civil:pick:chat'));
    const summary = await post(tap('civil:pick:yes'));
    expect(summary.at(-1)!.payload.text).toContain('(đã xác minh qua nền tảng nhắn tin)');
    const done = await post(tap('civil:pick:yes'));
    const code = /BS-[A-Z0-9]{6}/.exec(done.at(-1)!.payload.text)![0];
    const [req] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(req.phoneVerified).toBe(true);

    // Approved while the delivery worker is down: the document waits in the outbox, then goes once.
    await env.runtime.delivery.stop();
    const res = await api(`/${req.id}/approve`, registrar, {
      method: 'POST',
      body: { recordId: await recordIdOf('101'), paid: true },
    });
    expect(res.status).toBe(200);
    const queued = await database.db
      .select()
      .from(outboundMessages)
      .where(and(eq(outboundMessages.chatId, String(chatId)), sql`${outboundMessages.payload} ? 'file'`));
    expect(queued).toHaveLength(1);
    expect(queued[0].status).toBe('pending');
    expect(tg.calls('sendDocument', TOKEN)).toHaveLength(0);
    env.runtime.delivery.start();
    const doc = await until(() => tg.calls('sendDocument', TOKEN).find((r) => r.status === 200));
    expect(doc.files.document.filename).toBe(`ban-sao-${code}.pdf`);
    expect(doc.files.document.data.subarray(0, 5).toString()).toBe('%PDF-');
    await until(async () => {
      const [row] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.id, queued[0].id));
      return row.status === 'sent';
    });
    expect(tg.calls('sendDocument', TOKEN)).toHaveLength(1);
    expect(await auditOf(code)).toContain('civil-copy.delivered');
    // Once sent, the outbox keeps the message but not the document (the copy stays in its own table).
    await until(async () => {
      const [row] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.id, queued[0].id));
      return !(row.payload as { file?: { contentBase64?: string } }).file?.contentBase64;
    });
    const [sent] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.id, queued[0].id));
    expect(sent.payload).toMatchObject({ file: { name: `ban-sao-${code}.pdf`, mimeType: 'application/pdf' } });
    expect(JSON.stringify(sent.payload)).not.toContain('JVBER'); // base64 of "%PDF"
  }, 120_000);
});

describe("attempts to get someone else's copy", () => {
  it("keeps another commune's staff out with 404s, and leaders from deciding", async () => {
    const { code, id } = await webRequest('civil-web-session-0005');
    const list = (await (await api('?status=pending', adminB)).json()) as any;
    expect(list.requests.map((r: { code: string }) => r.code)).not.toContain(code);
    expect((await api(`/${id}`, adminB)).status).toBe(404);
    expect(
      (await api(`/${id}/approve`, adminB, { method: 'POST', body: { recordId: await recordIdOf('101'), paid: true } })).status,
    ).toBe(404);
    expect((await api(`/${id}/reject`, adminB, { method: 'POST', body: { reason: 'thử' } })).status).toBe(404);
    expect((await api(`/${id}/pdf`, adminB)).status).toBe(404);
    expect((await api(`/${id}/erase`, adminB, { method: 'POST' })).status).toBe(404);
    expect((await api(`?commune=xa-thu-nghiem`, adminB)).status).toBe(404);
    // A leader reads the queue but cannot decide.
    expect((await api(`/${id}`, leader)).status).toBe(200);
    expect((await api(`/${id}/approve`, leader, { method: 'POST', body: { recordId: await recordIdOf('101') } })).status).toBe(
      403,
    );
    const [row] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.id, id));
    expect(row.status).toBe('pending');
    // The resident asks for erasure: the registrar erases, the request is cancelled and keeps no CCCD.
    expect((await api(`/${id}/erase`, leader, { method: 'POST' })).status).toBe(403);
    expect((await api(`/${id}/erase`, registrar, { method: 'POST' })).status).toBe(200);
    const erased = ((await (await api(`/${id}`, registrar)).json()) as any).request;
    expect(erased).toMatchObject({ status: 'cancelled', requesterIdNumber: null, phone: null, subjectName: '(đã xóa)' });
  }, 60_000);

  it('cannot approve "my own" record for a CCCD that is not on it', async () => {
    const session = 'civil-web-session-0006';
    const { id } = await webRequest(session, { relationship: 'self', cccd: '001220000555' });
    const shown = (await (await api(`/${id}`, registrar)).json()) as any;
    expect(shown.candidates[0]).toMatchObject({ number: '101', idMatches: false });
    const res = await api(`/${id}/approve`, registrar, {
      method: 'POST',
      body: { recordId: await recordIdOf('101'), paid: true },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: 'id_mismatch' });
    const [row] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.id, id));
    expect(row.status).toBe('pending');
    expect((await webUpdates(session)).some((m) => m.buttons?.some((b) => b.label === 'Tải bản sao (PDF)'))).toBe(false);
    // Approving a record of another kind is refused too.
    const marriage = await recordIdOf('23');
    expect((await api(`/${id}/approve`, registrar, { method: 'POST', body: { recordId: marriage } })).status).toBe(422);
  }, 60_000);

  it('rate-limits guessing verify tokens and download links, answering the same for any token', async () => {
    const guess = (path: string, i: number) => fetch(`${env.baseUrl}${path}/${String(i).padStart(43, 'A')}`);
    const verify = [];
    for (let i = 0; i < 31; i++) verify.push((await guess('/verify', i)).status);
    expect(new Set(verify.slice(0, 25))).toEqual(new Set([404]));
    expect(verify.at(-1)).toBe(429);
    const downloads = [];
    for (let i = 0; i < 31; i++) downloads.push((await guess('/civil-records/download', i)).status);
    expect(downloads.at(-1)).toBe(429);
    expect((await fetch(`${env.baseUrl}/verify/not-a-token`)).status).toBe(429);
  }, 60_000);
});

/** Share of dark pixels on the first page rendered in grey at 30 dpi (PGM from pdftoppm). */
function darkPixelShare(dir: string): number {
  execFileSync('pdftoppm', ['-gray', '-r', '30', '-f', '1', '-l', '1', join(dir, 'copy.pdf'), join(dir, 'page')]);
  const file = execFileSync('ls', [dir], { encoding: 'utf8' })
    .split('\n')
    .find((f) => f.endsWith('.pgm'))!;
  const pgm = execFileSync('cat', [join(dir, file)]);
  // Header: P5\n<w> <h>\n<max>\n then one byte per pixel.
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString('latin1'))!;
  const pixels = pgm.subarray(header[0].length);
  let dark = 0;
  for (const p of pixels) if (p < 128) dark++;
  return dark / pixels.length;
}
