import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { reports } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';
import { jpegWithGps } from '../helpers/reports-jpeg.js';
import { until } from '../helpers/until.js';

/**
 * The "Phản ánh" console page in a real browser (Debian's Chromium) on a
 * phone-sized screen: residents report on Telegram (the fake Bot API), one
 * with a photo shown as a thumbnail once downloaded, an
 * officer takes the report in hand, merges a duplicate and closes it, and the
 * residents receive each change.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const TOKEN = '7000000012:TEST-token-for-reports-browser';
const SECRET = 'reports_browser_secret-1';
const CHAT_A = 5400000001;
const CHAT_B = 5400000002;
const tgText = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));
const tgLocation = JSON.parse(readFileSync(new URL('../fixtures/telegram/location.json', import.meta.url), 'utf8'));
const tgPhoto = JSON.parse(readFileSync(new URL('../fixtures/telegram/photo.json', import.meta.url), 'utf8'));

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let tg: FakeTelegram;
let browser: Browser;
let seq = 0;
let photoDir: string;

async function telegram(chatId: number, update: Record<string, any>) {
  const u = structuredClone(update);
  u.update_id = 990000 + ++seq;
  u.message.message_id = u.update_id;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
  expect(res.status).toBe(200);
}
const say = (chatId: number, text: string) => telegram(chatId, { ...tgText, message: { ...tgText.message, text } });
const received = (chatId: number, part: string) =>
  until(() =>
    tg
      .sent({ token: TOKEN, chatId })
      .map((s) => String(s.payload.text ?? ''))
      .find((t) => t.includes(part)),
  );

async function signIn(page: Page, username: string) {
  await signInPage(page, env.baseUrl, username);
}

describe.runIf(existsSync(CHROMIUM))('the reports page in a browser', () => {
  let codeA: string;
  let codeB: string;

  beforeAll(async () => {
    tg = await startFakeTelegram();
    tg.addFile('AgACAgUAAxkBAAIBfakePhotoLarge', await jpegWithGps());
    photoDir = await mkdtemp(join(tmpdir(), 'pa-browser-photos-'));
    env = await startTestRuntime({
      REPORT_PHOTOS_DIR: photoDir,
      REPORT_PHOTO_POLL_MS: '50',
      SEED_CATALOG: 'false',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
    });
    const a = env.runtime.defaultCommune.id;
    await addStaff(env.runtime.database, 'canbo', 'officer', a, 'Trần Cán Bộ');
    await addStaff(env.runtime.database, 'lanhdao', 'leader', a, 'Lê Lãnh Đạo');
    browser = await launchChromium();

    // Resident A: a street light, with a shared location.
    await say(CHAT_A, 'đèn đường hỏng');
    await received(CHAT_A, 'mô tả ngắn gọn');
    await say(CHAT_A, 'Đèn đường trước chợ ấp Bình An tắt cả tuần nay');
    await received(CHAT_A, 'Sự việc ở đâu');
    await telegram(CHAT_A, tgLocation);
    await received(CHAT_A, 'gửi ảnh sự việc');
    await telegram(CHAT_A, tgPhoto);
    await received(CHAT_A, 'Đã nhận 1 ảnh');
    await say(CHAT_A, 'xong');
    await received(CHAT_A, 'kiểm tra lại phản ánh');
    await say(CHAT_A, 'gửi');
    codeA = /PA-[A-Z0-9]{6}/.exec(await received(CHAT_A, 'Mã phản ánh'))![0];
    // Resident B: the same light, a typed address.
    await say(CHAT_B, 'phản ánh đèn đường');
    await received(CHAT_B, 'mô tả ngắn gọn');
    await say(CHAT_B, 'Cột đèn ở chợ Bình An không sáng');
    await received(CHAT_B, 'Sự việc ở đâu');
    await say(CHAT_B, 'Chợ ấp Bình An');
    await received(CHAT_B, 'gửi ảnh sự việc');
    await say(CHAT_B, 'không có ảnh');
    await received(CHAT_B, 'kiểm tra lại phản ánh');
    await say(CHAT_B, 'gửi');
    codeB = /PA-[A-Z0-9]{6}/.exec(await received(CHAT_B, 'Mã phản ánh'))![0];
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await tg?.close();
    if (photoDir) await rm(photoDir, { recursive: true, force: true });
  });

  it('an officer sees the queue with counts, opens a report with its map link, takes it in hand, merges the duplicate and closes it', async () => {
    const staff = await browser.newPage({ viewport: PHONE });
    await signIn(staff, 'canbo');
    await staff.getByRole('link', { name: 'Phản ánh' }).click();
    await staff.getByRole('heading', { name: 'Phản ánh, kiến nghị của người dân', level: 1 }).waitFor();
    await staff.getByRole('link', { name: 'Đã tiếp nhận (2)' }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SHOTS, 'console-reports-phone.png'), fullPage: true });

    await staff.getByRole('link', { name: new RegExp(codeA) }).click();
    await staff.getByRole('heading', { name: `Phản ánh ${codeA}` }).waitFor();
    const map = staff.getByRole('link', { name: /Xem trên bản đồ/ });
    expect(await map.getAttribute('href')).toBe(
      'https://www.openstreetmap.org/?mlat=10.776889&mlon=106.700806#map=18/10.776889/106.700806',
    );
    expect(await staff.getByText('Đèn đường trước chợ ấp Bình An tắt cả tuần nay').count()).toBe(1);
    // The photo, downloaded from Telegram after the chat answered, is shown as a thumbnail that loads.
    const db = env.runtime.database.db;
    await until(async () => (await db.select().from(reports).where(eq(reports.code, codeA)))[0].photos[0]?.state === 'stored');
    await staff.reload();
    const thumb = staff.getByRole('img', { name: `Ảnh 1 của phản ánh ${codeA}` });
    await thumb.waitFor();
    const loaded = await thumb.evaluate((img) => {
      const i = img as unknown as { complete: boolean; naturalWidth: number };
      return i.complete ? i.naturalWidth : 0;
    });
    expect(loaded).toBe(64);
    expect(await axeViolations(staff)).toEqual([]);

    await staff.getByLabel('Trạng thái mới').selectOption({ label: 'Đang xử lý' });
    await staff.getByLabel('Cán bộ phụ trách').selectOption({ label: 'Trần Cán Bộ' });
    await staff.getByLabel(/Ghi chú gửi người dân/).fill('Đã báo điện lực, dự kiến thay bóng trong tuần.');
    await staff.getByRole('button', { name: 'Lưu' }).click();
    await staff.getByText('Đã lưu. Đã gửi tin cho 1 người phản ánh.').waitFor();
    expect(await received(CHAT_A, 'Đã báo điện lực, dự kiến thay bóng trong tuần.')).toContain(
      `Phản ánh ${codeA} (đèn đường) của anh/chị đang được`,
    );
    expect(await staff.getByText('Trần Cán Bộ').count()).toBeGreaterThan(0);

    // The duplicate: merged into the first one by its code.
    const [b] = await db.select().from(reports).where(eq(reports.code, codeB));
    await staff.goto(`${env.baseUrl}/console/reports/${b.id}`);
    await staff.getByLabel('Mã phản ánh chính').fill(codeA.toLowerCase());
    await staff.getByRole('button', { name: 'Gộp vào phản ánh này' }).click();
    await staff.getByText('Đã gộp phản ánh. Đã gửi tin cho 1 người phản ánh.').waitFor();
    await received(CHAT_B, `(mã ${codeA})`);
    await staff.getByRole('link', { name: codeA }).click();
    await staff.getByRole('link', { name: codeB }).waitFor();

    // A refusal is a flash on the page, not an error page.
    await staff.getByLabel('Trạng thái mới').selectOption({ label: 'Không thuộc thẩm quyền xã' });
    await staff.getByRole('button', { name: 'Lưu' }).click();
    await staff.getByText(/ghi rõ nơi người dân cần liên hệ/).waitFor();

    await staff.getByLabel('Trạng thái mới').selectOption({ label: 'Đã xử lý xong' });
    await staff.getByLabel(/Ghi chú gửi người dân/).fill('Đã thay bóng đèn mới.');
    await staff.getByRole('button', { name: 'Lưu' }).click();
    await staff.getByText('Đã lưu. Đã gửi tin cho 2 người phản ánh.').waitFor();
    await received(CHAT_A, 'đã được xử lý xong');
    expect(await received(CHAT_B, 'đã được xử lý xong')).toContain(`Phản ánh ${codeB}`);
    expect(await axeViolations(staff)).toEqual([]);

    await staff.goto(`${env.baseUrl}/console/reports?status=done`);
    await staff.getByRole('link', { name: 'Đã xử lý xong (1)' }).waitFor();
    await staff.getByRole('link', { name: 'Đã gộp (1)' }).waitFor();
  }, 120_000);

  it('a leader reads the reports but has no forms, and a forged form post is refused', async () => {
    const reader = await browser.newPage({ viewport: PHONE });
    await signIn(reader, 'lanhdao');
    await reader.goto(`${env.baseUrl}/console/reports?status=done`);
    await reader.getByRole('link', { name: new RegExp(codeA) }).click();
    await reader.getByRole('heading', { name: `Phản ánh ${codeA}` }).waitFor();
    expect(await reader.locator('form[action$="/status"]').count()).toBe(0);
    const forged = await reader.evaluate(
      async (url) => {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'status=done',
        });
        return r.status;
      },
      new URL(reader.url()).pathname + '/status',
    );
    expect(forged).toBe(403);
  }, 60_000);
});
