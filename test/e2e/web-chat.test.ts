import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '../../src/db/client.js';
import { chat, chatUpdates, startTestRuntime, TEST_ADMIN_KEY, webChatId } from '../helpers/runtime.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime();
});
afterAll(async () => env?.close());

const session = (name: string) => `test-session-${name}`;

describe('web chat over HTTP', () => {
  it('serves the chat page at /', async () => {
    const res = await fetch(`${env.baseUrl}/`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Trợ lý ảo Xã Thử Nghiệm');
    expect(html).toContain('api/v1/chat');
  });

  it.each(['/start', 'menu', 'bắt đầu', 'Bat dau', 'MENU'])('shows the main menu for %s', async (text) => {
    const { status, json } = await chat(env.baseUrl, { sessionId: session('menu'), text });
    expect(status).toBe(200);
    expect(json.replies[0].text).toContain('Xã Thử Nghiệm');
    const actions = json.replies[0].buttons.map((b: { action: string }) => b.action);
    expect(actions).toContain('staff:contact');
  });

  it('queues a question for staff with a code, reachable from inside another flow', async () => {
    const s = session('staff');
    const first = await chat(env.baseUrl, { sessionId: s, text: 'gặp cán bộ' });
    expect(first.json.replies[0].text).toMatch(/nhập câu hỏi/);
    const menu = await chat(env.baseUrl, { sessionId: s, text: 'menu' });
    expect(menu.json.replies[0].buttons.length).toBeGreaterThan(1);
    await chat(env.baseUrl, { sessionId: s, action: 'staff:contact' });
    const done = await chat(env.baseUrl, { sessionId: s, text: 'Cho hỏi lịch tiêm chủng tháng này' });
    const code = /HD-[A-Z0-9]{5}/.exec(done.json.replies[0].text)?.[0];
    expect(code).toBeTruthy();
    const list = await fetch(`${env.baseUrl}/api/v1/inquiries`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    const body = (await list.json()) as any;
    expect(body.inquiries.map((i: { code: string }) => i.code)).toContain(code);
    // Staff answer; the resident's page receives it through the updates poll, once.
    const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    const ans = await fetch(`${env.baseUrl}/api/v1/inquiries/${code}/answer`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ answer: 'Lịch tiêm chủng vào thứ Tư tuần này.' }),
    });
    expect(ans.status).toBe(200);
    const again = await fetch(`${env.baseUrl}/api/v1/inquiries/${code}/answer`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ answer: 'Lần hai' }),
    });
    expect(again.status).toBe(409);
    const updates = (await (await chatUpdates(env.baseUrl, s, done.json.lastId)).json()) as any;
    expect(updates.messages).toHaveLength(1);
    expect(updates.messages[0].text).toContain('Lịch tiêm chủng vào thứ Tư');
    const empty = await fetch(`${env.baseUrl}/api/v1/inquiries/${code}/answer`, {
      method: 'POST',
      headers,
      body: JSON.stringify({}),
    });
    expect(empty.status).toBe(422);
  });

  it('keeps staff endpoints closed without the admin key', async () => {
    expect((await fetch(`${env.baseUrl}/api/v1/inquiries`)).status).toBe(401);
    const wrong = await fetch(`${env.baseUrl}/api/v1/inquiries`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers a resent message (same messageId) once', async () => {
    const body = { sessionId: session('dup'), text: 'menu', messageId: 'm-1' };
    const a = await chat(env.baseUrl, body);
    const b = await chat(env.baseUrl, body);
    expect(b.json.duplicate).toBe(true);
    expect(b.json.replies).toEqual(a.json.replies);
    const rows = await execRows<{ n: number }>(
      env.runtime.database.db,
      sql`select count(*)::int as n from inbound_messages where chat_id = ${await webChatId(env.baseUrl, session('dup'))}`,
    );
    expect(rows[0].n).toBe(1);
  });

  describe('bad input', () => {
    it('rejects invalid JSON with 400', async () => {
      const r = await chat(env.baseUrl, '{"sessionId": ');
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(/JSON/);
    });
    it('rejects a missing session or empty body with 422 and field errors', async () => {
      const r = await chat(env.baseUrl, { text: 'chào' });
      expect(r.status).toBe(422);
      expect(r.json.fieldErrors.sessionId).toBeTruthy();
      const r2 = await chat(env.baseUrl, { sessionId: session('empty') });
      expect(r2.status).toBe(422);
    });
    it('rejects 100 KB of text with 413', async () => {
      const r = await chat(env.baseUrl, { sessionId: session('big'), text: 'a'.repeat(100_000) });
      expect(r.status).toBe(413);
      expect(r.json.error).toMatch(/quá dài/);
    });
    it('answers empty text politely', async () => {
      const r = await chat(env.baseUrl, { sessionId: session('blank'), text: '   ' });
      expect(r.status).toBe(200);
      expect(r.json.replies[0].text).toMatch(/vui lòng nhập/);
    });
    it('answers an unknown button politely', async () => {
      const r = await chat(env.baseUrl, { sessionId: session('act'), action: 'nope:gone' });
      expect(r.status).toBe(200);
      expect(r.json.replies[0].text).toMatch(/hết hiệu lực/);
    });
    it.each([
      ['emoji', '👍👍🙏'],
      ['control characters', 'gặp\u0000\u0007 cán bộ\u001b'],
      ['NFD text', 'gặp cán bộ'.normalize('NFD')],
      ['right-to-left and zero-width', '\u202egặp\u200b'],
    ])('survives %s', async (_name, text) => {
      const r = await chat(env.baseUrl, { sessionId: session('weird'), text });
      expect(r.status).toBe(200);
      expect(typeof r.json.replies[0].text).toBe('string');
    });
    it('rejects non-string fields with 422', async () => {
      const r = await chat(env.baseUrl, { sessionId: session('types'), text: { $ne: 1 } });
      expect(r.status).toBe(422);
    });
  });

  it('reports health and readiness', async () => {
    expect((await fetch(`${env.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${env.baseUrl}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });
});
