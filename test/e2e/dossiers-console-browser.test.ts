import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import readXlsxFile from 'read-excel-file/node';
import { auditLog } from '../../src/db/schema/index.js';
import { chat, startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';

/** The "Hồ sơ" and "Thống kê" console pages (issue 15) in Debian's Chromium, on a phone-sized screen. */
const LATE = '000.33.12.H56-250102-0001';
const OPEN = '000.33.12.H56-260102-0002';
const DONE = '000.33.12.H56-260103-0003';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function signIn(page: Page, username: string) {
  await signInPage(page, env.baseUrl, username);
}

async function put(code: string, body: Record<string, unknown>) {
  const res = await fetch(`${env.baseUrl}/api/v1/dossiers/${code}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      procedureCode: '1.001193',
      channel: 'truc_tuyen',
      applicantName: 'Công dân Giả lập',
      applicantPhone: '0900000001',
      ...body,
    }),
  });
  expect(res.status, await res.text()).toBe(201);
}

describe.runIf(existsSync(CHROMIUM))('dossier and statistics pages in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime();
    const a = env.runtime.defaultCommune.id;
    await addStaff(env.runtime.database, 'motcua', 'officer', a, 'Trần Một Cửa');
    await addStaff(env.runtime.database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    const year = new Date().getFullYear();
    await put(LATE, { status: 4, receivedAt: '2025-01-02T08:00:00+07:00', dueAt: '2025-01-07T17:00:00+07:00' });
    await put(OPEN, {
      status: 2,
      receivedAt: `${year}-01-02T08:00:00+07:00`,
      dueAt: `${year + 1}-12-30T17:00:00+07:00`,
      channel: 'truc_tiep',
    });
    await put(DONE, {
      status: 10,
      receivedAt: `${year}-01-03T08:00:00+07:00`,
      dueAt: `${year}-01-09T17:00:00+07:00`,
      finishedAt: `${year}-01-06T10:00:00+07:00`,
      returnedAt: `${year}-01-06T15:00:00+07:00`,
    });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('lists open dossiers late first, opens one with its history (audited), and finds one by code', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    await page.getByRole('link', { name: 'Hồ sơ', exact: true }).click();
    await page.getByRole('heading', { name: 'Hồ sơ', level: 1 }).waitFor();
    const rows = page.locator('#open-dossiers tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.first().textContent()).toContain(LATE);
    expect(await rows.first().textContent()).toMatch(/quá hẹn/);
    expect(await page.locator('#open-dossiers').textContent()).not.toContain(DONE);
    expect(await axeViolations(page)).toEqual([]);

    await page.getByLabel('Tra cứu theo mã hồ sơ').fill(DONE.toLowerCase());
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await page.getByRole('heading', { name: `Hồ sơ ${DONE}` }).waitFor();
    expect(await page.locator('#dossier').textContent()).toContain('Đã trả kết quả');
    expect(await page.locator('#history li').count()).toBeGreaterThan(0);
    const viewed = await env.runtime.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'dossier.viewed'), eq(auditLog.subject, DONE)));
    expect(viewed.map((r) => r.actor)).toEqual([expect.stringMatching(/^staff:\d+$/)]);

    await page.goto(`${env.baseUrl}/console/dossiers?code=khong-phai-ma`);
    expect(await page.getByRole('alert').or(page.locator('.flash')).first().textContent()).toMatch(/không phải là mã hồ sơ/);
    await page.close();
  });

  it('shows a code locked by wrong guesses and lets an officer unlock it (audited)', async () => {
    for (let i = 0; i < 5; i++) {
      await chat(env.baseUrl, { sessionId: `console-guesser-${i}`, text: OPEN });
      await chat(env.baseUrl, { sessionId: `console-guesser-${i}`, text: String(1000 + i) });
    }
    const locked = await chat(env.baseUrl, { sessionId: 'console-owner', text: OPEN });
    expect(locked.json.replies[0].text).toContain('tạm khóa');

    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'motcua');
    await page.goto(`${env.baseUrl}/console/dossiers/${OPEN}`);
    expect(await page.locator('#verification').textContent()).toMatch(/đang tạm khóa đến .* do 5 lần nhập sai/);
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Mở khóa tra cứu' }).click();
    await page.getByText('Đã mở khóa tra cứu').waitFor();
    expect(await page.locator('#verification').textContent()).toContain('Không có lần nhập sai nào');
    const unlocked = await env.runtime.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'dossier.verification_unlocked'), eq(auditLog.subject, OPEN)));
    expect(unlocked.map((r) => [r.actor, r.details])).toEqual([
      [expect.stringMatching(/^staff:\d+$/), { cleared: 5, wasLocked: true }],
    ]);
    await page.close();

    const again = await chat(env.baseUrl, { sessionId: 'console-owner', text: OPEN });
    expect(again.json.replies[0].text).toContain('4 số cuối');
  }, 60_000);

  it('shows a leader the year’s figures and exports them as a workbook, but not the dossiers', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await signIn(page, 'lanhdao');
    expect(await page.getByRole('link', { name: 'Hồ sơ', exact: true }).count()).toBe(0);
    const denied = await page.goto(`${env.baseUrl}/console/dossiers`);
    expect(denied?.status()).toBe(403);

    await page.getByRole('link', { name: 'Thống kê' }).click();
    await page.getByRole('heading', { name: 'Thống kê hồ sơ' }).waitFor();
    expect(await page.locator('#summary').textContent()).toMatch(/tổng hồ sơ tiếp nhận 2/);
    expect(await axeViolations(page)).toEqual([]);

    const href = await page.getByRole('link', { name: /Tải về Excel/ }).getAttribute('href');
    const res = await page.request.get(`${env.baseUrl}${href}`);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-disposition']).toMatch(/attachment; filename="?thong-ke-ho-so-\d{4}-01-01-.*\.xlsx/);
    const sheets = await readXlsxFile(await res.body());
    expect(sheets.map((s) => s.sheet)).toEqual(['Tổng hợp', 'Theo tháng', 'Theo thủ tục', 'Câu hỏi']);
    const totals = sheets[0].data.find((r) => r[0] === 'Tổng cộng')!;
    expect(totals.slice(1, 3)).toEqual([2, 1]); // received this year, of them online
    const exported = await env.runtime.database.db.select().from(auditLog).where(eq(auditLog.action, 'stats.exported'));
    expect(exported).toHaveLength(1);

    const bad = await page.goto(`${env.baseUrl}/console/stats?from=2026-12-31&to=2026-01-01`);
    expect(bad?.status()).toBe(422);
    await page.close();
  });
});
