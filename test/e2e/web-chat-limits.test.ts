import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { newWebSession, startTestRuntime, webChatId, webSession } from '../helpers/runtime.js';

// Low limits so the test reaches them: 3 messages per session, 5 per IP address, per minute; 10 new sessions
// per address and hour.
let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime({
    WEB_CHAT_MESSAGES_PER_MINUTE: '3',
    WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP: '5',
    WEB_CHAT_SESSIONS_PER_HOUR_PER_IP: '10',
    WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP: '3',
  });
});
afterAll(async () => env?.close());

/**
 * A web chat message from the server-issued session a test calls `name` (or, with `raw`, exactly that
 * `sessionId`), optionally as forwarded by the (loopback) proxy for another client address.
 */
async function send(name: string, forwardedFor?: string, raw = false, text = 'menu') {
  const sessionId = raw ? name : await webSession(env.baseUrl, name);
  const res = await fetch(`${env.baseUrl}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ sessionId, text }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { error?: string; code?: string },
  };
}

async function recorded(name: string): Promise<number> {
  const [r] = await execRows<{ n: number }>(
    env.runtime.database.db,
    sql`select count(*)::int as n from inbound_messages where channel = 'web' and chat_id = ${await webChatId(env.baseUrl, name)}`,
  );
  return r.n;
}

async function webRows(): Promise<number> {
  const [r] = await execRows<{ n: number }>(
    env.runtime.database.db,
    sql`select count(*)::int as n from inbound_messages where channel = 'web'`,
  );
  return r.n;
}

describe('web chat flood limits', () => {
  it('refuses a session past its limit, politely and before recording anything', async () => {
    for (let i = 0; i < 3; i++) expect((await send('limit-session-a')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const refused = await send('limit-session-a');
      expect(refused.status).toBe(429);
      expect(refused.body.error).toContain('Vui lòng đợi khoảng một phút');
      expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    }
    expect(await recorded('limit-session-a')).toBe(3);
  });

  it('counts the sessions of one address together, but not what a session was refused', async () => {
    // Three of this address's five were used above; the two refused requests did not count.
    expect((await send('limit-session-b')).status).toBe(200);
    expect((await send('limit-session-c')).status).toBe(200);
    const refused = await send('limit-session-d');
    expect(refused.status).toBe(429);
    expect(await recorded('limit-session-d')).toBe(0);
  });

  it('counts each client behind a trusted proxy on its own address', async () => {
    // Same socket address (loopback, trusted by default), another client named by X-Forwarded-For.
    expect((await send('limit-session-e', '198.51.100.23')).status).toBe(200);
    expect((await send('limit-session-f', '198.51.100.24')).status).toBe(200);
  });

  it('limits the updates poll per session at three times the message allowance', async () => {
    const token = await webSession(env.baseUrl, 'limit-session-g');
    const poll = () =>
      fetch(`${env.baseUrl}/api/v1/chat/updates?sessionId=${encodeURIComponent(token)}&after=0`, {
        headers: { 'x-forwarded-for': '198.51.100.30' },
      });
    for (let i = 0; i < 9; i++) expect((await poll()).status).toBe(200);
    expect((await poll()).status).toBe(429);
  });
});

describe('web chat sessions are issued by the server', () => {
  it('refuses an invented or forged session with 401 and a Vietnamese message, recording nothing', async () => {
    const real = await newWebSession(env.baseUrl, { 'x-forwarded-for': '198.51.100.40' });
    const [id, issued, sig] = real.split('.');
    const before = await webRows();
    for (const forged of [
      'test-session-invented', // what the page used to make up
      `${id}.${issued}.${(sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)}`, // signature altered
      `${'A'.repeat(22)}.${issued}.${sig}`, // another id under this signature
    ]) {
      const r = await send(forged, '198.51.100.41', true);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 'session_invalid' });
      expect(r.body.error).toContain('Phiên trò chuyện không hợp lệ');
      const updates = await fetch(`${env.baseUrl}/api/v1/chat/updates?sessionId=${encodeURIComponent(forged)}&after=0`, {
        headers: { 'x-forwarded-for': '198.51.100.42' },
      });
      expect(updates.status).toBe(401);
    }
    expect(await webRows()).toBe(before);
    // The genuine one works.
    expect((await send(real, '198.51.100.43', true)).status).toBe(200);
  });

  it('counts requests with invented sessions against their address, however many ids are made up', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await send(`invented-${i}-session`, '198.51.100.50', true)).status);
    // Each is refused; past the per-session allowance (3) the address is told to slow down.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });

  it('issues at most WEB_CHAT_SESSIONS_PER_HOUR_PER_IP new sessions an hour to one address', async () => {
    const headers = { 'x-forwarded-for': '203.0.113.60' };
    for (let i = 0; i < 10; i++) await newWebSession(env.baseUrl, headers);
    const refused = await fetch(`${env.baseUrl}/api/v1/chat/session`, { method: 'POST', headers });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: string }).error).toContain('quá nhiều phiên trò chuyện mới');
    // Another address is not affected.
    await newWebSession(env.baseUrl, { 'x-forwarded-for': '203.0.113.61' });
  });
});

describe('dossier guessing from one address', () => {
  it('bounds messages that could carry a verification per address, however many sessions it obtains', async () => {
    const address = '198.51.100.70';
    const fresh = () => newWebSession(env.baseUrl, { 'x-forwarded-for': address });
    const statuses: number[] = [];
    // A new server-issued session for every guess: the per-session limits never see more than one.
    for (let i = 0; i < 3; i++) statuses.push((await send(await fresh(), address, true, `${5670 + i}`)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await send(await fresh(), address, true, '0912 345 678');
    expect(refused.status).toBe(429);
    expect(refused.body.error).toContain('Để bảo vệ thông tin hồ sơ');
    // Messages without four digits in a row are not counted; another address is not affected.
    expect((await send(await fresh(), address, true, 'thủ tục khai sinh')).status).toBe(200);
    const other = await newWebSession(env.baseUrl, { 'x-forwarded-for': '198.51.100.71' });
    expect((await send(other, '198.51.100.71', true, '5678')).status).toBe(200);
  });
});
