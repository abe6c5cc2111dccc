import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pingWaitingQuestions } from '../../src/features/staff-pings/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { axeViolations, CHROMIUM, launchChromium, PHONE, signInPage } from '../helpers/browser.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/**
 * "Báo tin qua chat" in a real browser (Debian's Chromium): an officer gets a
 * one-time code in the console, sends `/lienket <code>` from her own Telegram
 * chat (the fake Bot API), and a resident's question left for staff then
 * pings that chat with a link to the inbox, which opens the question.
 */
const SHOTS = process.env.SCREENSHOT_DIR ?? tmpdir();
const TOKEN = '7000000015:TEST-token-for-staff-pings-browser';
const SECRET = 'staff_pings_browser_secret-1';
const PUBLIC_URL = 'http://xa-thu-nghiem.example';
const STAFF_CHAT = 5500000001;
const tgText = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let tg: FakeTelegram;
let browser: Browser;
let seq = 0;

async function telegramSays(chatId: number, text: string) {
  const u = structuredClone(tgText);
  u.update_id = 880000 + ++seq;
  u.message.message_id = u.update_id;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  u.message.text = text;
  delete u.message.entities;
  if (text.startsWith('/'))
    u.message.entities = [{ offset: 0, length: text.indexOf(' ') > 0 ? text.indexOf(' ') : text.length, type: 'bot_command' }];
  const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
  expect(res.status).toBe(200);
}
const received = (chatId: number, part: string) =>
  until(
    () =>
      tg
        .sent({ token: TOKEN, chatId })
        .map((s) => String(s.payload.text ?? ''))
        .find((t) => t.includes(part)),
    30_000,
  );

describe.runIf(existsSync(CHROMIUM))('staff pings in a browser', () => {
  beforeAll(async () => {
    tg = await startFakeTelegram();
    env = await startTestRuntime({
      SEED_CATALOG: 'false',
      PUBLIC_URL,
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
    });
    await addStaff(env.runtime.database, 'motcua', 'officer', env.runtime.defaultCommune.id, 'Trần Một Cửa');
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
    await tg?.close();
  });

  it("an officer links her Telegram chat with the console's code, and a resident's question pings it with a link to the inbox", async () => {
    const staff = await browser.newPage({ viewport: PHONE });
    await signInPage(staff, env.baseUrl, 'motcua');
    await staff.getByRole('link', { name: 'Báo tin qua chat' }).click();
    await staff.getByRole('heading', { name: 'Báo tin qua chat' }).waitFor();
    expect(await axeViolations(staff)).toEqual([]);

    // A wrong code first: the bot says so and links nothing.
    await telegramSays(STAFF_CHAT, '/lienket ABCDEFGH');
    await received(STAFF_CHAT, 'Mã liên kết không đúng hoặc đã hết hạn');

    await staff.getByRole('button', { name: 'Tạo mã liên kết' }).click();
    const code = (await staff.locator('#link-code').textContent())?.trim() ?? '';
    expect(code).toMatch(/^[2-9A-Z]{8}$/);
    expect(await axeViolations(staff)).toEqual([]);
    await staff.screenshot({ path: join(SHOTS, 'console-pings-phone.png') });

    await telegramSays(STAFF_CHAT, `/lienket ${code}`);
    await received(STAFF_CHAT, 'Đã liên kết với tài khoản cán bộ Trần Một Cửa');
    await staff.reload();
    await staff.getByText(/Đang nhận báo tin qua/).waitFor();
    await staff.getByText('Telegram', { exact: true }).waitFor();

    // A resident leaves a question for staff in the web chat.
    const resident = await browser.newPage({ viewport: { width: 420, height: 860 } });
    await resident.goto(`${env.baseUrl}/`);
    await resident.getByText('Hỏi thủ tục').first().waitFor();
    await resident.fill('#t', 'gặp cán bộ');
    await resident.click('form button[type=submit]');
    await resident.getByText(/nhập câu hỏi/).waitFor();
    await resident.fill('#t', 'Cho hỏi chiều thứ Sáu xã có nhận hồ sơ không ạ?');
    await resident.click('form button[type=submit]');
    const question = /HD-[A-Z0-9]{5}/.exec((await resident.getByText(/Mã câu hỏi: HD-/).textContent()) ?? '')![0];

    // One turn of the pinger (it also runs by itself every 30 s; whichever turn comes first sends the one ping).
    await pingWaitingQuestions(env.runtime.database.db, { consoleUrl: PUBLIC_URL });
    const ping = await received(STAFF_CHAT, question);
    expect(ping).toContain('Có câu hỏi mới của người dân đang chờ trong Hộp thư');
    const link = /Trả lời tại: (\S+)/.exec(ping)?.[1] ?? '';
    expect(link).toBe(`${PUBLIC_URL}/console/inbox`);
    // Only one ping for this question, however many turns run.
    expect(await pingWaitingQuestions(env.runtime.database.db, { consoleUrl: PUBLIC_URL })).toEqual([]);
    expect(tg.sent({ token: TOKEN, chatId: STAFF_CHAT }).filter((s) => String(s.payload.text).includes(question))).toHaveLength(
      1,
    );

    // The link (this test server stands for the public address) opens the inbox with the question.
    await staff.goto(`${env.baseUrl}${new URL(link).pathname}`);
    await staff.getByRole('heading', { name: 'Hộp thư câu hỏi' }).waitFor();
    await staff.getByText(question).waitFor();

    // Unlinking stops the pings.
    await staff.goto(`${env.baseUrl}/console/pings`);
    await staff.getByRole('button', { name: 'Ngừng nhận báo tin' }).click();
    await staff.getByText('Đã ngừng nhận báo tin qua chat.').waitFor();
    await Promise.all([staff.close(), resident.close()]);
  }, 120_000);
});
