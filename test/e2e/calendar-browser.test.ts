import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { auditLog, calendarDays, communeWorkingHours } from '../../src/db/schema/index.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';

/** The "Lịch làm việc" console page in a real browser (Debian's Chromium), on a phone-sized screen. */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function signIn(page: Page, username: string) {
  await signInPage(page, env.baseUrl, username);
}

/** When the counter opens next (now), from the public API. */
async function nextOpen(): Promise<{ open: boolean; opensAt: string }> {
  return (await (await fetch(`${env.baseUrl}/api/v1/calendar/next-open`)).json()) as { open: boolean; opensAt: string };
}

const ddmmyyyy = (iso: string) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}`;

describe.runIf(existsSync(CHROMIUM))('the working calendar page in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime();
    const a = env.runtime.defaultCommune.id;
    await addStaff(env.runtime.database, 'quantri', 'admin', a, 'Nguyễn Quản Trị');
    await addStaff(env.runtime.database, 'motcua', 'officer', a, 'Trần Một Cửa');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('lets the admin add an announced day off on the next opening day: the next opening moves, then comes back when removed', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'quantri');
    await page.getByRole('link', { name: 'Lịch làm việc' }).click();
    await page.getByRole('heading', { name: 'Lịch làm việc', level: 1 }).waitFor();
    expect(await page.locator('#calendar-days').getByText('Tết Nguyên đán').count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);

    const before = await nextOpen();
    const day = before.opensAt.slice(0, 10); // today when open now, else the next opening day
    // Between midnight and the morning opening the page says "7:30 sáng nay", not the date.
    const todayLocal = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
    const expected = before.open ? 'đang làm việc' : day === todayLocal ? ' nay' : ddmmyyyy(day);
    expect(await page.locator('#next-open').textContent()).toContain(expected);

    await page.getByLabel('Ngày', { exact: true }).fill(day);
    await page.getByLabel('Loại ngày').selectOption('day_off');
    await page.getByLabel(/^Tên/).fill('Nghỉ theo thông báo của tỉnh');
    await page.getByRole('button', { name: 'Thêm ngày' }).click();
    await page.getByText(`Đã thêm ngày ${ddmmyyyy(day)}.`).waitFor();

    const after = await nextOpen();
    expect(after.open).toBe(false);
    expect(after.opensAt.slice(0, 10) > day).toBe(true);
    const status = await page.locator('#next-open').textContent();
    expect(status).toContain(ddmmyyyy(after.opensAt.slice(0, 10)));
    expect(status).toContain('nghỉ theo thông báo của tỉnh');
    await page.locator('#calendar-days').getByText('Nghỉ theo thông báo của tỉnh').waitFor();
    await page.screenshot({ path: join(SHOTS, 'console-calendar-phone.png'), fullPage: true });

    const db = env.runtime.database.db;
    const [row] = await db.select().from(calendarDays).where(eq(calendarDays.day, day));
    expect(row).toMatchObject({ communeId: env.runtime.defaultCommune.id, kind: 'day_off' });
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'calendar.day_added'))).toHaveLength(1);

    await page.getByRole('button', { name: `Xóa ngày ${ddmmyyyy(day)}` }).click();
    await page.getByText(`Đã xóa ngày ${ddmmyyyy(day)}.`).waitFor();
    const restored = await nextOpen();
    if (before.open) expect(restored.open).toBe(true);
    else expect(restored.opensAt).toBe(before.opensAt);
    expect(await db.select().from(calendarDays)).toEqual([]);
    expect(await db.select().from(auditLog).where(eq(auditLog.action, 'calendar.day_removed'))).toHaveLength(1);
  }, 90_000);

  it('refuses a bad day and a bad schedule with a message, and saves the weekly hours (audited)', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'quantri');
    await page.goto(`${env.baseUrl}/console/calendar`);
    // Friday afternoon ending before it starts.
    await page.locator('#d5_1_to').fill('12:00');
    await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
    await page.getByText(/giờ bắt đầu phải trước giờ kết thúc/).waitFor();
    // Saturday morning reception.
    await page.locator('#d6_0_from').fill('07:30');
    await page.locator('#d6_0_to').fill('11:30');
    await page.getByRole('button', { name: 'Lưu giờ làm việc' }).click();
    await page.getByText('Đã lưu giờ làm việc.').waitFor();
    // A write without the session's CSRF token changes nothing.
    const forged = await page.evaluate(async () => {
      const r = await fetch('/console/calendar/hours', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'd0_0_from=07:30&d0_0_to=11:30',
      });
      return r.status;
    });
    expect(forged).toBe(403);
    const db = env.runtime.database.db;
    const [hours] = await db.select().from(communeWorkingHours);
    expect(hours.weekly[0]).toEqual([]);
    expect(hours.weekly[6]).toEqual([{ from: '07:30', to: '11:30' }]);
    expect(hours.weekly[5]).toEqual([
      { from: '07:30', to: '11:30' },
      { from: '13:30', to: '17:00' },
    ]);
    expect(
      await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, 'calendar.hours_changed'), like(auditLog.actor, 'staff:%'))),
    ).toHaveLength(1);
  }, 60_000);

  it('shows an officer the calendar without the forms, and refuses her writes', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    const res = await page.goto(`${env.baseUrl}/console/calendar`);
    expect(res?.status()).toBe(200);
    await page.locator('#calendar-days').waitFor();
    expect(await page.locator('#add-day').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Lưu giờ làm việc' }).count()).toBe(0);
    const csrf = await page.evaluate(
      async () => ((await (await fetch('/api/v1/staff/me')).json()) as { csrfToken: string }).csrfToken,
    );
    const status = await page.evaluate(async (token) => {
      const r = await fetch('/console/calendar/days', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token },
        body: `_csrf=${encodeURIComponent(token)}&date=2027-03-01&kind=day_off&name=Nghi+thu`,
      });
      return r.status;
    }, csrf);
    expect(status).toBe(403);
    expect(await env.runtime.database.db.select().from(calendarDays)).toEqual([]);

    // Her inbox counts a question's wait in working hours.
    await chat(env.baseUrl, { sessionId: 'calendar-wait', text: 'gặp cán bộ' });
    await chat(env.baseUrl, { sessionId: 'calendar-wait', text: 'Cho hỏi lịch tiếp dân tuần sau' });
    await page.goto(`${env.baseUrl}/console/inbox`);
    await page
      .locator('.tag.wait', { hasText: /^chờ (dưới 1 phút|\d+ phút) làm việc$/ })
      .first()
      .waitFor();
  }, 60_000);
});
