import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { startTestRuntime } from '../helpers/runtime.js';

// Low limits so the test reaches them: 3 messages per session, 5 per IP address, per minute.
let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime({ WEB_CHAT_MESSAGES_PER_MINUTE: '3', WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP: '5' });
});
afterAll(async () => env?.close());

/** A web chat message, optionally as forwarded by the (loopback) proxy for another client address. */
async function send(sessionId: string, forwardedFor?: string) {
  const res = await fetch(`${env.baseUrl}/api/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify({ sessionId, text: 'menu' }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string } };
}

async function recorded(sessionId: string): Promise<number> {
  const [r] = await execRows<{ n: number }>(
    env.runtime.database.db,
    sql`select count(*)::int as n from inbound_messages where channel = 'web' and chat_id = ${sessionId}`,
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
    const poll = () =>
      fetch(`${env.baseUrl}/api/v1/chat/updates?sessionId=limit-session-g&after=0`, {
        headers: { 'x-forwarded-for': '198.51.100.30' },
      });
    for (let i = 0; i < 9; i++) expect((await poll()).status).toBe(200);
    expect((await poll()).status).toBe(429);
  });
});
