import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { communes } from '../../src/db/schema/index.js';
import { base32Decode, hotp, totpStep } from '../../src/staff/totp.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff.js';

/** The two-step sign-in and the commune's settings page in a real browser (Debian's Chromium). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const PHONE = { width: 360, height: 780 };
const DESKTOP = { width: 1280, height: 860 };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

const codeOf = (secret: string, offset = 0) => hotp(base32Decode(secret), totpStep(Date.now()) + offset);

async function signIn(page: Page, username: string, password = STAFF_PASSWORD) {
  await page.goto(`${env.baseUrl}/console`);
  await page.getByLabel('Tên đăng nhập').fill(username);
  await page.getByLabel('Mật khẩu').fill(password);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
    return (await axe.run()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  });
}

describe.runIf(existsSync(CHROMIUM))('account security and commune settings in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime();
    const a = env.runtime.defaultCommune.id;
    const [b] = await env.runtime.database.db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    await addStaff(env.runtime.database, 'quantri', 'admin', a, 'Nguyễn Quản Trị');
    await addStaff(env.runtime.database, 'motcua', 'officer', a, 'Trần Một Cửa');
    await addStaff(env.runtime.database, 'quantri-b', 'admin', b.id, 'Phạm Quản Trị B');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('an officer switches the second factor on by scanning and confirming, then signs in with password and code', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    await page.getByRole('link', { name: 'Tài khoản' }).first().click();
    await page.getByRole('link', { name: 'Cài đặt xác thực hai bước' }).click();
    await page.getByRole('heading', { name: 'Xác thực hai bước', level: 1 }).waitFor();
    const qr = page.getByRole('img', { name: /Mã QR để thêm tài khoản motcua/ });
    expect(await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-totp-phone.png'), fullPage: true });
    const secret = ((await page.locator('[data-totp-secret]').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Mã 6 chữ số từ ứng dụng').fill('000000');
    await page.getByRole('button', { name: 'Bật xác thực hai bước' }).click();
    await page.getByText('Mã không đúng.').waitFor();
    await page.getByLabel('Mã 6 chữ số từ ứng dụng').fill(codeOf(secret, -1));
    await page.getByRole('button', { name: 'Bật xác thực hai bước' }).click();
    await page.getByText('Đã bật xác thực hai bước.').waitFor();

    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await signIn(page, 'motcua');
    await page.getByRole('heading', { name: 'Nhập mã xác thực' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Mã 6 chữ số').fill('111111');
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await page.getByText('Mã xác thực không đúng').waitFor();
    await page.getByLabel('Mã 6 chữ số').fill(codeOf(secret));
    await page.getByRole('button', { name: 'Xác nhận' }).click();
    await page.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    await page.close();
  });

  it("the admin edits the commune's hours and phone, and a resident's web chat answer shows them; another commune's admin sees only theirs", async () => {
    const page = await browser.newPage({ viewport: DESKTOP });
    await signIn(page, 'quantri');
    await page.getByRole('link', { name: 'Thông tin xã' }).click();
    await page.getByRole('heading', { name: 'Thông tin xã' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByLabel('Số điện thoại').fill('gọi cho tôi');
    await page.getByRole('button', { name: 'Lưu thông tin' }).click();
    await page
      .getByRole('alert')
      .getByText(/Số điện thoại chỉ gồm chữ số/)
      .waitFor();
    expect(await page.getByLabel('Số điện thoại').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Số điện thoại').fill('0900 000 321');
    await page.getByLabel(/Giờ làm việc/).fill('Thứ Hai – Thứ Bảy, 7:00–11:30');
    await page.getByRole('button', { name: 'Lưu thông tin' }).click();
    await page.getByText('Đã lưu.').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'console-settings-desktop.png'), fullPage: true });

    const resident = await browser.newPage({ viewport: { width: 420, height: 860 } });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await resident.fill('#t', 'số điện thoại của xã');
    await resident.click('form button[type=submit]');
    await resident.getByText(/0900 000 321/).waitFor();
    await resident.getByText(/Thứ Hai – Thứ Bảy, 7:00–11:30/).waitFor();

    const other = await browser.newPage({ viewport: PHONE });
    await signIn(other, 'quantri-b');
    await other.goto(`${env.baseUrl}/console/settings`);
    expect(await other.getByLabel('Tên xã').inputValue()).toBe('Xã Bên Cạnh');
    expect(await other.getByLabel('Số điện thoại').inputValue()).not.toBe('0900 000 321');
    await Promise.all([page.close(), resident.close(), other.close()]);
  });
});
