import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { auditLog, civilRecordRequests, communes } from '../../src/db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../../src/features/civil-records/index.js';
import { importRecordFile } from '../../src/features/civil-records/import.js';
import { chat, chatUpdates, startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';

/** The civil-record review page in Debian's Chromium: the queue, a request with its candidates, approve and reject. */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function signIn(page: Page, username: string) {
  await signInPage(page, env.baseUrl, username);
}

/** A request typed into the web chat API, as the page would send it. */
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
  return /BS-[A-Z0-9]{6}/.exec(last!.json.replies[0].text)![0];
}

describe.runIf(existsSync(CHROMIUM))('civil-record review page in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime({ SEED_CATALOG: 'false' });
    const database = env.runtime.database;
    const a = env.runtime.defaultCommune.id;
    const [b] = await database.db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    await importRecordFile(database.db, a, JSON.stringify(DEMO_RECORD_ROWS), 'json');
    await addStaff(database, 'tuphap', 'registrar', a, 'Đỗ Tư Pháp');
    await addStaff(database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    await addStaff(database, 'motcua', 'officer', a, 'Trần Một Cửa');
    await addStaff(database, 'tuphap-b', 'registrar', b.id, 'Phạm Tư Pháp B');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('lets the registrar compare a request with the register and approve it; the resident gets the link', async () => {
    const session = 'civil-browser-session-1';
    const code = await request(session, 'Nguyễn Văn Thử', '02/03/2020');
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'tuphap');
    await page.getByRole('link', { name: 'Bản sao hộ tịch' }).click();
    await page.getByRole('heading', { name: 'Yêu cầu cấp bản sao trích lục hộ tịch' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByText(code).click();
    await page.getByRole('heading', { name: `Yêu cầu ${code}` }).waitFor();
    // The request, and the registration that matches it on name and date.
    await page.getByRole('cell', { name: '001085000777' }).waitFor();
    const candidate = page.getByRole('radio', { name: /Số 101, quyển 01\/2020/ });
    expect(await candidate.count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-civil-record-phone.png'), fullPage: true });
    // Approving without choosing the registration is stopped by the form itself.
    await page.getByRole('button', { name: 'Duyệt và cấp bản sao' }).click();
    expect(await page.getByText('Đã duyệt và cấp bản sao.').count()).toBe(0);
    await candidate.check();
    await page.getByLabel(/Đã thu lệ phí/).check();
    await page.getByRole('button', { name: 'Duyệt và cấp bản sao' }).click();
    await page.getByText('Đã duyệt và cấp bản sao.').waitFor();
    await page.getByText('Đã gửi bản sao').first().waitFor();
    // The copy opens for staff from the page.
    const href = await page.getByRole('link', { name: 'Xem bản sao (PDF)' }).getAttribute('href');
    const pdf = await page.request.get(`${env.baseUrl}${href}`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    const dir = join(tmpdir(), `civil-shot-${Date.now()}`);
    execFileSync('mkdir', ['-p', dir]);
    writeFileSync(join(dir, 'copy.pdf'), await pdf.body());
    // A picture of the copy for the README (docs/screenshots/civil-record-copy.png when SCREENSHOT_DIR points there).
    execFileSync('pdftoppm', ['-png', '-r', '70', '-singlefile', join(dir, 'copy.pdf'), join(SHOTS, 'civil-record-copy')]);

    const updates = (await (await chatUpdates(env.baseUrl, session)).json()) as any;
    const link = updates.messages.flatMap((m: { buttons?: { label: string }[] }) => m.buttons ?? []);
    expect(link.map((b: { label: string }) => b.label)).toContain('Tải bản sao (PDF)');
    const actions = (await env.runtime.database.db.select().from(auditLog).where(eq(auditLog.subject, code))).map(
      (a) => a.action,
    );
    expect(actions).toEqual(expect.arrayContaining(['civil-request.viewed', 'civil-request.approved', 'civil-copy.viewed']));
  }, 90_000);

  it('rejects with a reason the resident receives', async () => {
    const session = 'civil-browser-session-2';
    const code = await request(session, 'Trần Văn Không Có', '01/01/2001');
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'tuphap');
    await page.goto(`${env.baseUrl}/console/civil-records`);
    await page.getByText(code).click();
    await page.getByText('Không tìm thấy đăng ký nào khớp').waitFor();
    await page.getByLabel('Lý do (gửi cho người dân)').fill('Sổ hộ tịch của xã không có đăng ký này.');
    await page.getByRole('button', { name: 'Từ chối yêu cầu' }).click();
    await page.getByText('Đã từ chối; lý do đã được gửi cho người dân.').waitFor();
    const [row] = await env.runtime.database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(row.status).toBe('rejected');
    const updates = (await (await chatUpdates(env.baseUrl, session)).json()) as any;
    expect(updates.messages.at(-1).text).toContain('Lý do: Sổ hộ tịch của xã không có đăng ký này.');
  }, 90_000);

  it('shows leaders the queue without the decision forms, officers nothing, and another commune a 404', async () => {
    const code = await request('civil-browser-session-3', 'Hoàng Minh Ví Dụ', '28/12/2014');
    const [row] = await env.runtime.database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));

    const leader = await browser.newPage({ viewport: PHONE });
    await signIn(leader, 'lanhdao');
    await leader.goto(`${env.baseUrl}/console/civil-records/${row.id}`);
    await leader.getByRole('heading', { name: `Yêu cầu ${code}` }).waitFor();
    expect(await leader.getByRole('button', { name: 'Duyệt và cấp bản sao' }).count()).toBe(0);
    expect(await leader.getByRole('button', { name: 'Từ chối yêu cầu' }).count()).toBe(0);

    const officer = await browser.newPage({ viewport: PHONE });
    await signIn(officer, 'motcua');
    expect(await officer.getByRole('link', { name: 'Bản sao hộ tịch' }).count()).toBe(0);
    expect((await officer.goto(`${env.baseUrl}/console/civil-records`))?.status()).toBe(403);

    const other = await browser.newPage({ viewport: PHONE });
    await signIn(other, 'tuphap-b');
    await other.goto(`${env.baseUrl}/console/civil-records`);
    expect(await other.getByText(code).count()).toBe(0);
    expect((await other.goto(`${env.baseUrl}/console/civil-records/${row.id}`))?.status()).toBe(404);
  }, 90_000);
});
