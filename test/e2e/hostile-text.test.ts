import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chat, startTestRuntime } from '../helpers/runtime.js';

/**
 * Issue 19, item 4: text the database would refuse (a lone UTF-16 surrogate, which JSON carries as
 * "\ud800"; NUL) used to give a 500 on the web chat and a 5xx on webhooks, so platforms redelivered it for ever.
 */
let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime();
});
afterAll(async () => env?.close());

describe('hostile bytes in chat text', () => {
  it.each([
    ['a lone high surrogate', 'làm giấy khai sinh \ud800'],
    ['a lone low surrogate', '\udc00 đăng ký kết hôn'],
    ['a NUL byte', 'chứng thực\u0000 bản sao'],
    ['only control characters', '\u0000\u0001\u0002'],
  ])('%s gets an answer, not a server error', async (_label, text) => {
    const { status, json } = await chat(env.baseUrl, { sessionId: `hostile-${text.length}-${text.charCodeAt(0)}`, text });
    expect(status).toBeLessThan(500);
    if (status === 200) expect(json.replies.length).toBeGreaterThan(0);
  });

  it('a session id with a lone surrogate is refused with a 4xx', async () => {
    // Sent as it is (a string body), not mapped to a server-issued session by the helper.
    const { status } = await chat(env.baseUrl, JSON.stringify({ sessionId: 'session-\ud800-xyz', text: 'xin chào' }));
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });
});
