import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { execRows } from '../../src/db/client.js';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { startFakeZaloBot, type FakeZaloBot } from '../fakes/zalobot-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/**
 * Defects the fuzz suite (fuzz.test.ts) found, one test each: a platform id the database would refuse
 * (NUL, a lone surrogate) or no platform sends (500 KB, spaces, SQL) in a signed webhook was answered 503,
 * so the platform would redeliver it for ever. Now it is acknowledged, dropped and not recorded.
 */
const TG_SECRET = 'fuzz_regression_secret-0019';
const OA = {
  oaId: '3662729500000000487',
  appId: '2553928400000000079',
  appSecret: 'fuzz-app-secret-0019',
  accessToken: 'access-token-initial',
  refreshToken: 'refresh-token-initial',
};
const OA_SECRET = 'fuzz-oa-secret-key-0019';
const ZB_TOKEN = '1459232241454765289:fake-access-token-for-fuzz';
const ZB_SECRET = 'zalobot-webhook-secret-0019';

let tg: FakeTelegram;
let zf: Awaited<ReturnType<typeof startFakeZalo>>;
let zb: FakeZaloBot;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let staff: { cookie: string; csrf: string };

beforeAll(async () => {
  [tg, zf, zb, database] = await Promise.all([
    startFakeTelegram(),
    startFakeZalo({ oas: [OA] }),
    startFakeZaloBot({ tokens: [ZB_TOKEN] }),
    createTestDatabase(),
  ]);
  env = await startTestRuntime(
    {
      TELEGRAM_BOT_TOKEN: '7000000001:TEST-token-for-fake-server',
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ZALO_APP_ID: OA.appId,
      ZALO_APP_SECRET: OA.appSecret,
      ZALO_OA_ID: OA.oaId,
      ZALO_OA_SECRET_KEY: OA_SECRET,
      ZALO_OA_ACCESS_TOKEN: OA.accessToken,
      ZALO_OA_REFRESH_TOKEN: OA.refreshToken,
      ZALO_API_BASE: zf.apiBase,
      ZALO_OAUTH_BASE: zf.oauthBase,
      ZALOBOT_TOKEN: ZB_TOKEN,
      ZALOBOT_WEBHOOK_SECRET: ZB_SECRET,
      ZALOBOT_API_BASE: zb.apiBase,
      PUBLIC_URL: 'https://troly.xa-thu-nghiem.example',
    },
    { database },
  );
  await addStaff(database, 'fuzz.reg', 'admin', env.runtime.defaultCommune.id, 'Nguyễn Văn Thử');
  staff = await signIn(env.baseUrl, 'fuzz.reg');
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await Promise.all([tg?.close(), zf?.close(), zb?.close()]);
});

const inbound = async () =>
  (await execRows<{ n: number }>(database.db, sql`select count(*)::int as n from inbound_messages`))[0].n;

const BAD_IDS = [
  ['a NUL byte', 'u61424948\u0000'],
  ['a lone surrogate', '61424948\ud800'],
  ['SQL', "6142'); DELETE FROM dossiers; --"],
  ['500 KB', '6'.repeat(500_000)],
];

describe('signed webhooks with ids no platform sends', () => {
  it.each(BAD_IDS)('Zalo OA: a sender or message id with %s is acknowledged and dropped', async (_label, bad) => {
    const before = await inbound();
    for (const where of ['sender', 'msg_id'] as const) {
      const event = {
        event_name: 'user_send_text',
        app_id: OA.appId,
        sender: { id: where === 'sender' ? bad : '6142494800000012345' },
        recipient: { id: OA.oaId },
        message: { text: 'Cho hỏi thủ tục đăng ký khai sinh', msg_id: where === 'msg_id' ? bad : 'fzregression0001' },
        timestamp: String(Date.now()),
      };
      const raw = JSON.stringify(event);
      const res = await fetch(`${env.baseUrl}/webhooks/zalo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zevent-signature': signZaloEvent(raw, OA.appId, OA_SECRET) },
        body: raw,
      });
      expect(res.status).toBe(200);
    }
    expect(await inbound()).toBe(before);
  });

  it('Zalo OA: an image whose address or name holds a lone surrogate or a NUL is recorded once, not a 503', async () => {
    const before = await inbound();
    const event = {
      event_name: 'user_send_image',
      app_id: OA.appId,
      sender: { id: '6142494800000012399' },
      recipient: { id: OA.oaId },
      message: {
        msg_id: 'fzregression-image-0001',
        attachments: [{ type: 'image', payload: { url: 'https://example.invalid/anh\ud800.jpg', name: 'ảnh\u0000\udc00.jpg' } }],
      },
      timestamp: String(Date.now()),
    };
    // JSON.stringify escapes the lone surrogates as \udXXX, as a platform would send them.
    const raw = JSON.stringify(event);
    expect(raw).toContain('\\ud800');
    const post = () =>
      fetch(`${env.baseUrl}/webhooks/zalo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-zevent-signature': signZaloEvent(raw, OA.appId, OA_SECRET) },
        body: raw,
      });
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect(await inbound()).toBe(before + 1);
  });

  it.each(BAD_IDS)('Zalo Bot: a user or message id with %s is acknowledged and dropped', async (_label, bad) => {
    const before = await inbound();
    for (const where of ['user', 'message'] as const) {
      const user = where === 'user' ? bad : '1459232241000000001';
      const body = {
        ok: true,
        result: {
          event_name: 'message.text.received',
          message: {
            from: { id: user, display_name: 'Thử', is_bot: false },
            chat: { id: user, chat_type: 'PRIVATE' },
            text: 'Cho hỏi thủ tục đăng ký khai sinh',
            message_id: where === 'message' ? bad : 'fzregression0002',
            date: Date.now(),
          },
        },
      };
      const res = await fetch(`${env.baseUrl}/webhooks/zalobot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bot-api-secret-token': ZB_SECRET },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    }
    expect(await inbound()).toBe(before);
  });

  it('Telegram: a chat id that is text, not a number, is acknowledged and dropped', async () => {
    const before = await inbound();
    const res = await fetch(`${env.baseUrl}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET },
      body: JSON.stringify({
        update_id: 190019,
        message: {
          message_id: 1,
          from: { id: 900000001, is_bot: false, first_name: 'Thử' },
          chat: { id: 'Nguyễn Văn Thử\u0000', type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text: 'Cho hỏi thủ tục đăng ký khai sinh',
        },
      }),
    });
    expect(res.status).toBe(200);
    expect(await inbound()).toBe(before);
  });
});

const asStaff = (path: string, body: string, method = 'POST', type = 'application/json') =>
  fetch(`${env.baseUrl}${path}`, {
    method,
    headers: { 'content-type': type, cookie: staff.cookie, 'x-csrf-token': staff.csrf },
    body,
  });

describe('staff and webhook input the database would refuse', () => {
  it('a local procedure with a lone surrogate or a NUL is saved with valid text, not a 500', async () => {
    const res = await asStaff(
      '/api/v1/procedures/local',
      JSON.stringify({ slug: 'ho-tro-ky-tu-la', name: 'Hỗ trợ thử \ud800 nghiệm', agency: 'UBND\u0000 xã' }),
    );
    expect(res.status).toBe(201);
    const json = (await res.json()) as { procedure: { name: string; agency?: string } };
    expect(json.procedure.name).toBe('Hỗ trợ thử \ufffd nghiệm');
  });

  it('a procedure override with a NUL is saved without it, not a 500', async () => {
    const res = await asStaff(
      '/api/v1/procedures/1.001193/override',
      JSON.stringify({ note: 'Mang theo\u0000 căn cước' }),
      'PUT',
    );
    expect(res.status).toBeLessThan(300);
  });

  it('an id with a NUL in the path is a 400, not a 500', async () => {
    const res = await asStaff('/api/v1/inquiries/HD-ABCDE%00/answer', JSON.stringify({ answer: 'Trả lời thử.' }));
    expect(res.status).toBe(400);
  });

  it('a console form field with a NUL is saved without it, not a 500', async () => {
    const res = await fetch(`${env.baseUrl}/console/inbox/templates`, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: `_csrf=${encodeURIComponent(staff.csrf)}&title=M%E1%BA%ABu%00+th%E1%BB%AD&text=Tr%E1%BA%A3+l%E1%BB%9Di%00+th%E1%BB%AD`,
      redirect: 'manual',
    });
    expect(res.status).toBeLessThan(400);
    const rows = await execRows<{ title: string }>(database.db, sql`select title from reply_templates`);
    expect(rows.map((r) => r.title)).toContain('Mẫu thử');
  });

  it('a search for a word that names an Object.prototype property answers, not a 500', async () => {
    for (const q of ['constructor', '__proto__', 'toString hasOwnProperty']) {
      const res = await fetch(`${env.baseUrl}/api/v1/procedures/search?q=${encodeURIComponent(q)}&limit=5`);
      expect(res.status, q).toBe(200);
    }
  });

  it('a CSV column named __proto__ or constructor is named as unknown', async () => {
    for (const header of ['__proto__', 'constructor']) {
      const res = await asStaff('/api/v1/procedures/overrides/import', `code,${header}\n1.001193,x\n`, 'POST', 'text/csv');
      expect(res.status).toBe(422);
      expect(JSON.stringify(await res.json())).toContain(`cột không hợp lệ: ${header}`);
    }
  });

  it('a Zalo OA webhook whose body is JSON null is refused with a 401, not a 500', async () => {
    const res = await fetch(`${env.baseUrl}/webhooks/zalo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-zevent-signature': '0'.repeat(64) },
      body: 'null',
    });
    expect(res.status).toBe(401);
  });
});

describe('Zalo OA signatures before parsing', () => {
  it('a huge unsigned or badly signed body is refused without being parsed', async () => {
    const raw = JSON.stringify({ event_name: 'user_send_text', recipient: { id: OA.oaId }, pad: 'x'.repeat(900_000) });
    const parse = vi.spyOn(JSON, 'parse');
    try {
      for (const signature of [undefined, 'not-a-signature', 'mac=']) {
        const res = await fetch(`${env.baseUrl}/webhooks/zalo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signature ? { 'x-zevent-signature': signature } : {}) },
          body: raw,
        });
        expect(res.status).toBe(401);
        await res.text();
      }
      const bodies = parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 800_000);
      expect(bodies).toHaveLength(0);
    } finally {
      parse.mockRestore();
    }
  });
});
