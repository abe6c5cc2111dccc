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

  it('asks the server for a session, keeps it, and replaces one the server refuses', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const issued: string[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('/api/v1/chat/session')) issued.push(r.url());
    });
    await page.goto(`${env.baseUrl}/`);
    await page.getByText('Hỏi thủ tục').first().waitFor();
    const key = 'trolyxa-session-xa-thu-nghiem';
    const stored = () => page.evaluate(`localStorage.getItem('${key}')`) as Promise<string | null>;
    const first = await stored();
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(issued).toHaveLength(1);
    // The same browser comes back: same session, none issued.
    await page.reload();
    await page.getByText('Hỏi thủ tục').first().waitFor();
    expect(await stored()).toBe(first);
    expect(issued).toHaveLength(1);
    // A stored session with a signature the server does not accept (forged, or another key): a new one, same answer.
    const forged = `${first!.split('.')[0]}.${first!.split('.')[1]}.${'A'.repeat(43)}`;
    await page.evaluate(`localStorage.setItem('${key}', '${forged}')`);
    await page.reload();
    await page.getByText('Hỏi thủ tục').first().waitFor();
    expect(issued).toHaveLength(2);
    const replaced = await stored();
    expect(replaced).not.toBe(forged);
    expect(replaced).not.toBe(first);
    expect(await page.locator('.msg.bot').first().textContent()).toContain('Xã Thử Nghiệm');
    await context.close();
  }, 60_000);
});
