import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemoryZaloTokenRepo,
  createZaloAdapter,
  createZaloTokenStore,
  type ZaloTokenRepo,
} from '../../../src/channels/zalo/index.js';
import type { Recipient } from '../../../src/core/types.js';
import { startFakeZalo, type FakeZalo, type FakeZaloOa } from '../../fakes/zalo-server.js';

const OA_A: FakeZaloOa = {
  oaId: '3662729500000000487',
  appId: '2553928400000000079',
  appSecret: 'app-secret-A',
  accessToken: 'AT_A_initial',
  refreshToken: 'RT_A_initial',
};
const OA_B: FakeZaloOa = { ...OA_A, oaId: '3662729500000000999', accessToken: 'AT_B_initial', refreshToken: 'RT_B_initial' };
const USER = '6142494800000012345';
const to: Recipient = { communeId: 1, channel: 'zalo', chatId: USER, userId: USER };
const HOUR = 3600_000;

let fake: FakeZalo;
let repo: ZaloTokenRepo;

function adapter(oa: FakeZaloOa = OA_A, opts: { repo?: ZaloTokenRepo; timeoutMs?: number } = {}) {
  return createZaloAdapter({
    appId: oa.appId,
    appSecret: oa.appSecret,
    oaId: oa.oaId,
    oaSecretKey: 'oa-secret',
    tokenRepo: opts.repo ?? repo,
    apiBase: fake.apiBase,
    oauthBase: fake.oauthBase,
    timeoutMs: opts.timeoutMs ?? 2_000,
  });
}

beforeAll(async () => {
  fake = await startFakeZalo({ oas: [OA_A, OA_B] });
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  const current = fake.tokensOf(OA_A.oaId)!;
  repo = createMemoryZaloTokenRepo({ ...current, expiresAt: new Date(Date.now() + 20 * HOUR) });
});

describe('zalo consultation messages', () => {
  it('sends text with the bare access_token header and returns the message id', async () => {
    const result = await adapter().send({ text: 'Dạ, hồ sơ khai sinh gồm tờ khai và giấy chứng sinh.' }, to);
    expect(result.ok).toBe(true);
    const [sent] = fake.sent();
    expect(sent).toMatchObject({
      oaId: OA_A.oaId,
      userId: USER,
      message: { text: 'Dạ, hồ sơ khai sinh gồm tờ khai và giấy chứng sinh.' },
    });
    expect(result).toEqual({ ok: true, platformMessageIds: [sent.messageId] });
    const req = fake.requests[0];
    expect(req.headers['access_token']).toBe(fake.tokensOf(OA_A.oaId)!.accessToken);
    expect(req.headers.authorization).toBeUndefined();
  });

  it('splits long text into messages Zalo accepts (≤ 2000 characters)', async () => {
    const result = await adapter().send({ text: 'Thủ tục hành chính công. '.repeat(250) }, to);
    expect(result.ok).toBe(true);
    expect(fake.sent().length).toBe(4);
  });

  it('sends buttons as a template with a numbered fallback, and resends plain text if the template is refused', async () => {
    const reply = {
      text: 'Anh/chị cần gì?',
      buttons: [
        { label: 'Khai sinh', action: 'proc:detail:1.001193' },
        { label: 'Gặp cán bộ', action: 'staff:handoff' },
      ],
    };
    expect((await adapter().send(reply, to)).ok).toBe(true);
    expect(fake.sent()[0].message.attachment.payload.buttons[0]).toEqual({
      title: 'Khai sinh',
      type: 'oa.query.hide',
      payload: '#proc:detail:1.001193',
    });

    fake.reset();
    fake.setRefuseTemplates(true);
    const result = await adapter().send(reply, to);
    expect(result.ok).toBe(true);
    expect(fake.requests.map((r) => r.response)).toMatchObject([{ error: -201 }, { error: 0 }]);
    expect(fake.sent()[0].message).toEqual({ text: 'Anh/chị cần gì?\n\n1. Khai sinh\n2. Gặp cán bộ\nGõ số 1, 2 để chọn.' });
  });

  it('asks for the phone with request_user_info', async () => {
    await adapter().send({ text: 'Cho xin số điện thoại', requestContact: true }, to);
    expect(fake.sent().map((m) => m.message.attachment?.payload?.template_type ?? 'text')).toEqual(['text', 'request_user_info']);
  });

  it.each(['token', 'attachment_id'] as const)(
    'uploads a PDF then sends it as a file message (upload answers %s)',
    async (key) => {
      const local = await startFakeZalo({ oas: [OA_A], uploadTokenKey: key });
      try {
        const a = createZaloAdapter({
          appId: OA_A.appId,
          appSecret: OA_A.appSecret,
          tokenRepo: createMemoryZaloTokenRepo({ ...local.tokensOf(OA_A.oaId)!, expiresAt: new Date(Date.now() + HOUR) }),
          apiBase: local.apiBase,
          oauthBase: local.oauthBase,
        });
        const pdf = Buffer.from('%PDF-1.4\n% trích lục\n');
        const result = await a.send(
          {
            text: 'Bản trích lục',
            file: { name: 'trich-luc.pdf', mimeType: 'application/pdf', contentBase64: pdf.toString('base64') },
          },
          to,
        );
        expect(result.ok).toBe(true);
        const [upload] = local.uploads();
        expect(upload.file).toMatchObject({ filename: 'trich-luc.pdf', contentType: 'application/pdf' });
        expect(upload.file.data.equals(pdf)).toBe(true);
        expect(local.sent()[1].message).toEqual({ attachment: { type: 'file', payload: { token: upload.token } } });
        expect(local.requests.find((r) => r.path === '/v2.0/oa/upload/file')?.bodyKind).toBe('multipart');
      } finally {
        await local.close();
      }
    },
  );

  it('keeps OAs of different communes apart on one server', async () => {
    const repoB = createMemoryZaloTokenRepo({ ...fake.tokensOf(OA_B.oaId)!, expiresAt: new Date(Date.now() + HOUR) });
    await adapter(OA_A).send({ text: 'Xã A' }, to);
    await adapter(OA_B, { repo: repoB }).send({ text: 'Xã B' }, to);
    expect(fake.sent({ oaId: OA_A.oaId }).map((m) => m.message.text)).toEqual(['Xã A']);
    expect(fake.sent({ oaId: OA_B.oaId }).map((m) => m.message.text)).toEqual(['Xã B']);
  });
});

describe('zalo errors and retries', () => {
  it('-216: refreshes the token, persists the new pair, retries once', async () => {
    fake.expireAccessToken(OA_A.oaId);
    const result = await adapter().send({ text: 'Xin chào' }, to);
    expect(result.ok).toBe(true);
    const [refresh] = fake.refreshCalls();
    expect(fake.refreshCalls()).toHaveLength(1);
    expect(refresh.headers['secret_key']).toBe(OA_A.appSecret);
    expect(refresh.bodyKind).toBe('form');
    expect(refresh.body).toEqual({ refresh_token: 'RT_A_initial', app_id: OA_A.appId, grant_type: 'refresh_token' });
    const stored = await repo.load();
    expect(stored).toMatchObject(fake.tokensOf(OA_A.oaId)!);
    expect(stored!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 24 * HOUR);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v3.0/oa/message/cs', '/v4/oa/access_token', '/v3.0/oa/message/cs']);
  });

  it('-216 twice: one refresh only, then a final auth failure', async () => {
    fake.fail({ kind: 'zalo', error: -216 }, { times: 2, path: '/v3.0/oa/message/cs' });
    const result = await adapter().send({ text: 'x' }, to);
    expect(result).toMatchObject({ ok: false, retryable: false, code: 'zalo_auth' });
    expect(fake.refreshCalls()).toHaveLength(1);
  });

  it('-230 (no interaction in 7 days) and -213 (not a follower) are undeliverable', async () => {
    fake.setUserError(USER, -230);
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
    fake.setUserError(USER, -213);
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'undeliverable' });
    expect(fake.refreshCalls()).toHaveLength(0);
  });

  it('-32 and HTTP 429 are retryable with backoff', async () => {
    fake.fail({ kind: 'zalo', error: -32 });
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate_limited',
      retryAfterMs: 60_000,
    });
    fake.fail({ kind: 'http', status: 429, retryAfter: 3 });
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({
      ok: false,
      retryable: true,
      code: 'rate_limited',
      retryAfterMs: 3000,
    });
  });

  it('5xx, timeouts and connection failures are retryable', async () => {
    fake.fail({ kind: 'http', status: 503 });
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: true, code: 'server_error' });
    fake.fail({ kind: 'hang' });
    expect(await adapter(OA_A, { timeoutMs: 300 }).send({ text: 'x' }, to)).toMatchObject({
      ok: false,
      retryable: true,
      code: 'timeout',
    });
    const dead = createZaloAdapter({ appId: 'a', appSecret: 's', tokenRepo: repo, apiBase: 'http://127.0.0.1:1' });
    expect(await dead.send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: true, code: 'network' });
  });

  it('an unsupported file is refused before anything is sent', async () => {
    const png = { name: 'a.png', mimeType: 'image/png', contentBase64: 'AAAA' };
    expect(await adapter().send({ text: 'x', file: png }, to)).toMatchObject({
      ok: false,
      retryable: false,
      code: 'invalid_reply',
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('zalo access tokens', () => {
  it('refreshes ahead of expiry (10 minutes before) and never spends a refresh token twice', async () => {
    repo = createMemoryZaloTokenRepo({ ...fake.tokensOf(OA_A.oaId)!, expiresAt: new Date(Date.now() + 5 * 60_000) });
    const a = adapter();
    const results = await Promise.all([1, 2, 3].map((i) => a.send({ text: `tin ${i}` }, to)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(fake.refreshCalls()).toHaveLength(1);
    expect((await repo.load())!.refreshToken).toBe(fake.tokensOf(OA_A.oaId)!.refreshToken);
  });

  it('a second process that was rejected picks up the token the first one rotated', async () => {
    const first = createZaloTokenStore({ repo, appId: OA_A.appId, appSecret: OA_A.appSecret, oauthBase: fake.oauthBase });
    const second = createZaloTokenStore({ repo, appId: OA_A.appId, appSecret: OA_A.appSecret, oauthBase: fake.oauthBase });
    const old = await second.get();
    const rotated = await first.refresh();
    const picked = await second.refresh(old.accessToken);
    expect(picked.accessToken).toBe(rotated.accessToken);
    expect(fake.refreshCalls()).toHaveLength(1);
  });

  it('a refused refresh token is a non-retryable auth failure', async () => {
    repo = createMemoryZaloTokenRepo({ accessToken: 'x', refreshToken: 'RT_dead', expiresAt: new Date(0) });
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'zalo_auth' });
  });

  it('no stored token: not retryable, says so', async () => {
    repo = createMemoryZaloTokenRepo(null);
    expect(await adapter().send({ text: 'x' }, to)).toMatchObject({ ok: false, retryable: false, code: 'zalo_no_token' });
  });
});
