import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { auditLog, noticeDeliveries, notices, outboundMessages } from '../../src/db/schema/index.js';
import { subscribe } from '../../src/features/notices/service.js';
import { UNCERTAIN_SEND } from '../../src/pipeline/outbox/delivery-store.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';

/** The "Thông báo" console page in a real browser (Debian's Chromium), on a phone-sized screen, and the web chat receiving. */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function signIn(page: Page, username: string) {
  await signInPage(page, env.baseUrl, username);
}

/** Type into the resident web chat and send. */
async function say(page: Page, text: string) {
  await page.fill('#t', text);
  await page.click('form button[type=submit]');
}

describe.runIf(existsSync(CHROMIUM))('the notices page in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime({ SEED_CATALOG: 'false' });
    const a = env.runtime.defaultCommune.id;
    await addStaff(env.runtime.database, 'quantri', 'admin', a, 'Nguyễn Quản Trị');
    await addStaff(env.runtime.database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('an admin adds a hamlet, a resident subscribes in the web chat, the admin composes with the live count and sends; the chat shows it', async () => {
    const staff = await browser.newPage({ viewport: PHONE });
    await signIn(staff, 'quantri');
    await staff.getByRole('link', { name: 'Thông báo' }).click();
    await staff.getByRole('heading', { name: 'Thông báo cho người dân', level: 1 }).waitFor();
    await staff.getByRole('link', { name: 'Danh sách ấp, thôn và chủ đề' }).click();
    await staff.getByLabel('Thêm ấp, thôn').fill('Thôn Bắc');
    await staff.getByRole('button', { name: 'Thêm', exact: true }).first().click();
    await staff.getByText('Đã thêm "Thôn Bắc".').waitFor();
    await staff.getByLabel('Thêm ấp, thôn').fill('Thôn Nam');
    await staff.getByRole('button', { name: 'Thêm', exact: true }).first().click();
    await staff.getByText('Đã thêm "Thôn Nam".').waitFor();
    expect(await axeViolations(staff)).toEqual([]);

    // A resident subscribes on the web chat: Thôn Bắc, every topic.
    const resident = await browser.newPage({ viewport: PHONE });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await say(resident, 'đăng ký nhận thông báo');
    await resident.getByRole('button', { name: 'Thôn Bắc' }).last().click();
    await resident.getByRole('button', { name: 'Xong' }).last().click();
    await resident.getByText(/Đã đăng ký nhận thông báo/).waitFor();

    await staff.goto(`${env.baseUrl}/console/notices`);
    await staff.getByLabel('Tiêu đề').fill('Tiêm vắc xin sởi');
    await staff.getByLabel('Nội dung').fill('Sáng thứ Bảy 12/12/2026 tại trạm y tế xã.\nMang theo sổ tiêm chủng.');
    const count = staff.locator('#preview-count');
    expect(await count.textContent()).toContain('Số người nhận: 1');
    // The count follows the ticks: nobody in Thôn Nam, the resident in Thôn Bắc.
    await staff.getByLabel(/Thôn Nam/).check();
    await staff.getByText('Số người nhận: 0', { exact: true }).waitFor();
    await staff.getByLabel(/Thôn Nam/).uncheck();
    await staff.getByLabel(/Thôn Bắc/).check();
    await staff.getByLabel(/Lịch tiếp dân/).check();
    await staff.getByText('Số người nhận: 1 (Web chat: 1)').waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SHOTS, 'console-notices-phone.png'), fullPage: true });
    await staff.getByRole('button', { name: 'Gửi ngay' }).click();
    await staff.getByText('Đã bắt đầu gửi thông báo.').waitFor();
    await staff.getByRole('heading', { name: 'Tiêm vắc xin sởi' }).waitFor();
    // The notice is queued in the background (a large audience takes minutes): the report counts it soon after.
    const [sentRow] = await env.runtime.database.db.select().from(notices).where(eq(notices.title, 'Tiêm vắc xin sởi'));
    const url = `${env.baseUrl}/console/notices/${sentRow.id}`;
    await expect
      .poll(
        async () => {
          await staff.goto(url);
          return staff.locator('#report [data-count="sent"]').textContent();
        },
        { timeout: 15_000 },
      )
      .toBe('1');

    // The web chat's poll brings it to the resident's page.
    await resident.getByText(/📢 Tiêm vắc xin sởi/).waitFor({ timeout: 20_000 });
    expect(await resident.getByText(/Mang theo sổ tiêm chủng/).count()).toBeGreaterThan(0);

    const db = env.runtime.database.db;
    const [row] = await db.select().from(notices).where(eq(notices.title, 'Tiêm vắc xin sởi'));
    expect(row.status).toBe('sent');
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'notice.sent'))).toHaveLength(1);
  }, 120_000);

  it('schedules a notice and cancels it; a leader reads but has no form', async () => {
    const staff = await browser.newPage({ viewport: PHONE });
    staff.on('dialog', (d) => void d.accept());
    await signIn(staff, 'quantri');
    await staff.goto(`${env.baseUrl}/console/notices`);
    await staff.getByLabel('Tiêu đề').fill('Lịch tiếp công dân');
    await staff.getByLabel('Nội dung').fill('Chủ tịch xã tiếp công dân sáng thứ Năm.');
    await staff.getByRole('button', { name: 'Lên lịch' }).click();
    await staff.getByText('Anh/chị chọn thời điểm gửi để lên lịch.').waitFor();
    expect(await staff.getByLabel('Tiêu đề').inputValue()).toBe('Lịch tiếp công dân');
    // The day after tomorrow, 8:00 in Vietnam.
    const day = new Date(Date.now() + 7 * 3_600_000 + 2 * 86_400_000).toISOString().slice(0, 10);
    await staff.getByLabel(/Gửi lúc/).fill(`${day}T08:00`);
    await staff.getByRole('button', { name: 'Lên lịch' }).click();
    const ddmmyyyy = `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
    await staff
      .getByText(new RegExp(`Đã lên lịch gửi lúc .*08:00.*${ddmmyyyy}|Đã lên lịch gửi lúc .*${ddmmyyyy}.*08:00`))
      .waitFor();
    await staff.getByRole('button', { name: 'Hủy thông báo' }).click();
    await staff.getByText('Đã hủy thông báo.').waitFor();
    expect(await staff.locator('#notice-status').textContent()).toContain('Đã hủy');

    const reader = await browser.newPage({ viewport: PHONE });
    await signIn(reader, 'lanhdao');
    await reader.goto(`${env.baseUrl}/console/notices`);
    await reader.getByRole('link', { name: 'Lịch tiếp công dân' }).waitFor();
    expect(await reader.locator('#compose').count()).toBe(0);
    const forged = await reader.evaluate(async () => {
      const r = await fetch('/console/notices', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'title=x&text=y&mode=now',
      });
      return r.status;
    });
    expect(forged).toBe(403);
  }, 90_000);

  it('on a phone, resends a sent notice to the resident whose copy is unconfirmed, after a warning', async () => {
    // A copy as a crash mid-send leaves it: sent, unconfirmed (the runtime has no Telegram bot: the reopened copy
    // only waits to be retried).
    const db = env.runtime.database.db;
    const communeId = env.runtime.defaultCommune.id;
    const sub = await subscribe(db, {
      communeId,
      channel: 'telegram',
      chatId: '5700000001',
      userId: '5700000001',
      hamletId: null,
      topicIds: [],
    });
    const [n] = await db
      .insert(notices)
      .values({
        communeId,
        title: 'Lịch phun thuốc muỗi',
        body: 'Sáng Chủ nhật.',
        status: 'sent',
        sentAt: new Date(),
        createdBy: 'staff:1',
      })
      .returning();
    const [copy] = await db
      .insert(outboundMessages)
      .values({
        communeId,
        channel: 'telegram',
        chatId: sub.chatId,
        userId: sub.userId,
        payload: { text: '📢 Lịch phun thuốc muỗi' },
        priority: 1,
        status: 'sent',
        sentAt: new Date(),
        // Settled as in flight a while ago: a copy settled in the last minutes is not reopened yet.
        sendStartedAt: new Date(Date.now() - 10 * 60_000),
        unconfirmed: true,
        lastError: UNCERTAIN_SEND,
        attempts: 1,
      })
      .returning();
    await db.insert(noticeDeliveries).values({
      noticeId: n.id,
      subscriptionId: sub.id,
      communeId,
      channel: 'telegram',
      chatId: sub.chatId,
      outboundId: copy.id,
    });

    const staff = await browser.newPage({ viewport: PHONE });
    staff.on('dialog', (d) => void d.accept());
    await signIn(staff, 'quantri');
    await staff.goto(`${env.baseUrl}/console/notices/${n.id}`);
    await staff.getByText(/sẽ nhận thêm một lần nữa/).waitFor();
    const button = staff.getByRole('button', { name: 'Gửi lại 1 tin chưa xác nhận' });
    expect(await staff.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SHOTS, 'console-notice-resend-phone.png'), fullPage: true });
    await button.click();
    await staff.getByText('Đang gửi lại 1 tin chưa xác nhận.').waitFor();
    expect(await staff.locator('#resend-unconfirmed').count()).toBe(0);
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'notice.resend_unconfirmed'))).toHaveLength(1);
  }, 60_000);
});
