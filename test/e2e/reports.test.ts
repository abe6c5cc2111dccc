import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { auditLog, communes, noticeHamlets, reports } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { GPS_LATITUDE, jpegWithGps } from '../helpers/reports-jpeg.js';
import { until } from '../helpers/until.js';

/**
 * Residents' reports end to end: a Telegram resident and a Zalo OA resident
 * report the same broken street light with a shared location and a photo
 * (downloaded from each platform's fake, stripped of its GPS position, shown
 * only to the commune's staff),
 * staff merge the duplicate, take it in hand and close it through the staff
 * API, and both residents receive each change on their own platform.
 */
const TOKEN = '7000000011:TEST-token-for-reports';
const SECRET = 'reports_webhook_secret-1';
const OA = {
  oaId: '3662729500000000911',
  appId: '2553928400000000911',
  appSecret: 'test-app-secret-reports',
  accessToken: 'access-token-reports',
  refreshToken: 'refresh-token-reports',
};
const OA_SECRET = 'test-oa-secret-key-reports';
const ZALO_USER = '6142494800000088888';
const TG_CHAT = 5300000001;

const read = (p: string) => JSON.parse(readFileSync(new URL(`../fixtures/${p}.json`, import.meta.url), 'utf8'));
const tgText = read('telegram/text');
const tgLocation = read('telegram/location');
const tgPhoto = read('telegram/photo');
const zText = read('zalo/user_send_text');
const zLocation = read('zalo/user_send_location');
const zImage = read('zalo/user_send_image');

type Who = { cookie: string; csrf: string };
let tg: FakeTelegram;
let zf: Awaited<ReturnType<typeof startFakeZalo>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let officer: Who;
let leader: Who;
let adminB: Who;
let officerId: number;
let seq = 0;
let photoDir: string;
const latitudeBytes = Buffer.from(GPS_LATITUDE.flatMap((v) => [v, 0, 0, 0, 1, 0, 0, 0]));

async function telegram(update: Record<string, any>) {
  const u = structuredClone(update);
  u.update_id = 980000 + ++seq;
  u.message.message_id = u.update_id;
  u.message.chat.id = TG_CHAT;
  u.message.from.id = TG_CHAT;
  const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
  expect(res.status).toBe(200);
}
const tgSay = (text: string) => telegram({ ...tgText, message: { ...tgText.message, text } });
const tgSent = () => tg.sent({ token: TOKEN, chatId: TG_CHAT }).map((s) => String(s.payload.text ?? ''));
const tgWait = (part: string) => until(() => tgSent().find((t) => t.includes(part)));

async function zalo(event: Record<string, any>) {
  const e = structuredClone(event);
  e.app_id = OA.appId;
  e.sender = { id: ZALO_USER };
  e.recipient = { id: OA.oaId };
  e.timestamp = String(Date.now() + ++seq);
  e.message.msg_id = `report-${seq}`;
  const raw = JSON.stringify(e);
  const res = await fetch(`${env.baseUrl}/webhooks/zalo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}` },
    body: raw,
  });
  expect(res.status).toBe(200);
}
const zSay = (text: string) => zalo({ ...zText, message: { text } });
const zSent = () => zf.sent({ oaId: OA.oaId, userId: ZALO_USER }).map((m) => JSON.stringify(m.message));
const zWait = (part: string) => until(() => zSent().find((t) => t.includes(part)));

function api(path: string, who: Who, body?: unknown, raw?: string) {
  return fetch(`${env.baseUrl}/api/v1/reports${path}`, {
    method: body === undefined && raw === undefined ? 'GET' : 'POST',
    headers: { cookie: who.cookie, 'content-type': 'application/json', 'x-csrf-token': who.csrf },
    body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
}

beforeAll(async () => {
  tg = await startFakeTelegram();
  zf = await startFakeZalo({ oas: [OA] });
  database = await createTestDatabase();
  photoDir = await mkdtemp(join(tmpdir(), 'pa-photos-'));
  tg.addFile('AgACAgUAAxkBAAIBfakePhotoLarge', await jpegWithGps());
  env = await startTestRuntime(
    {
      SEED_CATALOG: 'false',
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ZALO_APP_ID: OA.appId,
      ZALO_APP_SECRET: OA.appSecret,
      ZALO_OA_ID: OA.oaId,
      ZALO_OA_SECRET_KEY: OA_SECRET,
      ZALO_OA_ACCESS_TOKEN: OA.accessToken,
      ZALO_OA_REFRESH_TOKEN: OA.refreshToken,
      ZALO_API_BASE: zf.apiBase,
      ZALO_OAUTH_BASE: zf.oauthBase,
      REPORT_PHOTOS_DIR: photoDir,
      REPORT_PHOTO_POLL_MS: '50',
    },
    { database },
  );
  const a = env.runtime.defaultCommune.id;
  const [b] = await database.db.insert(communes).values({ slug: 'xa-ben-canh-pa', name: 'Xã Bên Cạnh' }).returning();
  officerId = (await addStaff(database, 'pa.canbo', 'officer', a, 'Trần Cán Bộ')).id;
  await addStaff(database, 'pa.lanhdao', 'leader', a, 'Lê Lãnh Đạo');
  await addStaff(database, 'pa.quantri-b', 'admin', b.id, 'Phạm Quản Trị B');
  officer = await signIn(env.baseUrl, 'pa.canbo');
  leader = await signIn(env.baseUrl, 'pa.lanhdao');
  adminB = await signIn(env.baseUrl, 'pa.quantri-b');
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
  await zf?.close();
  if (photoDir) await rm(photoDir, { recursive: true, force: true });
});

let tgCode: string;
let zCode: string;
const idOf = async (code: string) => (await database.db.select().from(reports).where(eq(reports.code, code)))[0].id;

describe('a report from each platform, with a shared location', () => {
  it('Telegram: "báo hỏng đèn đường", a description, a location message, a photo, "gửi"', async () => {
    await tgSay('báo hỏng đèn đường');
    await tgWait('mô tả ngắn gọn sự việc (đèn đường)');
    await tgSay('Đèn đường đầu hẻm 7 tắt ba đêm nay, tối đi lại nguy hiểm');
    await tgWait('Sự việc ở đâu');
    await telegram(tgLocation);
    await tgWait('gửi ảnh sự việc');
    await telegram(tgPhoto);
    await tgWait('Đã nhận 1 ảnh');
    await tgSay('xong');
    await tgWait('vị trí đã chia sẻ (10.77689, 106.70081)');
    await tgSay('gửi');
    tgCode = /PA-[A-Z0-9]{6}/.exec(await tgWait('Mã phản ánh của anh/chị'))![0];
    const [row] = await database.db.select().from(reports).where(eq(reports.code, tgCode));
    expect(row).toMatchObject({ channel: 'telegram', category: 'streetlight', latitude: 10.776889, longitude: 106.700806 });
  }, 60_000);

  it('Zalo OA: "phản ánh", numbered choices, a location, a photo, "xong", "1" to send', async () => {
    await zSay('phản ánh');
    await zWait('phản ánh về việc gì');
    await zSay('1'); // Đèn đường
    await zWait('mô tả ngắn gọn sự việc');
    await zSay('Cột đèn đầu hẻm 7 không sáng mấy hôm nay');
    await zWait('Sự việc ở đâu');
    await zalo(zLocation);
    await zWait('gửi ảnh sự việc');
    const image = structuredClone(zImage);
    image.message.attachments[0].payload.url = zf.addMedia('pa-full.jpg', await jpegWithGps());
    await zalo(image);
    await zWait('Đã nhận 1 ảnh');
    await zSay('xong');
    await zWait('• Ảnh: 1 ảnh');
    await zSay('1'); // Gửi phản ánh
    zCode = /PA-[A-Z0-9]{6}/.exec(await zWait('Mã phản ánh của anh/chị'))![0];
    const [row] = await database.db.select().from(reports).where(eq(reports.code, zCode));
    expect(row).toMatchObject({
      channel: 'zalo',
      category: 'streetlight',
      latitude: 21.028511,
      longitude: 105.804817,
    });
    expect(row.photos).toHaveLength(1);
  }, 60_000);
});

describe("the photos are downloaded from each platform, cleaned, and shown only to the commune's staff", () => {
  const storedOf = async (code: string) => {
    const [row] = await database.db.select().from(reports).where(eq(reports.code, code));
    return row.photos[0]?.state === 'stored' ? row.photos[0] : undefined;
  };

  it('downloads the Telegram photo (getFile, file link) and the Zalo image (its URL) after the chat answered', async () => {
    const [t, z] = [await until(() => storedOf(tgCode)), await until(() => storedOf(zCode))];
    expect(tg.calls('getFile').map((c) => c.payload.file_id)).toEqual(['AgACAgUAAxkBAAIBfakePhotoLarge']);
    expect(tg.fileDownloads).toHaveLength(1);
    expect(zf.mediaDownloads).toEqual(['pa-full.jpg']);
    for (const p of [t, z]) {
      expect(p).toMatchObject({ type: 'image/jpeg', file: expect.stringMatching(/^[A-Za-z0-9_-]{24}\.jpg$/) });
      expect(p.fileId ?? p.url).toBeUndefined();
    }
    expect((await readdir(photoDir)).sort()).toEqual([t.file, z.file].sort());
  });

  it("serves a photo to the commune's staff without its GPS position, typed, not cached, audited", async () => {
    const id = await idOf(tgCode);
    const detail = (await (await api(`/${id}`, officer)).json()) as any;
    expect(detail.report.storedPhotos).toHaveLength(1);
    const res = await fetch(`${env.baseUrl}${detail.report.storedPhotos[0].url}`, { headers: { cookie: officer.cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect((await sharp(bytes).metadata()).exif).toBeUndefined();
    expect(bytes.includes(latitudeBytes)).toBe(false);
    const views = await database.db.select().from(auditLog).where(eq(auditLog.action, 'report.photo-viewed'));
    expect(views.some((v) => v.subject === tgCode && v.actor === `staff:${officerId}`)).toBe(true);
  });

  it("another commune's staff, a made-up name and no session get nothing", async () => {
    const id = await idOf(tgCode);
    const [{ file }] = ((await (await api(`/${id}`, officer)).json()) as any).report.storedPhotos;
    const url = (who?: Who, f = file) =>
      fetch(`${env.baseUrl}/api/v1/reports/${id}/photos/${f}`, { headers: who ? { cookie: who.cookie } : {} });
    const other = await url(adminB);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).not.toMatch(/image/);
    expect(
      (await fetch(`${env.baseUrl}/console/reports/${id}/photos/${file}`, { headers: { cookie: adminB.cookie } })).status,
    ).toBe(404);
    expect((await url(officer, 'AAAAAAAAAAAAAAAAAAAAAAAA.jpg')).status).toBe(404);
    expect((await url(officer, '..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect([401, 403]).toContain((await url()).status);
  });
});

describe('staff handle the reports; every reporter hears each change on their own platform', () => {
  it('lists the queue newest first, paged, with the map link; leaders read', async () => {
    const first = (await (await api('?status=received&limit=1', officer)).json()) as any;
    expect(first.reports.map((r: any) => r.code)).toEqual([zCode]);
    expect(first.next).toBeTypeOf('number');
    const second = (await (await api(`?status=received&limit=1&before=${first.next}`, leader)).json()) as any;
    expect(second.reports.map((r: any) => r.code)).toEqual([tgCode]);
    expect(second.reports[0].location.map).toBe(
      'https://www.openstreetmap.org/?mlat=10.776889&mlon=106.700806#map=18/10.776889/106.700806',
    );
    // The reporter's chat address is not in the staff view.
    expect(JSON.stringify(second)).not.toContain(String(TG_CHAT));
  });

  it('a leader may read a report but not change it', async () => {
    const id = await idOf(tgCode);
    expect((await api(`/${id}`, leader)).status).toBe(200);
    const refused = await api(`/${id}/status`, leader, { status: 'in_progress' });
    expect(refused.status).toBe(403);
  });

  it("another commune's staff never see them", async () => {
    const list = (await (await api('', adminB)).json()) as any;
    expect(list.reports).toEqual([]);
    const id = await idOf(tgCode);
    const read = await api(`/${id}`, adminB);
    expect(read.status).toBe(404);
    expect(((await read.json()) as any).error).toBe('Không tìm thấy phản ánh này.');
    expect((await api(`/${id}/status`, adminB, { status: 'done' })).status).toBe(404);
    expect((await api(`/${id}/merge`, adminB, { into: tgCode })).status).toBe(404);
    // Nor in the console: the page of another commune's report is a 404, the list is empty.
    const page = await fetch(`${env.baseUrl}/console/reports/${id}`, { headers: { cookie: adminB.cookie } });
    expect(page.status).toBe(404);
    const listPage = await (await fetch(`${env.baseUrl}/console/reports`, { headers: { cookie: adminB.cookie } })).text();
    expect(listPage).toContain('Không có phản ánh nào.');
    expect(listPage).not.toContain(tgCode);
  });

  it('merging the Zalo duplicate tells its reporter which report it follows', async () => {
    const res = await api(`/${await idOf(zCode)}/merge`, officer, { into: tgCode });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).report).toMatchObject({ status: 'merged', mergedInto: await idOf(tgCode) });
    await zWait(`trùng với một sự việc đã được phản ánh trước (mã ${tgCode})`);
    const shown = (await (await api(`/${await idOf(tgCode)}`, officer)).json()) as any;
    expect(shown.merged.map((m: any) => m.code)).toEqual([zCode]);
  });

  it('"in progress" with an assignee, then "done" with a note: both residents are told, politely, each time', async () => {
    const id = await idOf(tgCode);
    const started = await api(`/${id}/status`, officer, { status: 'in_progress', assignee: officerId });
    expect(started.status).toBe(200);
    expect(((await started.json()) as any).notified).toBe(2);
    await tgWait(`Phản ánh ${tgCode} (đèn đường) của anh/chị đang được Xã Thử Nghiệm xử lý`);
    await zWait(`Phản ánh ${zCode} (đèn đường) của anh/chị đang được Xã Thử Nghiệm xử lý`);

    const done = await api(`/${id}/status`, officer, { status: 'done', note: 'Đã thay bóng đèn mới.' });
    expect(done.status).toBe(200);
    const tgDone = await tgWait(`Phản ánh ${tgCode} (đèn đường) của anh/chị đã được xử lý xong`);
    expect(tgDone).toContain('Ghi chú của cán bộ: Đã thay bóng đèn mới.');
    expect(tgDone).toMatch(/ngày \d{2}\/\d{2}\/\d{4}/);
    await zWait('Đã thay bóng đèn mới.');

    const audit = (await database.db.select().from(auditLog).where(eq(auditLog.subject, tgCode))).map((a) => a.action);
    expect(audit).toEqual(
      expect.arrayContaining(['report.created', 'report.assigned', 'report.status-changed', 'report.viewed']),
    );
    expect(audit.filter((a) => a === 'report.status-changed')).toHaveLength(2);
  });

  it('the resident asks by code and hears the outcome', async () => {
    await tgSay(`phản ánh ${tgCode} đến đâu rồi`);
    await tgWait('đã được xử lý xong.\nGhi chú: Đã thay bóng đèn mới.');
  });
});

describe('photos in the console', () => {
  it('shows a stored photo as a thumbnail; an old reference is linked (https only) or named as not downloaded', async () => {
    const id = await idOf(zCode);
    const page = await (await fetch(`${env.baseUrl}/console/reports/${id}`, { headers: { cookie: officer.cookie } })).text();
    const src = new RegExp(`<img src="(/console/reports/${id}/photos/[A-Za-z0-9_-]{24}\\.jpg)"`).exec(page)?.[1];
    expect(src).toBeDefined();
    const img = await fetch(`${env.baseUrl}${src}`, { headers: { cookie: officer.cookie } });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/jpeg');
    const [odd] = await database.db
      .insert(reports)
      .values({
        communeId: env.runtime.defaultCommune.id,
        code: 'PA-PH2TTT',
        channel: 'zalo',
        chatId: 'photo-test',
        userId: 'photo-test',
        category: 'other',
        description: 'Ảnh có liên kết lạ',
        photos: [
          { channel: 'zalo', url: 'javascript:alert(1)' },
          { channel: 'telegram', fileId: 'AgAC-test' },
          { channel: 'zalo', url: 'https://photo-stal-1.zadn.vn/fake/full.jpg' },
        ],
      })
      .returning();
    const oddPage = await (
      await fetch(`${env.baseUrl}/console/reports/${odd.id}`, { headers: { cookie: officer.cookie } })
    ).text();
    expect(oddPage).not.toContain('javascript:alert');
    expect(oddPage).toContain('Ảnh 2 (lưu trên Telegram, chưa tải về)');
    expect(oddPage).toContain('href="https://photo-stal-1.zadn.vn/fake/full.jpg"');
  });
});

describe('the hamlet a resident picked', () => {
  it("is shown and filtered on in the commune's queue; another commune's filter finds nothing", async () => {
    const communeId = env.runtime.defaultCommune.id;
    const [hamlet] = await database.db
      .insert(noticeHamlets)
      .values({ communeId, name: 'Thôn Thử Nghiệm', position: 1 })
      .returning();
    await database.db.update(reports).set({ hamletId: hamlet.id }).where(eq(reports.code, tgCode));
    const list = (await (await api(`?hamlet=${hamlet.id}&status=done`, officer)).json()) as any;
    expect(list.reports.map((r: any) => [r.code, r.hamlet])).toEqual([[tgCode, { id: hamlet.id, name: 'Thôn Thử Nghiệm' }]]);
    expect(((await (await api(`?hamlet=${hamlet.id}`, adminB)).json()) as any).reports).toEqual([]);
    const page = await (
      await fetch(`${env.baseUrl}/console/reports?status=done&hamlet=${hamlet.id}`, { headers: { cookie: officer.cookie } })
    ).text();
    expect(page).toContain('<span class="tag">Thôn Thử Nghiệm</span>');
    expect(page).toContain(tgCode);
  });
});

describe('bad input gets a 4xx with a Vietnamese message, never a 5xx', () => {
  it.each([
    ['an unknown status', { status: 'bogus' }, 422, 'Trạng thái không hợp lệ.'],
    ['nothing to change', {}, 422, 'Anh/chị chọn trạng thái mới hoặc cán bộ được giao.'],
    ['not ours without where to go', { status: 'not_ours' }, 422, 'nơi người dân cần liên hệ'],
    ['an assignee of no commune', { assignee: 999999 }, 422, 'Cán bộ được giao không thuộc xã này'],
    ['a note too long', { status: 'in_progress', note: 'x'.repeat(1001) }, 422, 'tối đa 1000 ký tự'],
  ])('status: %s', async (_what, body, status, message) => {
    const id = await database.db
      .insert(reports)
      .values({
        communeId: env.runtime.defaultCommune.id,
        code: `PA-BAD${String(++seq).padStart(3, '2').slice(-3)}`,
        channel: 'telegram',
        chatId: 'bad-input',
        userId: 'bad-input',
        category: 'other',
        description: 'Phản ánh thử dữ liệu sai',
      })
      .returning({ id: reports.id });
    const res = await api(`/${id[0].id}/status`, officer, body);
    expect(res.status).toBe(status);
    expect(((await res.json()) as any).error).toContain(message);
  });

  it('a closed report cannot go back, a merged one is changed through its main report', async () => {
    const closed = await api(`/${await idOf(tgCode)}/status`, officer, { status: 'in_progress' });
    expect(closed.status).toBe(409);
    expect(((await closed.json()) as any).error).toContain('Không thể chuyển phản ánh');
    const merged = await api(`/${await idOf(zCode)}/status`, officer, { status: 'done' });
    expect(merged.status).toBe(409);
  });

  it('merge: into itself, into nothing, into an unknown code, twice', async () => {
    const id = await idOf(tgCode);
    expect((await api(`/${id}/merge`, officer, { into: id })).status).toBe(422);
    expect((await api(`/${id}/merge`, officer, {})).status).toBe(422);
    const unknown = await api(`/${id}/merge`, officer, { into: 'PA-ZZZZZZ' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as any).error).toBe('Không tìm thấy phản ánh chính.');
    expect((await api(`/${await idOf(zCode)}/merge`, officer, { into: tgCode })).status).toBe(409);
  });

  it('the list: a bad status, limit or cursor; an id that is not a number; a body that is not JSON', async () => {
    for (const q of ['?status=open', '?limit=0', '?limit=500', '?limit=abc', '?before=-3', '?hamlet=abc', '?hamlet=0']) {
      const res = await api(q, officer);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as any).error).toBe('Tham số tra cứu không hợp lệ.');
    }
    expect((await api('/abc', officer)).status).toBe(404);
    expect((await api('/abc/status', officer, { status: 'done' })).status).toBe(404);
    const notJson = await api(`/${await idOf(tgCode)}/status`, officer, undefined, '{not json');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as any).error).toBe('Nội dung gửi lên không phải JSON hợp lệ.');
  });
});
