import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { civilRecordRequests, civilRecords } from '../../src/db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../../src/features/civil-records/index.js';
import { importRecordFile } from '../../src/features/civil-records/import.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';
import { until } from '../helpers/until.js';

/** A copy requested on Zalo OA (numbered choices, the user-info form for the phone) and delivered as an uploaded file. */
const OA = {
  oaId: '3662729500000000999',
  appId: '2553928400000000999',
  appSecret: 'test-app-secret-civil',
  accessToken: 'access-token-civil',
  refreshToken: 'refresh-token-civil',
};
const OA_SECRET = 'test-oa-secret-key-civil';
const USER = '6142494800000077777';
const text = JSON.parse(readFileSync(new URL('../fixtures/zalo/user_send_text.json', import.meta.url), 'utf8'));
const submitInfo = JSON.parse(readFileSync(new URL('../fixtures/zalo/user_submit_info.json', import.meta.url), 'utf8'));

let zf: Awaited<ReturnType<typeof startFakeZalo>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let seq = 0;

beforeAll(async () => {
  zf = await startFakeZalo({ oas: [OA] });
  database = await createTestDatabase();
  env = await startTestRuntime(
    {
      SEED_CATALOG: 'false',
      ZALO_APP_ID: OA.appId,
      ZALO_APP_SECRET: OA.appSecret,
      ZALO_OA_ID: OA.oaId,
      ZALO_OA_SECRET_KEY: OA_SECRET,
      ZALO_OA_ACCESS_TOKEN: OA.accessToken,
      ZALO_OA_REFRESH_TOKEN: OA.refreshToken,
      ZALO_API_BASE: zf.apiBase,
      ZALO_OAUTH_BASE: zf.oauthBase,
    },
    { database },
  );
  await importRecordFile(database.db, env.runtime.defaultCommune.id, JSON.stringify(DEMO_RECORD_ROWS), 'json');
  await addStaff(database, 'tuphap', 'registrar', env.runtime.defaultCommune.id);
}, 120_000);
afterAll(async () => {
  await env?.close();
  await database?.close();
  await zf?.close();
});

/** Post one signed event and wait for the answer. */
async function send(event: Record<string, unknown>) {
  seq += 1;
  const e = structuredClone(event) as Record<string, any>;
  e.app_id = OA.appId;
  e.sender = { id: USER };
  e.recipient = { id: OA.oaId };
  e.timestamp = String(Date.now() + seq);
  if (e.message) e.message.msg_id = `civil-${seq}`;
  const raw = JSON.stringify(e);
  const before = zf.sent({ oaId: OA.oaId, userId: USER }).length;
  const res = await fetch(`${env.baseUrl}/webhooks/zalo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}` },
    body: raw,
  });
  expect(res.status).toBe(200);
  return until(() => {
    const sent = zf.sent({ oaId: OA.oaId, userId: USER });
    return sent.length > before ? sent.slice(before).map((m) => JSON.stringify(m.message)) : undefined;
  });
}
const say = (t: string) => send({ ...text, message: { text: t } });

describe('a civil-record copy over Zalo OA', () => {
  it('takes numbers for choices, the user-info form as a verified phone, and sends the PDF as a file', async () => {
    await say('xin bản sao giấy khai sinh');
    await say('Nguyễn Văn Thử');
    await say('02/03/2020');
    await say('1'); // Không nhớ
    await say('2'); // Cha, mẹ hoặc người giám hộ
    await say('001085000999');
    // Zalo's own form asks for the phone the account is registered with (a message after the question).
    const all = () => zf.sent({ oaId: OA.oaId, userId: USER }).map((m) => JSON.stringify(m.message));
    await until(() => all().find((m) => m.includes('request_user_info')));
    await send(submitInfo);
    await say('1'); // 1 bản
    await say('1'); // in the chat
    await say('1'); // Tôi đồng ý
    await say('1'); // Gửi yêu cầu
    const done = await until(() => all().find((m) => m.includes('Mã yêu cầu của anh/chị')));
    const code = /BS-[A-Z0-9]{6}/.exec(done)![0];
    const [req] = await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(req).toMatchObject({ channel: 'zalo', relationship: 'guardian', phone: '0912345678', phoneVerified: true });

    const staff = await signIn(env.baseUrl, 'tuphap');
    const [record] = await database.db.select().from(civilRecords).where(eq(civilRecords.number, '101'));
    const res = await fetch(`${env.baseUrl}/api/v1/civil-record-requests/${req.id}/approve`, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'x-csrf-token': staff.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ recordId: record.id, paid: true }),
    });
    expect(res.status).toBe(200);
    const upload = await until(() => zf.uploads().find((u) => u.oaId === OA.oaId));
    expect(upload.file.filename).toBe(`ban-sao-${code}.pdf`);
    expect(upload.file.data.subarray(0, 5).toString()).toBe('%PDF-');
    expect(upload.file.data.length).toBeLessThan(5 * 1024 * 1024);
    await until(() => zf.sent({ oaId: OA.oaId, userId: USER }).find((m) => JSON.stringify(m.message).includes(upload.token)));
  }, 120_000);
});
