import { describe, expect, it } from 'vitest';
import { refreshZaloAccessToken } from '../../../src/channels/zalo/tokens.js';
import { joinUrl } from '../../../src/core/url.js';

describe('joinUrl (issue 19, item 10)', () => {
  it.each([
    ['https://openapi.zalo.me', '/v3.0/oa/message/cs', 'https://openapi.zalo.me/v3.0/oa/message/cs'],
    ['https://proxy.example/zalo', '/v3.0/oa/message/cs', 'https://proxy.example/zalo/v3.0/oa/message/cs'],
    ['https://proxy.example/zalo/', 'v4/oa/access_token', 'https://proxy.example/zalo/v4/oa/access_token'],
    ['http://127.0.0.1:9/a/b//', '//c', 'http://127.0.0.1:9/a/b/c'],
  ])('%s + %s', (base, path, expected) => {
    expect(joinUrl(base, path).href).toBe(expected);
  });

  it('keeps a Zalo OAuth base path prefix when refreshing a token', async () => {
    const seen: string[] = [];
    const fetch = (async (url: URL | string) => {
      seen.push(String(url));
      return new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', expires_in: '90000' }), {
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof globalThis.fetch;
    await refreshZaloAccessToken('old', { appId: '1', appSecret: 's', oauthBase: 'https://proxy.example/zalo-oauth', fetch });
    expect(seen).toEqual(['https://proxy.example/zalo-oauth/v4/oa/access_token']);
  });
});
