import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { communes, replyTemplates } from '../../src/db/schema/index.js';
import { execRows } from '../../src/db/client.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff.js';

/** The staff console in a real browser (Debian's Chromium), on a phone-sized screen and a desktop one. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 860 };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function signIn(page: Page, username: string, password = STAFF_PASSWORD) {
  await page.goto(`${env.baseUrl}/console`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

/** Serious and critical axe-core violations of the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
    return (await axe.run()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  });
  return result;
}

describe.runIf(existsSync(CHROMIUM))('staff console in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime();
    const database = env.runtime.database;
    const a = env.runtime.defaultCommune.id;
    const [b] = await database.db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    await addStaff(database, 'quantri', 'admin', a, 'Nguyễn Quản Trị');
    await addStaff(database, 'motcua', 'officer', a, 'Trần Một Cửa');
    await addStaff(database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    await addStaff(database, 'quantri-b', 'admin', b.id, 'Phạm Quản Trị B');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('signs an officer in (after a wrong password), answers a question, and the resident sees the answer in the web chat', async () => {
    const resident = await browser.newPage({ viewport: { width: 420, height: 860 } });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await resident.fill('#t', 'gặp cán bộ');
    await resident.click('form button[type=submit]');
    await resident.getByText(/nhập câu hỏi/).waitFor();
    await resident.fill('#t', 'Cho hỏi thứ Bảy này xã có tiếp dân không ạ?');
    await resident.click('form button[type=submit]');
    const codeText = await resident.getByText(/Mã câu hỏi: HD-/).textContent();
    const code = /HD-[A-Z0-9]{5}/.exec(codeText ?? '')![0];

    const staff = await browser.newPage({ viewport: PHONE });
    await signIn(staff, 'motcua', 'mat-khau-sai-123');
    await staff.getByText('Tên đăng nhập hoặc mật khẩu không đúng.').waitFor();
    expect(staff.url()).toContain('/console/login');
    await staff.getByLabel('Tên đăng nhập').fill('motcua');
    await staff.getByLabel('Mật khẩu').fill(STAFF_PASSWORD);
    await staff.getByRole('button', { name: 'Đăng nhập' }).click();
    await staff.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    await staff.getByText(code).waitFor();
    expect(await staff.title()).toMatch(/^\(1\) Hộp thư/);
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SHOTS, 'console-inbox-phone.png'), fullPage: true });

    await staff.getByText(code).click();
    // The conversation before the question is there.
    await staff.locator('.bubble.resident', { hasText: 'gặp cán bộ' }).waitFor();
    await staff.locator('.bubble.question', { hasText: 'thứ Bảy này' }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await staff.getByLabel(/Nội dung trả lời/).fill('Thứ Bảy này xã tiếp dân buổi sáng, từ 7 giờ 30 đến 11 giờ 30.');
    await staff.getByRole('button', { name: 'Gửi trả lời' }).click();
    await staff.getByText('Đã gửi trả lời tới người dân.').waitFor();
    await staff.screenshot({ path: join(SHOTS, 'console-answer-phone.png'), fullPage: true });

    await resident.getByText(/Cán bộ xã trả lời câu hỏi HD-/).waitFor({ timeout: 20_000 });
    expect(await resident.getByText('từ 7 giờ 30 đến 11 giờ 30').count()).toBeGreaterThan(0);
  }, 90_000);

  it('keeps each role to its pages, and each commune to its own data', async () => {
    const leader = await browser.newPage({ viewport: PHONE });
    await signIn(leader, 'lanhdao');
    await leader.waitForURL(/\/console\//);
    expect(await leader.getByRole('link', { name: /Hộp thư/ }).count()).toBe(0);
    const res = await leader.goto(`${env.baseUrl}/console/inbox`);
    expect(res?.status()).toBe(403);
    await leader.getByRole('heading', { name: 'Không có quyền' }).waitFor();

    const officer = await browser.newPage({ viewport: PHONE });
    await signIn(officer, 'motcua');
    await officer.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    expect(await officer.getByRole('link', { name: 'Cán bộ' }).count()).toBe(0);
    expect((await officer.goto(`${env.baseUrl}/console/staff`))?.status()).toBe(403);

    const adminB = await browser.newPage({ viewport: PHONE });
    await signIn(adminB, 'quantri-b');
    await adminB.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    expect(await adminB.locator('ul.list li').count()).toBe(0);
    expect((await adminB.goto(`${env.baseUrl}/console/inbox?commune=xa-thu-nghiem`))?.status()).toBe(404);
    expect((await adminB.goto(`${env.baseUrl}/console/staff`))?.status()).toBe(200);
    expect(await adminB.getByText('Trần Một Cửa').count()).toBe(0);
  }, 90_000);

  it('rejects a form post without the CSRF token, and sends an expired session back to sign-in', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    await page.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    const status = await page.evaluate(async () => {
      const r = await fetch('/console/inbox/templates', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'title=Mau&text=Noi+dung',
      });
      return r.status;
    });
    expect(status).toBe(403);
    // Idle longer than the session allows.
    await execRows(env.runtime.database.db, sql`update staff_sessions set last_seen_at = now() - interval '1 day'`);
    await page.reload();
    await page.getByText('Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.').waitFor();
    expect(page.url()).toContain('/console/login');
    // The refused post changed nothing.
    expect(await env.runtime.database.db.select().from(replyTemplates)).toEqual([]);
  }, 60_000);

  it('lets the admin add a colleague and create an integration key shown once (desktop)', async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, 'quantri');
    await page.goto(`${env.baseUrl}/console/staff`);
    await page.getByLabel('Tên đăng nhập').fill('hotich');
    await page.getByLabel('Họ tên').fill('Võ Hộ Tịch');
    await page.getByLabel('Vai trò', { exact: true }).selectOption('registrar');
    await page.getByLabel(/Mật khẩu ban đầu/).fill('Mat-khau-ho-tich-1');
    await page.getByRole('button', { name: 'Thêm cán bộ' }).click();
    await page.getByText('Đã thêm cán bộ Võ Hộ Tịch.').waitFor();
    await page.getByLabel(/Tên khóa/).fill('Một cửa tỉnh');
    await page.getByRole('button', { name: 'Tạo khóa' }).click();
    const key = await page.locator('[data-new-key]').textContent();
    expect(key).toMatch(/^txk_/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-staff-desktop.png'), fullPage: true });
    await page.goto(`${env.baseUrl}/console/staff`);
    expect(await page.getByText(key!).count()).toBe(0);
    await page.goto(`${env.baseUrl}/console/audit`);
    await page.getByText('staff.created').first().waitFor();
    await page.getByText('api_key.created').first().waitFor();
  }, 60_000);

  it("edits the commune's fee and adds residents' word for a procedure; the bot and the search use both at once", async () => {
    const search = async (q: string) =>
      ((await (await fetch(`${env.baseUrl}/api/v1/procedures/search?q=${encodeURIComponent(q)}&limit=3`)).json()) as any).results;
    const before = await search('xin giấy chào đời cho bé');
    expect(before[0]?.code).not.toBe('1.001193');

    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    await page.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    await page.getByRole('link', { name: 'Thủ tục' }).click();
    await page.getByLabel('Tìm thủ tục').fill('đăng ký khai sinh');
    await page.getByRole('button', { name: 'Tìm' }).click();
    await page.locator('a.item', { hasText: '1.001193' }).first().click();
    await page.getByLabel('Lệ phí tại xã').fill('Miễn lệ phí (Nghị quyết HĐND tỉnh thử nghiệm)');
    await page.getByRole('button', { name: 'Lưu thông tin của xã' }).click();
    await page.getByText(/Đã lưu\./).waitFor();
    await page.getByLabel(/Thêm từ/).fill('giấy chào đời');
    await page.getByRole('button', { name: 'Thêm', exact: true }).click();
    await page.getByText(/Đã thêm\./).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    const answer = await chat(env.baseUrl, { sessionId: 'console-override', text: 'đăng ký khai sinh lệ phí bao nhiêu' });
    expect(answer.json.replies.map((r: { text: string }) => r.text).join('\n')).toContain('Nghị quyết HĐND tỉnh thử nghiệm');
    const after = await search('xin giấy chào đời cho bé');
    expect(after[0]?.code).toBe('1.001193');
  }, 60_000);
});
