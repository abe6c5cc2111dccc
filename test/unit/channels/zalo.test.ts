import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  numberedChoices,
  parseZaloEvent,
  renderZaloReplies,
  signZaloEvent,
  verifyZaloSignature,
  zaloOaIdOf,
  type ZaloRequest,
} from '../../../src/channels/zalo/index.js';
import { ChannelError } from '../../../src/core/errors.js';
import { fixture, fixtureBytes } from '../../contract/fixtures.js';

const to = { userId: '6142494800000012345' };
type Msg = Extract<ZaloRequest, { kind: 'message' }>;

describe('zalo parse', () => {
  it('keeps ids larger than 2^53 exactly as sent', () => {
    const [m] = parseZaloEvent(JSON.parse(fixtureBytes('zalo', 'user_send_text').toString()), 1);
    expect(m.userId).toBe('6142494800000012345');
    expect(BigInt(m.userId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(m.receivedAt?.getTime()).toBe(1767225600123);
  });

  it('reads a button tap (#namespace:action) as an action, a hashtag as text', () => {
    const tap = fixture('zalo', 'user_send_text');
    tap.message.text = '#staff:handoff';
    expect(parseZaloEvent(tap, 1)[0]).toMatchObject({ action: 'staff:handoff' });
    expect(parseZaloEvent(tap, 1)[0].text).toBeUndefined();
    const hashtag = fixture('zalo', 'user_send_text');
    hashtag.message.text = '#khaisinh cần gì';
    expect(parseZaloEvent(hashtag, 1)[0]).toMatchObject({ text: '#khaisinh cần gì' });
  });

  it('refuses numeric ids (precision already lost) rather than guessing', () => {
    const e = fixture('zalo', 'user_send_text');
    e.sender.id = 6142494800000012;
    expect(parseZaloEvent(e, 1)).toEqual([]);
  });

  it('gives follow and unfollow at the same instant different external ids', () => {
    const f = parseZaloEvent({ ...fixture('zalo', 'follow'), timestamp: '1' }, 1)[0];
    const u = parseZaloEvent({ ...fixture('zalo', 'unfollow'), timestamp: '1' }, 1)[0];
    expect(f.externalId).not.toBe(u.externalId);
  });

  it('finds the OA of each event (for the commune lookup)', () => {
    expect(zaloOaIdOf(fixture('zalo', 'user_send_text'))).toBe('3662729500000000487');
    expect(zaloOaIdOf(fixture('zalo', 'follow'))).toBe('3662729500000000487');
    expect(zaloOaIdOf(fixture('zalo', 'user_seen_message'))).toBe('3662729500000000487');
    expect(zaloOaIdOf(null)).toBeUndefined();
  });

  it('reports audio and stickers as attachments (the bot answers it reads only text)', () => {
    const e = fixture('zalo', 'user_send_image');
    e.event_name = 'user_send_audio';
    e.message.attachments = [{ type: 'audio', payload: { url: 'https://voice.zadn.vn/fake.aac' } }];
    delete e.message.text;
    expect(parseZaloEvent(e, 1)[0].attachments).toEqual([{ kind: 'audio', url: 'https://voice.zadn.vn/fake.aac' }]);
  });
});

describe('zalo render', () => {
  const buttons = [
    { label: 'Xem hồ sơ', action: 'proc:detail:1.001193' },
    { label: 'Gặp cán bộ', action: 'staff:handoff' },
    { label: 'Cổng DVC', url: 'https://dichvucong.gov.vn' },
  ];

  it('sends text as a consultation message to the user id', () => {
    expect(renderZaloReplies([{ text: 'Xin chào' }], to)).toEqual([
      {
        kind: 'message',
        path: '/v3.0/oa/message/cs',
        body: { recipient: { user_id: to.userId }, message: { text: 'Xin chào' } },
      },
    ]);
  });

  it('adds a button template and a numbered text fallback that still works if templates are refused', () => {
    const [r] = renderZaloReplies([{ text: 'Chọn:', buttons }], to) as Msg[];
    expect(r.body.message.text).toBe(
      'Chọn:\n\n1. Xem hồ sơ\n2. Gặp cán bộ\n• Cổng DVC: https://dichvucong.gov.vn\nGõ số 1, 2 để chọn.',
    );
    expect(r.body.message.attachment).toEqual({
      type: 'template',
      payload: {
        template_type: 'button',
        buttons: [
          { title: 'Xem hồ sơ', type: 'oa.query.hide', payload: '#proc:detail:1.001193' },
          { title: 'Gặp cán bộ', type: 'oa.query.hide', payload: '#staff:handoff' },
          { title: 'Cổng DVC', type: 'oa.open.url', payload: { url: 'https://dichvucong.gov.vn' } },
        ],
      },
    });
    expect(r.fallbackText).toBe(r.body.message.text);
    expect(numberedChoices(buttons)).toEqual(['proc:detail:1.001193', 'staff:handoff']);
  });

  it('numbers more than 5 buttons in text only', () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ label: `Mục ${i + 1}`, action: `menu:item:${i + 1}` }));
    const [r] = renderZaloReplies([{ text: 'Danh mục', buttons: many }], to) as Msg[];
    expect(r.body.message.attachment).toBeUndefined();
    expect(r.body.message.text).toContain('7. Mục 7');
    expect(r.body.message.text).toContain('Gõ số từ 1 đến 7 để chọn.');
  });

  it('keeps every message within 2000 characters, the fallback included', () => {
    const out = renderZaloReplies([{ text: 'a '.repeat(995), buttons }], to) as Msg[];
    for (const r of out) expect(r.body.message.text!.length).toBeLessThanOrEqual(2000);
    expect(out.at(-1)!.body.message.attachment).toBeDefined();
  });

  it('asks for the phone with a request_user_info card', () => {
    const out = renderZaloReplies([{ text: 'Để tra cứu hồ sơ, xin số điện thoại', requestContact: true }], to, {
      requestInfo: { imageUrl: 'https://example.org/logo.png' },
    }) as Msg[];
    expect(out).toHaveLength(2);
    expect(out[1].body.message).toEqual({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'request_user_info',
          elements: [
            {
              title: 'Chia sẻ số điện thoại',
              subtitle: 'Bấm để gửi số điện thoại Zalo của anh/chị cho xã.',
              image_url: 'https://example.org/logo.png',
            },
          ],
        },
      },
    });
    expect(out[1].fallbackText).toBeTruthy();
  });

  it('uploads PDF files and refuses other types or files over 5 MB before sending anything', () => {
    const pdf = { name: 'trich-luc.pdf', mimeType: 'application/pdf', contentBase64: Buffer.from('%PDF').toString('base64') };
    const out = renderZaloReplies([{ text: 'Bản trích lục', file: pdf }], to);
    expect(out.map((r) => r.kind)).toEqual(['message', 'file']);
    const png = { ...pdf, name: 'a.png', mimeType: 'image/png' };
    expect(() => renderZaloReplies([{ text: 'x', file: png }], to)).toThrow(ChannelError);
    const big = { ...pdf, contentBase64: Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64') };
    expect(() => renderZaloReplies([{ text: 'x', file: big }], to)).toThrow(/5 MB/);
  });
});

describe('zalo verify', () => {
  const appId = '2553928400000000079';
  const oaId = '3662729500000000487';
  const oaSecretKey = 'oa-secret';
  const appSecret = 'app-secret';
  const raw = fixtureBytes('zalo', 'user_send_text');
  const text = raw.toString('utf8');
  const ts = '1767225600123';
  const now = () => Number(ts) + 1000;
  const config = { appId, oaId, oaSecretKey, appSecret, now };
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const check = (signature: string | undefined, body: Buffer = raw, cfg: Parameters<typeof verifyZaloSignature>[1] = config) =>
    verifyZaloSignature({ rawBody: body, headers: signature === undefined ? {} : { 'x-zevent-signature': signature } }, cfg);

  it('accepts the documented form, with or without mac=', () => {
    expect(check(signZaloEvent(text, appId, oaSecretKey))).toEqual({ ok: true, variant: 'sha256:app_id:oa_secret' });
    expect(check(`mac=${sha(appId + text + ts + oaSecretKey)}`)).toEqual({
      ok: true,
      variant: 'sha256:app_id:oa_secret:mac_prefix',
    });
  });

  it('accepts the UNVERIFIED variants and says which one matched', () => {
    expect(check(sha(oaId + text + ts + oaSecretKey))).toEqual({ ok: true, variant: 'sha256:oa_id:oa_secret' });
    expect(check(sha(appId + text + ts + appSecret))).toEqual({ ok: true, variant: 'sha256:app_id:app_secret' });
    const hmac = createHmac('sha256', oaSecretKey)
      .update(appId + text + ts)
      .digest('hex');
    expect(check(hmac.toUpperCase())).toEqual({ ok: true, variant: 'hmac:app_id:oa_secret' });
  });

  it('rejects missing, wrong, tampered, stale, and unconfigured', () => {
    expect(check(undefined)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(check(sha(appId + text + ts + 'other'))).toEqual({ ok: false, reason: 'mismatch' });
    const tampered = Buffer.from(text.replace('khai sinh', 'kết hôn'));
    expect(check(signZaloEvent(text, appId, oaSecretKey), tampered)).toEqual({ ok: false, reason: 'mismatch' });
    expect(check(signZaloEvent(text, appId, oaSecretKey), raw, { ...config, now: () => Number(ts) + 2 * 3600_000 })).toEqual({
      ok: false,
      reason: 'stale_timestamp',
    });
    expect(check(signZaloEvent(text, appId, oaSecretKey), raw, { appId, now })).toEqual({ ok: false, reason: 'no_secret' });
    expect(check(signZaloEvent(text, appId, oaSecretKey), Buffer.from('not json'))).toEqual({ ok: false, reason: 'bad_body' });
  });
});
