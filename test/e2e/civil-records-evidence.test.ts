import { and, eq } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, civilRecordRequestAttachments, civilRecordRequests, communes } from '../../src/db/schema/index.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

const TOKEN = '7000000010:TEST-token-civil-evidence';
const SECRET = 'civil_evidence_secret-1';

let tg: FakeTelegram;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let registrar: { cookie: string; csrf: string };
let otherCommune: { cookie: string; csrf: string };

beforeAll(async () => {
  tg = await startFakeTelegram();
  database = await createTestDatabase();
  env = await startTestRuntime(
    { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_WEBHOOK_SECRET: SECRET, TELEGRAM_API_ROOT: tg.apiRoot },
    { database },
  );
  await addStaff(database, 'tuphap-ev', 'registrar', env.runtime.defaultCommune.id, 'Đỗ Tư Pháp');
  registrar = await signIn(env.baseUrl, 'tuphap-ev');
  const [b] = await database.db.insert(communes).values({ slug: 'xa-ben-canh-ev', name: 'Xã Bên Cạnh' }).returning();
  await addStaff(database, 'tuphap-ben-canh-ev', 'registrar', b.id, 'Lê Bên Cạnh');
  otherCommune = await signIn(env.baseUrl, 'tuphap-ben-canh-ev');
}, 180_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
});

describe('evidence for a copy request sent on Telegram', () => {
  let updateId = 770000;
  const from = (chatId: number) => ({ id: chatId, is_bot: false, first_name: 'Thử' });
  const message = (chatId: number, m: Record<string, unknown>) => ({
    update_id: ++updateId,
    message: { message_id: updateId, from: from(chatId), chat: { id: chatId, type: 'private' }, date: 1767225600, ...m },
  });
  const tap = (chatId: number, data: string) => ({
    update_id: ++updateId,
    callback_query: {
      id: `cb${updateId}`,
      from: from(chatId),
      message: { message_id: 1, chat: { id: chatId, type: 'private' }, date: 1767225600, text: '…' },
      chat_instance: '1',
      data,
    },
  });
  /** Post one update and wait for the bot's answer to it (its last sent text). */
  const post = async (chatId: number, update: unknown): Promise<string> => {
    const before = tg.sent({ token: TOKEN, chatId }).length;
    const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
      body: JSON.stringify(update),
    });
    expect(res.status).toBe(200);
    const sent = await until(() => {
      const all = tg.sent({ token: TOKEN, chatId });
      return all.length > before ? all.slice(before) : undefined;
    });
    return sent.map((s) => String(s.payload.text ?? '')).join('\n');
  };

  /** From the first words to the evidence question, as a holder of an authorisation. */
  async function toEvidence(chatId: number) {
    await post(chatId, message(chatId, { text: 'xin bản sao giấy khai sinh' }));
    await post(chatId, message(chatId, { text: 'Nguyễn Văn Thử' }));
    await post(chatId, message(chatId, { text: '02/03/2020' }));
    await post(chatId, tap(chatId, 'civil:pick:none'));
    return post(chatId, tap(chatId, 'civil:pick:authorised'));
  }
  async function finish(chatId: number) {
    const sentBefore = tg.sent({ token: TOKEN, chatId }).length;
    await post(chatId, message(chatId, { text: '001085000777' }));
    // The contact button travels on a message of its own after the question's: wait for it, or it would
    // arrive later and be read as the answer to the next step, shifting every reply by one.
    await until(() =>
      tg
        .sent({ token: TOKEN, chatId })
        .slice(sentBefore)
        .find((r) => JSON.stringify(r.payload.reply_markup ?? {}).includes('request_contact')),
    );
    await post(chatId, message(chatId, { text: '0912345678' }));
    await post(chatId, tap(chatId, 'civil:pick:1'));
    await post(chatId, tap(chatId, 'civil:pick:counter'));
    await post(chatId, tap(chatId, 'civil:pick:yes'));
    const done = await post(chatId, tap(chatId, 'civil:pick:yes'));
    const code = /BS-[A-Z0-9]{6}/.exec(done)![0];
    const [row] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    return row;
  }
  const reviewPage = async (id: number) =>
    (await fetch(`${env.baseUrl}/console/civil-records/${id}`, { headers: { cookie: registrar.cookie } })).text();

  it('keeps the photographed letter and the PDF with the request, and the reviewer sees both', async () => {
    const chatId = 5400000001;
    expect(await toEvidence(chatId)).toContain('Anh/chị gửi ảnh chụp hoặc tệp PDF văn bản ủy quyền');
    expect(await post(chatId, message(chatId, { text: 'tôi có giấy rồi' }))).toContain('Tôi chưa nhận được ảnh hoặc tệp PDF nào');
    const photo = [
      { file_id: 'AgAC-synthetic-small', file_unique_id: 'u-s', width: 90, height: 120, file_size: 2_100 },
      { file_id: 'AgAC-synthetic-large', file_unique_id: 'u-l', width: 1200, height: 1600, file_size: 240_000 },
    ];
    expect(await post(chatId, message(chatId, { photo }))).toContain('số căn cước (CCCD)');
    const document = {
      file_id: 'BQAC-synthetic-letter',
      file_unique_id: 'u-d',
      file_name: 'giay-uy-quyen.pdf',
      mime_type: 'application/pdf',
      file_size: 1_572_864,
    };
    expect(await post(chatId, message(chatId, { document }))).toContain('Đã nhận thêm giấy tờ (2 tệp)');
    const row = await finish(chatId);

    const attachments = await database.db
      .select()
      .from(civilRecordRequestAttachments)
      .where(eq(civilRecordRequestAttachments.requestId, row.id));
    expect(attachments).toEqual([
      expect.objectContaining({ channel: 'telegram', kind: 'image', mimeType: 'image/jpeg', fileId: 'AgAC-synthetic-large' }),
      expect.objectContaining({ kind: 'pdf', mimeType: 'application/pdf', fileId: 'BQAC-synthetic-letter', size: 1_572_864 }),
    ]);
    const page = await reviewPage(row.id);
    expect(page).toContain('Giấy tờ chứng minh');
    expect(page).toContain('Ảnh chụp (image/jpeg, 234 KB)');
    expect(page).toContain('Tệp PDF “giay-uy-quyen.pdf” (application/pdf, 1,5 MB)');
    expect(page).not.toContain('chưa có giấy tờ');
    const api = await fetch(`${env.baseUrl}/api/v1/civil-record-requests/${row.id}`, { headers: { cookie: registrar.cookie } });
    expect(((await api.json()) as { attachments: { kind: string }[] }).attachments.map((a) => a.kind)).toEqual(['image', 'pdf']);
  }, 120_000);

  it('lets the reviewer open the evidence, fetched from Telegram only then: the photo without its metadata, the PDF as a download', async () => {
    const chatId = 5400000003;
    await toEvidence(chatId);
    // A phone photo of the letter, with the camera's EXIF (and so, on a real phone, its GPS position).
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c8d2dc' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'SyntheticPhone', Model: 'Thu-nghiem-1' } })
      .toBuffer();
    expect(photo.includes('SyntheticPhone')).toBe(true);
    const pdf = Buffer.from('%PDF-1.4\n% giấy ủy quyền thử nghiệm\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    tg.addFile('AgAC-synthetic-ev3', photo, 'photos/file_ev3.jpg');
    tg.addFile('BQAC-synthetic-ev3', pdf, 'documents/file_ev3.pdf');
    await post(
      chatId,
      message(chatId, { photo: [{ file_id: 'AgAC-synthetic-ev3', file_unique_id: 'u3', width: 64, height: 48 }] }),
    );
    const document = {
      file_id: 'BQAC-synthetic-ev3',
      file_unique_id: 'u3d',
      file_name: 'uy-quyen.pdf',
      mime_type: 'application/pdf',
    };
    await post(chatId, message(chatId, { document }));
    // One more reference that Telegram no longer has (never added to the fake): the reviewer is told, not failed.
    const lost = { file_id: 'BQAC-synthetic-gone', file_unique_id: 'u3g', file_name: 'mat.pdf', mime_type: 'application/pdf' };
    await post(chatId, message(chatId, { document: lost }));
    const row = await finish(chatId);
    expect(tg.fileDownloads.filter((p) => p.includes('ev3'))).toEqual([]); // nothing fetched while filing

    const page = await reviewPage(row.id);
    const links = [...page.matchAll(/href="(\/console\/civil-records\/\d+\/evidence\/\d+)"/g)].map((m) => m[1]);
    expect(links).toHaveLength(3);
    const get = (path: string, cookie = registrar.cookie) => fetch(`${env.baseUrl}${path}`, { headers: { cookie } });

    const image = await get(links[0]);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(image.headers.get('content-disposition')).toMatch(/^inline; filename="giay-to-BS-[A-Z0-9]{6}-\d+\.jpg"$/);
    expect(image.headers.get('cache-control')).toBe('no-store');
    expect(image.headers.get('content-security-policy')).toContain('sandbox');
    const shown = Buffer.from(await image.arrayBuffer());
    expect((await sharp(shown).metadata()).width).toBe(64);
    expect(shown.includes('SyntheticPhone')).toBe(false);
    expect((await sharp(shown).metadata()).exif).toBeUndefined();

    const letter = await get(links[1]);
    expect(letter.status).toBe(200);
    expect(letter.headers.get('content-type')).toBe('application/pdf');
    expect(letter.headers.get('content-disposition')).toMatch(/^attachment; filename="giay-to-BS-[A-Z0-9]{6}-\d+\.pdf"$/);
    expect(Buffer.from(await letter.arrayBuffer()).equals(pdf)).toBe(true);

    const gone = await get(links[2]);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toContain('Telegram không còn giữ tệp này');

    // A HEAD (a link prefetcher) and a link followed from another site fetch nothing and audit nothing.
    const downloads = tg.fileDownloads.length;
    expect((await fetch(`${env.baseUrl}${links[0]}`, { method: 'HEAD', headers: { cookie: registrar.cookie } })).status).toBe(
      405,
    );
    const crossSite = await fetch(`${env.baseUrl}${links[0]}`, {
      headers: { cookie: registrar.cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect(tg.fileDownloads.length).toBe(downloads);

    // The API gives the same file; another commune's registrar and a wrong attachment id get a 404.
    const [, id, attachmentId] = /\/(\d+)\/evidence\/(\d+)$/.exec(links[1])!;
    const head = await fetch(`${env.baseUrl}/api/v1/civil-record-requests/${id}/attachments/${attachmentId}`, {
      method: 'HEAD',
      headers: { cookie: registrar.cookie },
    });
    expect(head.status).toBe(405);
    const viaApi = await get(`/api/v1/civil-record-requests/${id}/attachments/${attachmentId}`);
    expect(viaApi.status).toBe(200);
    expect(Buffer.from(await viaApi.arrayBuffer()).equals(pdf)).toBe(true);
    expect((await get(`/api/v1/civil-record-requests/${id}/attachments/${attachmentId}`, otherCommune.cookie)).status).toBe(404);
    expect((await get(links[1], otherCommune.cookie)).status).toBe(404);
    expect((await get(`/api/v1/civil-record-requests/${id}/attachments/${Number(attachmentId) + 1000}`)).status).toBe(404);
    expect((await get(`/api/v1/civil-record-requests/${id}/attachments/abc`)).status).toBe(404);

    const apiGone = await get(`/api/v1/civil-record-requests/${id}/attachments/${/\/(\d+)$/.exec(links[2])![1]}`);
    expect(apiGone.status).toBe(410);
    expect(await apiGone.json()).toMatchObject({ reason: 'gone', channel: 'telegram' });

    const viewed = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.subject, row.code), eq(auditLog.action, 'civil-request.evidence-viewed')));
    expect(viewed.map((a) => (a.details as { type: string }).type)).toEqual(['image/jpeg', 'application/pdf', 'application/pdf']);
    expect(new Set(viewed.map((a) => a.actor)).size).toBe(1);
    expect(viewed[0].actor).toMatch(/^staff:/);
  }, 120_000);

  it('never hands over raw image bytes: a HEIC is refused, a photo too large to clean is scaled down without its EXIF', async () => {
    const chatId = 5400000004;
    await toEvidence(chatId);
    // 9,000 × 6,000 = 54 megapixels: above what report photos take, as a 108-megapixel phone's file would be.
    const huge = await sharp({ create: { width: 9000, height: 6000, channels: 3, background: '#eeeeee' } })
      .jpeg({ quality: 50 })
      .withExif({ IFD0: { Make: 'SyntheticPhone', Model: 'Thu-nghiem-108' } })
      .toBuffer();
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(64, 7)]);
    tg.addFile('BQAC-synthetic-huge', huge, 'documents/file_huge.jpg');
    tg.addFile('BQAC-synthetic-heic', heic, 'documents/file_ev4.heic');
    const doc = (id: string, name: string, mime: string) => ({
      file_id: id,
      file_unique_id: `u-${id}`,
      file_name: name,
      mime_type: mime,
    });
    await post(chatId, message(chatId, { document: doc('BQAC-synthetic-huge', 'giay-uy-quyen.jpg', 'image/jpeg') }));
    await post(chatId, message(chatId, { document: doc('BQAC-synthetic-heic', 'IMG_0001.heic', 'image/heic') }));
    const row = await finish(chatId);
    const links = [...(await reviewPage(row.id)).matchAll(/href="(\/console\/civil-records\/\d+\/evidence\/\d+)"/g)].map(
      (m) => m[1],
    );
    expect(links).toHaveLength(2);
    const get = (path: string) => fetch(`${env.baseUrl}${path}`, { headers: { cookie: registrar.cookie } });

    const scaled = await get(links[0]);
    expect(scaled.status).toBe(200);
    expect(scaled.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await scaled.arrayBuffer());
    expect(bytes.includes('SyntheticPhone')).toBe(false);
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height, meta.exif]).toEqual([4000, 2667, undefined]);

    const refused = await get(links[1]);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('không phải ảnh JPEG, PNG, WebP hay tệp PDF');
  }, 120_000);

  it('shows "chưa có giấy tờ" when the resident will bring the paper', async () => {
    const chatId = 5400000002;
    await toEvidence(chatId);
    expect(await post(chatId, tap(chatId, 'civil:pick:skip'))).toContain('số căn cước (CCCD)');
    const row = await finish(chatId);
    const page = await reviewPage(row.id);
    expect(page).toContain('chưa có giấy tờ');
    expect(page).not.toContain('/evidence/');
    const actions = (await database.db.select().from(auditLog).where(eq(auditLog.subject, row.code))).map((a) => a.action);
    expect(actions).toContain('civil-request.evidence-missing');
  }, 120_000);
});
