import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import readXlsxFile from 'read-excel-file/node';
import { communes, inquiries } from '../../src/db/schema/index.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, STAFF_PASSWORD } from '../helpers/staff.js';

/** The "Câu hỏi gửi cán bộ" section of the console's statistics page in Debian's Chromium, on a phone-sized screen. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PHONE = { width: 360, height: 780 };
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const at = (local: string) => new Date(`${local}:00+07:00`);

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let browser: Browser;

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
    return (await axe.run()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  });
}

describe.runIf(existsSync(CHROMIUM))('statistics of questions for staff in a browser', () => {
  beforeAll(async () => {
    env = await startTestRuntime();
    const db = env.runtime.database.db;
    const a = env.runtime.defaultCommune.id;
    const [b] = await db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    await addStaff(env.runtime.database, 'lanhdao', 'leader', a, 'Lê Văn Thử');
    const row = (communeId: number, n: number, createdAt: string, answeredAt?: string, rating?: number) => ({
      communeId,
      code: `HD-B${n}ZZZ`,
      channel: 'web',
      chatId: `web-${n}`,
      userId: `web-${n}`,
      question: `Câu hỏi thử ${n}`,
      createdAt: at(createdAt),
      status: answeredAt ? 'answered' : 'open',
      answer: answeredAt ? 'Trả lời thử' : null,
      answeredAt: answeredAt ? at(answeredAt) : null,
      rating: rating ?? null,
      ratedAt: rating ? at(answeredAt!) : null,
    });
    await db.insert(inquiries).values([
      // Friday evening before the Giỗ Tổ break (Sunday 26/04, day off Monday 27/04), answered Tuesday 8:30: 60 minutes.
      row(a, 2, '2026-04-24T19:00', '2026-04-28T08:30', 5),
      // Tuesday in hours, 90 minutes.
      row(a, 3, '2026-04-28T09:00', '2026-04-28T10:30', 3),
      // On the 30/4 holiday, still waiting.
      row(a, 4, '2026-04-30T10:00'),
      // Another commune's, same month.
      row(b.id, 5, '2026-04-28T09:00', '2026-04-28T09:05', 1),
    ]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('shows the month’s questions in and out of hours, working time to the answer and ratings, and exports them', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${env.baseUrl}/console`);
    await page.getByLabel('Tên đăng nhập').fill('lanhdao');
    await page.getByLabel('Mật khẩu').fill(STAFF_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.waitForURL(/\/console\/(?!login)/);
    await page.getByRole('link', { name: 'Thống kê' }).click();
    await page.getByRole('heading', { name: 'Câu hỏi gửi cán bộ' }).waitFor();
    await page.getByLabel('Từ ngày').fill('2026-04-01');
    await page.getByLabel('Đến ngày').fill('2026-05-31');
    await page.getByRole('button', { name: 'Xem thống kê' }).click();
    await page.waitForURL(/from=2026-04-01/);

    const section = page.getByRole('region', { name: 'Câu hỏi gửi cán bộ theo tháng' });
    const cells = async (row: number) =>
      (await section.locator('tbody tr').nth(row).locator('td, th').allTextContents()).map((t) => t.trim());
    expect(await cells(0)).toEqual([
      '04/2026', '3', '1', '2', '2', '1 giờ 15 phút', '1 giờ 30 phút', '2', '4,00', '0', '0', '1', '0', '1',
    ]); // prettier-ignore
    expect((await cells(1))[0]).toBe('05/2026');
    expect((await cells(1))[1]).toBe('0');
    expect(await page.locator('#inquiry-summary').textContent()).toBe(
      '3 câu hỏi gửi cán bộ (1 trong giờ làm việc, 2 ngoài giờ); 2 đã trả lời, một nửa trong vòng 1 giờ 15 phút làm việc; ' +
        '2 lượt đánh giá, trung bình 4,00/5.',
    );
    // The dossier figures stay where they were.
    await page.getByRole('heading', { name: 'Thống kê hồ sơ' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    const href = await page.getByRole('link', { name: /Tải về Excel/ }).getAttribute('href');
    const res = await page.request.get(`${env.baseUrl}${href}`);
    expect(res.status()).toBe(200);
    const sheets = await readXlsxFile(await res.body());
    const sheet = sheets.find((s) => s.sheet === 'Câu hỏi')!;
    expect(sheet.data.find((r) => r[0] === '04/2026')).toEqual(['04/2026', 3, 1, 2, 2, 75, 90, 2, 4, 0, 0, 1, 0, 1]);
    expect(sheet.data.find((r) => r[0] === 'Tổng cộng')?.slice(1, 5)).toEqual([3, 1, 2, 2]);
    await page.close();
  });
});
