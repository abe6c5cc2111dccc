import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, noticeDeliveries, notices } from '../../src/db/schema/index.js';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';

/**
 * Approval of notices in a real browser (Debian's Chromium), phone-sized: the admin turns the setting on,
 * an officer composes and sends, a leader approves in the console, and the subscribed web chat receives it.
 * All names are synthetic.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function staffPage(username: string): Promise<Page> {
  const page = await browser.newPage({ viewport: PHONE });
  page.on('dialog', (d) => void d.accept());
  await signInPage(page, env.baseUrl, username);
  return page;
}

/** Outbox rows of the rejected notice (none: it is never queued). */
async function deliveriesOfRejected(): Promise<number> {
  const db = env.runtime.database.db;
  const [row] = await db.select().from(notices).where(eq(notices.title, 'Họp tổ dân phố'));
  return (await db.select().from(noticeDeliveries).where(eq(noticeDeliveries.noticeId, row.id))).length;
}

async function say(page: Page, text: string) {
  await page.fill('#t', text);
  await page.click('form button[type=submit]');
}

describe.runIf(existsSync(CHROMIUM))('approving a notice in the console', () => {
  beforeAll(async () => {
    env = await startTestRuntime({ SEED_CATALOG: 'false' });
    const a = env.runtime.defaultCommune.id;
    await addStaff(env.runtime.database, 'duyet.quantri', 'admin', a, 'Nguyễn Quản Trị Thử');
    await addStaff(env.runtime.database, 'duyet.canbo', 'officer', a, 'Trần Cán Bộ Thử');
    await addStaff(env.runtime.database, 'duyet.lanhdao', 'leader', a, 'Lê Lãnh Đạo Thử');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('an officer composes with approval required, a leader approves, the web chat receives it', async () => {
    const admin = await staffPage('duyet.quantri');
    await admin.goto(`${env.baseUrl}/console/settings`);
    await admin.getByLabel(/phải được lãnh đạo hoặc quản trị duyệt/).check();
    await admin.getByRole('button', { name: 'Lưu cài đặt thông báo' }).click();
    await admin.getByText('Đã lưu: thông báo sẽ chờ duyệt trước khi gửi.').waitFor();
    expect(await admin.getByLabel(/phải được lãnh đạo hoặc quản trị duyệt/).isChecked()).toBe(true);

    const resident = await browser.newPage({ viewport: PHONE });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await say(resident, 'đăng ký nhận thông báo');
    await resident.getByRole('button', { name: 'Xong' }).last().click();
    await resident.getByText(/Đã đăng ký nhận thông báo/).waitFor();

    const officer = await staffPage('duyet.canbo');
    await officer.goto(`${env.baseUrl}/console/notices`);
    await officer.locator('#approval-note').waitFor();
    await officer.getByLabel('Tiêu đề').fill('Phun thuốc diệt muỗi');
    await officer.getByLabel('Nội dung').fill('Sáng Chủ nhật, đội y tế phun thuốc toàn xã.');
    await officer.getByRole('button', { name: 'Gửi ngay' }).click();
    await officer.getByText('Đã chuyển thông báo để lãnh đạo duyệt; thông báo được gửi sau khi duyệt.').waitFor();
    expect(await officer.locator('#notice-status').textContent()).toContain('Chờ duyệt');
    // An officer sees the notice waiting but has no approve button.
    expect(await officer.getByRole('button', { name: 'Duyệt', exact: true }).count()).toBe(0);

    const leader = await staffPage('duyet.lanhdao');
    await leader.goto(`${env.baseUrl}/console/notices`);
    await leader.getByRole('heading', { name: 'Chờ duyệt (1)' }).waitFor();
    expect(await axeViolations(leader)).toEqual([]);
    await leader.screenshot({ path: join(SHOTS, 'console-notices-approval-phone.png'), fullPage: true });
    // Nothing has reached the resident yet.
    expect(await resident.getByText(/📢 Phun thuốc diệt muỗi/).count()).toBe(0);
    await leader.getByRole('button', { name: 'Duyệt', exact: true }).click();
    await leader.getByText('Đã duyệt và bắt đầu gửi thông báo.').waitFor();

    await resident.getByText(/📢 Phun thuốc diệt muỗi/).waitFor({ timeout: 20_000 });
    const db = env.runtime.database.db;
    const [row] = await db.select().from(notices).where(eq(notices.title, 'Phun thuốc diệt muỗi'));
    expect(row.status).toBe('sent');
    const approved = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'notice.approved'), eq(auditLog.subject, String(row.id))));
    expect(approved).toHaveLength(1);
  }, 120_000);

  it('a leader rejects a notice with a reason in the console; the officer reads it and nothing is sent', async () => {
    const officer = await staffPage('duyet.canbo');
    await officer.goto(`${env.baseUrl}/console/notices`);
    await officer.getByLabel('Tiêu đề').fill('Họp tổ dân phố');
    await officer.getByLabel('Nội dung').fill('Tối thứ Sáu tại nhà văn hóa.');
    await officer.getByRole('button', { name: 'Gửi ngay' }).click();
    await officer.getByText(/Đã chuyển thông báo để lãnh đạo duyệt/).waitFor();

    const leader = await staffPage('duyet.lanhdao');
    await leader.goto(`${env.baseUrl}/console/notices`);
    await leader.getByLabel('Lý do từ chối').fill('Chưa ghi giờ họp.');
    await leader.getByRole('button', { name: 'Từ chối' }).click();
    await leader.getByText('Đã từ chối thông báo; thông báo sẽ không được gửi.').waitFor();

    await officer.goto(`${env.baseUrl}/console/notices`);
    await officer.getByRole('link', { name: 'Họp tổ dân phố' }).click();
    await officer.getByText(/Lý do: Chưa ghi giờ họp\./).waitFor();
    expect(await officer.locator('#notice-status').textContent()).toContain('Bị từ chối');
    expect(await deliveriesOfRejected()).toBe(0);
  }, 90_000);

  it('an officer attaches a PNG to a draft in the console; once approved, the web chat links to it', async () => {
    const officer = await staffPage('duyet.canbo');
    await officer.goto(`${env.baseUrl}/console/notices`);
    await officer.getByLabel('Tiêu đề').fill('Bản đồ vùng ngập');
    await officer.getByLabel('Nội dung').fill('Bà con xem bản đồ đính kèm.');
    await officer.getByRole('button', { name: 'Lưu nháp' }).click();
    await officer.getByText('Đã lưu bản nháp.').waitFor();
    const png = await sharp({ create: { width: 12, height: 8, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    await officer
      .getByLabel(/Ảnh \(JPEG, PNG\) hoặc tệp PDF/)
      .setInputFiles({ name: 'ban-do.png', mimeType: 'image/png', buffer: png });
    await officer.getByRole('button', { name: 'Tải tệp lên' }).click();
    await officer.locator('#attachment-current').getByText('ban-do.png').waitFor();
    expect(await axeViolations(officer)).toEqual([]);
    // A text file is refused with the API's Vietnamese message.
    await officer.getByLabel(/Ảnh \(JPEG, PNG\) hoặc tệp PDF/).setInputFiles({
      name: 'ghi-chu.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('không phải ảnh'),
    });
    await officer.getByRole('button', { name: 'Tải tệp lên' }).click();
    await officer.getByText('Tệp đính kèm phải là ảnh JPEG, PNG hoặc tệp PDF.').waitFor();
    await officer.getByRole('button', { name: 'Gửi ngay' }).click();
    await officer.getByText('Đã chuyển thông báo để lãnh đạo duyệt.').waitFor();

    const resident = await browser.newPage({ viewport: PHONE });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await say(resident, 'đăng ký nhận thông báo');
    await resident.getByRole('button', { name: 'Xong' }).last().click();
    await resident.getByText(/Đã đăng ký nhận thông báo/).waitFor();

    const leader = await staffPage('duyet.lanhdao');
    await leader.goto(`${env.baseUrl}/console/notices`);
    await leader.getByRole('link', { name: 'Bản đồ vùng ngập' }).first().click();
    // The leader can open the file before deciding.
    const fileHref = await leader.locator('#attachment-current a').getAttribute('href');
    const preview = await leader.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type') };
    }, fileHref!);
    expect(preview).toEqual({ status: 200, type: 'image/png' });
    await leader.getByRole('button', { name: 'Duyệt', exact: true }).click();
    await leader.getByText('Đã duyệt và bắt đầu gửi thông báo.').waitFor();

    await resident.getByText(/📢 Bản đồ vùng ngập/).waitFor({ timeout: 20_000 });
    const link = resident.getByRole('link', { name: 'Xem ảnh đính kèm' }).last();
    const href = await link.getAttribute('href');
    expect(href).toMatch(/^notices\/files\//);
    const got = await resident.evaluate(async (u) => (await fetch(u)).headers.get('content-type'), href!);
    expect(got).toBe('image/png');
  }, 120_000);
});
