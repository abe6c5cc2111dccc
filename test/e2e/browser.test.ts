import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startTestRuntime } from '../helpers/runtime.js';

/** A resident in a real browser (Debian's Chromium). Skipped where Chromium is not installed. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe.runIf(hasChromium)('web chat in a browser', () => {
  let env: Awaited<ReturnType<typeof startTestRuntime>>;
  let browser: Browser;
  beforeAll(async () => {
    env = await startTestRuntime();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('greets, answers a typed question, and follows a button tap', async () => {
    const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
    await page.goto(`${env.baseUrl}/`);
    await page.getByText('Hỏi thủ tục').first().waitFor();
    await page.fill('#t', 'làm giấy khai sinh cho con cần gì');
    await page.click('form button[type=submit]');
    await page.getByText('Mã thủ tục: 1.001193').waitFor();
    await page.getByRole('button', { name: 'Lệ phí, thời hạn' }).last().click();
    await page.getByText(/Lệ phí và thời hạn/).waitFor();
    const bubbles = await page.locator('.msg.bot').count();
    expect(bubbles).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: process.env.SCREENSHOT_PATH ?? join(tmpdir(), 'tro-ly-xa-web-chat.png') });
  }, 60_000);

  it('opens the procedure from a QR link (?p=)', async () => {
    const page = await browser.newPage();
    await page.goto(`${env.baseUrl}/?p=1.001193`);
    await page.getByText('Mã thủ tục: 1.001193').waitFor();
    expect(await page.locator('.msg.bot').count()).toBeGreaterThanOrEqual(1);
  }, 60_000);
});
