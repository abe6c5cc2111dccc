import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { chromium } from 'playwright-core';
import { reports } from '../../src/db/schema/index.js';
import { createTestDatabase } from '../helpers/db.js';
import { GPS_LATITUDE, jpegWithGps } from '../helpers/reports-jpeg.js';
import { chat, startTestRuntime, webChatId, webSession } from '../helpers/runtime.js';

/**
 * The web chat's photo upload in the report form: images only, checked by
 * their content, within the size limit, from a signed session, a few per
 * hour; a refused file leaves nothing on disk.
 */
const MAX_BYTES = 200_000;
// Refused files count too: they cost the server as much.
const PER_SESSION = 6;
const latitudeBytes = Buffer.from(GPS_LATITUDE.flatMap((v) => [v, 0, 0, 0, 1, 0, 0, 0]));

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let dir: string;

async function upload(body: Buffer | string, session?: string, type = 'image/jpeg') {
  const res = await fetch(`${env.baseUrl}/api/v1/chat/photo`, {
    method: 'POST',
    headers: { 'content-type': type, ...(session ? { 'x-chat-session': session } : {}) },
    body,
  });
  return { status: res.status, json: (await res.json()) as any };
}
const say = async (name: string, text: string) => (await chat(env.baseUrl, { sessionId: name, text })).json;
const files = async () => readdir(dir).catch(() => [] as string[]);

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'pa-web-photos-'));
  env = await startTestRuntime(
    {
      SEED_CATALOG: 'false',
      REPORT_PHOTOS_DIR: dir,
      REPORT_PHOTO_MAX_BYTES: String(MAX_BYTES),
      WEB_CHAT_PHOTOS_PER_HOUR: String(PER_SESSION),
    },
    { database },
  );
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a web chat resident adds a photo to a report', () => {
  it('the photo step asks for photos, and the page has its photo button', async () => {
    expect((await say('web-pa-1', 'báo hỏng đèn đường')).replies[0].text).toContain('mô tả ngắn gọn');
    await say('web-pa-1', 'Đèn đường trước nhà văn hóa thôn Thử tắt mấy hôm nay');
    const ask = await say('web-pa-1', 'không rõ');
    expect(ask.replies[0].text).toContain('gửi ảnh sự việc');
    expect(ask.replies[0].requestImage).toBe(true);
    const page = await (await fetch(`${env.baseUrl}/`)).text();
    expect(page).toContain('id="pb"');
    expect(page).toContain('accept="image/jpeg,image/png,image/webp"');
  });

  it.each([
    ['a text file', Buffer.from('Đây là văn bản, không phải ảnh'), 'text/plain'],
    ['an HTML page declared as a JPEG', Buffer.from('<!doctype html><script>alert(1)</script>'), 'image/jpeg'],
    ['an empty body', Buffer.alloc(0), 'image/jpeg'],
  ])('refuses %s with a Vietnamese 422, writing nothing', async (_what, body, type) => {
    const r = await upload(body, await webSession(env.baseUrl, 'web-pa-1'), type);
    expect(r.status).toBe(422);
    expect(r.json.error).toMatch(/không phải là ảnh|Không nhận được ảnh/);
    expect(await files()).toEqual([]);
  });

  it('refuses a file over the size limit with a 413, writing nothing', async () => {
    const big = Buffer.concat([await jpegWithGps(), Buffer.alloc(MAX_BYTES)]);
    const r = await upload(big, await webSession(env.baseUrl, 'web-pa-1'));
    expect(r.status).toBe(413);
    expect(r.json.error).toContain('Ảnh quá lớn');
    expect(await files()).toEqual([]);
  });

  it('refuses an upload without a server-issued session', async () => {
    expect((await upload(await jpegWithGps())).status).toBe(401);
    const forged = `${'A'.repeat(22)}.${Math.floor(Date.now() / 1000).toString(36)}.${'B'.repeat(43)}`;
    expect((await upload(await jpegWithGps(), forged)).status).toBe(401);
    expect(await files()).toEqual([]);
  });

  it('stores a photo without its GPS position, and the report keeps it when sent', async () => {
    const r = await upload(await jpegWithGps(), await webSession(env.baseUrl, 'web-pa-1'));
    expect(r.status).toBe(200);
    expect(r.json.replies[0].text).toContain('Đã nhận 1 ảnh');
    const [file] = await files();
    const stored = await readFile(join(dir, file));
    expect((await sharp(stored).metadata()).exif).toBeUndefined();
    expect(stored.includes(latitudeBytes)).toBe(false);
    expect((await say('web-pa-1', 'xong')).replies[0].text).toContain('• Ảnh: 1 ảnh');
    const sent = await say('web-pa-1', 'gửi');
    const code = /PA-[A-Z0-9]{6}/.exec(sent.replies[0].text)![0];
    const [row] = await database.db.select().from(reports).where(eq(reports.code, code));
    expect(row.chatId).toBe(await webChatId(env.baseUrl, 'web-pa-1'));
    expect(row.photos).toEqual([
      { channel: 'web', state: 'stored', file, type: 'image/jpeg', size: stored.length, storedAt: expect.any(String) },
    ]);
  });

  it('limits uploads per session and hour, politely', async () => {
    const s = await webSession(env.baseUrl, 'web-pa-2');
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    for (let i = 0; i < PER_SESSION; i++) expect((await upload(png, s, 'image/png')).status).toBe(200);
    const r = await upload(png, s, 'image/png');
    expect(r.status).toBe(429);
    expect(r.json.error).toContain('nhiều ảnh');
  });
});

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.runIf(existsSync(CHROMIUM))('the chat page in a browser', () => {
  it('shows the photo button only while the report asks for photos, and sends the chosen photo', async () => {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 360, height: 780 } });
      await page.goto(`${env.baseUrl}/`);
      await page.locator('.msg.bot').first().waitFor();
      const button = page.getByRole('button', { name: 'Gửi ảnh' });
      expect(await button.isVisible()).toBe(false);
      const type = async (text: string, expected: string | RegExp) => {
        await page.fill('#t', text);
        await page.click('form button[type=submit]');
        await page.getByText(expected).last().waitFor();
      };
      await type('báo hỏng đèn đường', 'mô tả ngắn gọn');
      expect(await button.isVisible()).toBe(true);
      await type('Đèn đường trước trường tiểu học thôn Thử tắt mấy hôm nay', 'Sự việc ở đâu');
      expect(await button.isVisible()).toBe(false);
      await type('không rõ', 'gửi ảnh sự việc');
      expect(await button.isVisible()).toBe(true);
      await page.setInputFiles('#pf', { name: 'den-duong.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps() });
      await page.getByText('Đã nhận 1 ảnh').waitFor();
      await page.setInputFiles('#pf', { name: 'ghi-chu.txt', mimeType: 'text/plain', buffer: Buffer.from('không phải ảnh') });
      await page.getByText('không phải là ảnh hoặc ảnh bị hỏng').waitFor();
      await type('xong', '• Ảnh: 1 ảnh');
      expect(await button.isVisible()).toBe(false);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
