import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { auditLog, civilRecordCopies, civilRecordRequests } from '../../src/db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../../src/features/civil-records/index.js';
import { importRecordFile } from '../../src/features/civil-records/import.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/** The officially signed PDF uploaded from a request's page in the console (issue 16 item 5), in Debian's Chromium. */

/** Where the page's picture goes (docs/screenshots when SCREENSHOT_DIR points there). */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

const NOT_PDF = 'Tệp tải lên phải là PDF, tối đa 5 MB.';
const UPLOADED = 'Đã tải lên bản sao có chữ ký số. Khi duyệt, tệp này được gửi cho người dân thay cho bản sao do hệ thống tạo.';

/** A request typed into the web chat API, as the page would send it; its code and row id. */
async function request(sessionId: string, name: string, date: string) {
  const steps: Record<string, string>[] = [
    { text: 'xin bản sao giấy khai sinh' },
    { text: name },
    { text: date },
    { text: 'không nhớ' },
    { action: 'civil:pick:guardian' },
    { text: '001085000777' },
    { text: '0912345678' },
    { action: 'civil:pick:1' },
    { action: 'civil:pick:chat' },
    { action: 'civil:pick:yes' },
    { action: 'civil:pick:yes' },
  ];
  let last: { json: { replies: { text: string }[] } } | undefined;
  for (const s of steps) last = await chat(env.baseUrl, { sessionId, ...s });
  const code = /BS-[A-Z0-9]{6}/.exec(last!.json.replies[0].text)![0];
  const [row] = await env.runtime.database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
  return { code, id: row.id };
}

/** A small real PDF, standing in for the file the national civil-status software signs. */
async function signedPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText('Ban sao trich luc khai sinh (co chu ky so, thu nghiem)', {
    x: 50,
    y: 780,
    size: 14,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  return Buffer.from(await doc.save());
}

async function openRequest(username: string, id: number): Promise<Page> {
  const page = await browser.newPage({ viewport: PHONE });
  await signInPage(page, env.baseUrl, username);
  await page.goto(`${env.baseUrl}/console/civil-records/${id}`);
  return page;
}

async function copiesOf(id: number) {
  return env.runtime.database.db.select().from(civilRecordCopies).where(eq(civilRecordCopies.requestId, id));
}

describe.runIf(existsSync(CHROMIUM))('uploading the officially signed PDF from the console', () => {
  beforeAll(async () => {
    env = await startTestRuntime({ SEED_CATALOG: 'false' });
    const database = env.runtime.database;
    const a = env.runtime.defaultCommune.id;
    await importRecordFile(database.db, a, JSON.stringify(DEMO_RECORD_ROWS), 'json');
    await addStaff(database, 'tuphap', 'registrar', a, 'Đỗ Tư Pháp');
    await addStaff(database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    await addStaff(database, 'motcua', 'officer', a, 'Trần Một Cửa');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('delivers to the resident exactly the file the registrar uploaded, once the request is approved', async () => {
    const session = 'civil-upload-session-1';
    const { code, id } = await request(session, 'Nguyễn Văn Thử', '02/03/2020');
    const pdf = await signedPdf();
    const page = await openRequest('tuphap', id);
    await page.getByRole('heading', { name: 'Bản sao có chữ ký số' }).waitFor();
    // With JavaScript the form replaces the notice.
    expect(await page.getByText('Tải tệp lên cần bật JavaScript').isVisible()).toBe(false);
    expect(await axeViolations(page)).toEqual([]);

    await page
      .getByLabel('Tệp PDF có chữ ký số')
      .setInputFiles({ name: 'ban-sao-ky-so.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.getByRole('button', { name: 'Tải lên' }).click();
    // The page reloads: it now knows the uploaded file, and says once what happened.
    await page.getByText('Đã có bản sao có chữ ký số tải lên').waitFor();
    await page.getByText(UPLOADED).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-civil-record-upload-phone.png'), fullPage: true });
    const stored = (await copiesOf(id)).filter((c) => !c.revokedAt);
    expect(stored.map((c) => c.source)).toEqual(['uploaded']);

    await page.getByRole('radio', { name: /Số 101, quyển 01\/2020/ }).check();
    await page.getByLabel(/Đã thu lệ phí/).check();
    await page.getByRole('button', { name: 'Duyệt và cấp bản sao' }).click();
    await page.getByText('Đã duyệt và cấp bản sao.').waitFor();

    const updates = (await (await chatUpdates(env.baseUrl, session)).json()) as {
      messages: { buttons?: { label: string; url?: string }[] }[];
    };
    const link = updates.messages.flatMap((m) => m.buttons ?? []).find((b) => b.label === 'Tải bản sao (PDF)');
    const delivered = Buffer.from(
      await (await fetch(`${env.baseUrl}${new URL(link!.url!, `${env.baseUrl}/`).pathname}`)).arrayBuffer(),
    );
    expect(delivered.equals(pdf)).toBe(true);
    const audit = await env.runtime.database.db.select().from(auditLog).where(eq(auditLog.subject, code));
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['civil-copy.uploaded', 'civil-copy.delivered']));
    expect(audit.map((a) => a.action)).not.toContain('civil-copy.generated');
    expect(audit.find((a) => a.action === 'civil-copy.uploaded')?.actor).toMatch(/^staff:\d+$/);
  }, 120_000);

  it("shows the API's refusal in Vietnamese: a file that is not a PDF, one too large, a request already decided", async () => {
    const { id } = await request('civil-upload-session-2', 'Trần Văn Không Có', '01/01/2001');
    const page = await openRequest('tuphap', id);
    const file = page.getByLabel('Tệp PDF có chữ ký số');
    const upload = page.getByRole('button', { name: 'Tải lên' });

    // Named .pdf, but not a PDF: the API refuses it (422) and the page says why.
    const answered = page.waitForResponse((r) => r.url().includes(`/civil-record-requests/${id}/signed-copy`));
    await file.setInputFiles({ name: 'ban-sao.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Không phải PDF') });
    await upload.click();
    expect((await answered).status()).toBe(422);
    await page.getByRole('status').filter({ hasText: NOT_PDF }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // Over 5 MB: refused before it is sent (the API would answer 413 to the same).
    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/signed-copy')) sent.push(r.url());
    });
    await file.setInputFiles({
      name: 'qua-lon.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(5 * 1024 * 1024)]),
    });
    await upload.click();
    await page.getByRole('status').filter({ hasText: NOT_PDF }).waitFor();
    expect(sent).toEqual([]);
    const token = await page.locator('#signed-copy-form input[name="_csrf"]').inputValue();
    const tooLarge = await page.evaluate(
      async ({ url, token }) => {
        const body = new Uint8Array(5 * 1024 * 1024 + 1);
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/pdf', 'x-csrf-token': token },
          body,
        });
        return res.status;
      },
      { url: `/api/v1/civil-record-requests/${id}/signed-copy`, token },
    );
    expect(tooLarge).toBe(413);
    expect(await copiesOf(id)).toEqual([]);

    // Another registrar rejects the request while this page is open: the upload is refused with the API's 409.
    const other = await signIn(env.baseUrl, 'tuphap');
    const rejected = await fetch(`${env.baseUrl}/api/v1/civil-record-requests/${id}/reject`, {
      method: 'POST',
      headers: { cookie: other.cookie, 'x-csrf-token': other.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Sổ hộ tịch của xã không có đăng ký này.' }),
    });
    expect(rejected.status).toBe(200);
    await file.setInputFiles({ name: 'ban-sao.pdf', mimeType: 'application/pdf', buffer: await signedPdf() });
    await upload.click();
    await page.getByRole('status').filter({ hasText: 'Yêu cầu này đã được xử lý.' }).waitFor();
    expect(await copiesOf(id)).toEqual([]);
    const [row] = await env.runtime.database.db
      .select()
      .from(civilRecordRequests)
      .where(and(eq(civilRecordRequests.id, id), eq(civilRecordRequests.status, 'rejected')));
    expect(row).toBeDefined();
  }, 120_000);

  it('offers the upload to registrars only, and says it needs JavaScript when that is off', async () => {
    const { code, id } = await request('civil-upload-session-3', 'Hoàng Minh Ví Dụ', '28/12/2014');

    const leader = await openRequest('lanhdao', id);
    await leader.getByRole('heading', { name: `Yêu cầu ${code}` }).waitFor();
    expect(await leader.getByRole('heading', { name: 'Bản sao có chữ ký số' }).count()).toBe(0);
    expect(await leader.locator('input[type=file]').count()).toBe(0);

    const officer = await browser.newPage({ viewport: PHONE });
    await signInPage(officer, env.baseUrl, 'motcua');
    expect((await officer.goto(`${env.baseUrl}/console/civil-records/${id}`))?.status()).toBe(403);
    expect(await officer.locator('input[type=file]').count()).toBe(0);

    const noScript = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
    const page = await noScript.newPage();
    await signInPage(page, env.baseUrl, 'tuphap');
    await page.goto(`${env.baseUrl}/console/civil-records/${id}`);
    await page.getByRole('heading', { name: 'Bản sao có chữ ký số' }).waitFor();
    expect(await page.getByText('Tải tệp lên cần bật JavaScript trong trình duyệt.').isVisible()).toBe(true);
    expect(await page.getByLabel('Tệp PDF có chữ ký số').isVisible()).toBe(false);
    await noScript.close();
  }, 120_000);
});
