import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { execRows } from '../../src/db/client.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { startTestRuntime } from '../helpers/runtime.js';

const OA = {
  oaId: '3662729500000000487',
  appId: '2553928400000000079',
  appSecret: 'test-app-secret-0001',
  accessToken: 'access-token-initial',
  refreshToken: 'refresh-token-initial',
};
const OA_SECRET = 'test-oa-secret-key-0001';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/zalo/user_send_text.json', import.meta.url), 'utf8'));

let zf: Awaited<ReturnType<typeof startFakeZalo>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;

beforeAll(async () => {
  zf = await startFakeZalo({ oas: [OA] });
  database = await createTestDatabase();
  env = await startTestRuntime(
    {
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
}, 120_000);
afterAll(async () => {
  await env?.close();
  await database?.close();
  await zf?.close();
});

function event(userId: string, msgId: string, text: string) {
  const e = structuredClone(fixture);
  e.sender.id = userId;
  e.message = { text, msg_id: msgId };
  e.timestamp = String(Date.now());
  return JSON.stringify(e);
}

function post(raw: string, signature?: string) {
  return fetch(`${env.baseUrl}/webhooks/zalo`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined ? { 'x-zevent-signature': signature } : {}),
    },
    body: raw,
  });
}

describe('Zalo OA webhook through the real server and a fake Zalo API', () => {
  it('rejects unsigned and wrongly signed events', async () => {
    const raw = event('6142494800000099999', 'bad-1', 'menu');
    expect((await post(raw)).status).toBe(401);
    expect((await post(raw, `mac=${signZaloEvent(raw, OA.appId, 'not-the-secret')}`)).status).toBe(401);
    // A body changed after signing fails too.
    const sig = signZaloEvent(raw, OA.appId, OA_SECRET);
    expect((await post(raw.replace('menu', 'menu!'), `mac=${sig}`)).status).toBe(401);
  });

  it('answers a signed question once, refreshing the initial token first, and keeps ids as strings', async () => {
    const user = '6142494800000012345';
    const raw = event(user, 'msg-0001', 'Cho hỏi thủ tục đăng ký khai sinh');
    const sig = `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}`;
    expect((await post(raw, sig)).status).toBe(200);
    expect((await post(raw, sig)).status).toBe(200); // redelivery
    const sent = await until(() => zf.sent({ oaId: OA.oaId, userId: user }).at(0));
    expect(sent.userId).toBe(user); // 19 digits: would be corrupted as a JS number
    const text = JSON.stringify(sent.message);
    expect(text).toContain('khai sinh');
    await new Promise((r) => setTimeout(r, 300));
    const replies = zf.sent({ oaId: OA.oaId, userId: user });
    const inbound = await execRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from inbound_messages where channel = 'zalo' and chat_id = ${user}`,
    );
    expect(inbound[0].n).toBe(1);
    expect(replies.length).toBeGreaterThanOrEqual(1);
    // The env refresh token was used once and the rotated pair is stored.
    expect(zf.refreshCalls().length).toBe(1);
    const [acct] = await execRows<{ refresh_token: string }>(
      database.db,
      sql`select refresh_token from channel_accounts where channel = 'zalo'`,
    );
    expect(acct.refresh_token).not.toBe(OA.refreshToken);
  });

  it('takes a typed number as a tap on the numbered button list', async () => {
    const user = '6142494800000022222';
    const menu = event(user, 'msg-0101', 'menu');
    await post(menu, `mac=${signZaloEvent(menu, OA.appId, OA_SECRET)}`);
    const first = await until(() => zf.sent({ oaId: OA.oaId, userId: user }).at(0));
    expect(JSON.stringify(first.message)).toMatch(/1\. Hỏi thủ tục/);
    const three = event(user, 'msg-0102', '3');
    await post(three, `mac=${signZaloEvent(three, OA.appId, OA_SECRET)}`);
    const second = await until(() => zf.sent({ oaId: OA.oaId, userId: user }).at(1));
    // Button 3 of the main menu is "Giờ làm việc, địa chỉ".
    expect(JSON.stringify(second.message)).toContain('Giờ làm việc');
  });

  it('records a resident outside the 7-day window as undeliverable', async () => {
    const user = '6142494800000033333';
    zf.setUserError(user, -230);
    const raw = event(user, 'msg-0201', 'menu');
    await post(raw, `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}`);
    const row = await until(async () => {
      const [r] = await execRows<{ status: string }>(
        database.db,
        sql`select status from outbound_messages where chat_id = ${user} order by id limit 1`,
      );
      return r && r.status !== 'pending' ? r : undefined;
    });
    expect(row.status).toBe('undeliverable');
  });
});
