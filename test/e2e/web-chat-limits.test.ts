import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';

// Low limits so the test reaches them: 3 messages per session, 5 per IP, per minute.
let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime({ WEB_CHAT_MESSAGES_PER_MINUTE: '3', WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP: '5' });
});
afterAll(async () => env?.close());

async function recorded(sessionId: string): Promise<number> {
  const [r] = await execRows<{ n: number }>(
    env.runtime.database.db,
    sql`select count(*)::int as n from inbound_messages where channel = 'web' and chat_id = ${sessionId}`,
  );
  return r.n;
}

describe('web chat flood limits', () => {
  it('refuses a fourth message in a minute from one session, politely and before recording it', async () => {
    const sessionId = 'limit-session-a';
    for (let i = 0; i < 3; i++) {
      const ok = await chat(env.baseUrl, { sessionId, text: 'menu' });
      expect(ok.status).toBe(200);
    }
    const res = await fetch(`${env.baseUrl}/api/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sessionId, text: 'menu' }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain('Vui lòng đợi khoảng một phút');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await recorded(sessionId)).toBe(3);
  });

  it('counts every session of one IP address together', async () => {
    // The four requests above (the refused one included) count against this IP's five: a new
    // session gets one message through, the next session none.
    const first = await chat(env.baseUrl, { sessionId: 'limit-session-b', text: 'menu' });
    expect(first.status).toBe(200);
    const second = await chat(env.baseUrl, { sessionId: 'limit-session-c', text: 'menu' });
    expect(second.status).toBe(429);
    expect(second.json.error).toContain('gửi tin nhắn hơi nhanh');
    expect(await recorded('limit-session-c')).toBe(0);
  });
});
