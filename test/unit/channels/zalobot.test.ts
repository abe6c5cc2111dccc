import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  fileUnavailableText,
  parseZaloBotUpdate,
  renderZaloBotReplies,
  unwrapZaloBotUpdate,
  verifyZaloBotSecret,
  zaloBotAccountKey,
  ZALOBOT_TEXT_LIMIT,
} from '../../../src/channels/zalobot/index.js';
import { numberedChoices } from '../../../src/channels/zalo/index.js';
import type { Reply } from '../../../src/core/types.js';

const fixture = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../fixtures/zalobot/${name}.json`, import.meta.url), 'utf8'));
const to = { chatId: 'a1b2c3d4e5f60718293a' };

describe('zalobot parse', () => {
  it('reads the wrapped docs sample and the same update unwrapped identically', () => {
    const wrapped = fixture('text-wrapped');
    const [a] = parseZaloBotUpdate(wrapped, 1);
    const [b] = parseZaloBotUpdate(wrapped.result, 1);
    expect(a).toMatchObject({
      channel: 'zalobot',
      chatId: '6ede9afa66b88fe6d6a9',
      userId: '6ede9afa66b88fe6d6a9',
      externalId: '2d758cb5e222177a4e35',
      text: 'Xin chào',
    });
    expect({ ...b, raw: undefined }).toEqual({ ...a, raw: undefined });
    expect(a.receivedAt?.getTime()).toBe(1750316131602);
  });

  it('unwraps only a successful envelope', () => {
    expect(unwrapZaloBotUpdate({ ok: false, description: 'x', result: fixture('text-unwrapped') })).toBeUndefined();
    expect(unwrapZaloBotUpdate({ ok: true })).toBeUndefined();
    expect(unwrapZaloBotUpdate(fixture('text-unwrapped'))?.event_name).toBe('message.text.received');
  });

  it('ignores images, stickers and unsupported messages, answering nothing', () => {
    for (const name of ['image', 'sticker', 'unsupported']) expect(parseZaloBotUpdate(fixture(name), 1), name).toEqual([]);
    // A photo without event_name is not mistaken for text either.
    const photo = fixture('image');
    delete photo.event_name;
    photo.message.text = 'chú thích';
    expect(parseZaloBotUpdate(photo, 1)).toEqual([]);
  });

  it('never answers in a group chat: dossier details must stay private', () => {
    expect(parseZaloBotUpdate(fixture('group-text'), 1)).toEqual([]);
    const unknownType = fixture('group-text');
    delete unknownType.message.chat.chat_type;
    expect(parseZaloBotUpdate(unknownType, 1)).toEqual([]); // chat id differs from the sender: not private
    const privateNoType = fixture('text-unwrapped');
    delete privateNoType.message.chat.chat_type;
    expect(parseZaloBotUpdate(privateNoType, 1)).toHaveLength(1);
  });

  it('ignores messages from bots and refuses numeric ids instead of guessing', () => {
    const fromBot = fixture('text-unwrapped');
    fromBot.message.from.is_bot = true;
    expect(parseZaloBotUpdate(fromBot, 1)).toEqual([]);
    const numeric = fixture('text-unwrapped');
    // An id sent as a JSON number has already lost digits: that is what the parser must refuse.
    /* eslint-disable no-loss-of-precision */
    numeric.message.from.id = 61424948000000123;
    numeric.message.chat.id = 61424948000000123;
    /* eslint-enable no-loss-of-precision */
    expect(parseZaloBotUpdate(numeric, 1)).toEqual([]);
    const noId = fixture('text-unwrapped');
    delete noId.message.message_id;
    expect(parseZaloBotUpdate(noId, 1)).toEqual([]);
  });

  it('reads a digit as plain text (the dispatcher maps it to a numbered choice)', () => {
    const e = fixture('text-unwrapped');
    e.message.text = '2';
    expect(parseZaloBotUpdate(e, 1)[0]).toMatchObject({ text: '2' });
    expect(parseZaloBotUpdate(e, 1)[0].action).toBeUndefined();
  });
});

describe('zalobot render', () => {
  const menu: Reply = {
    text: 'Anh/chị cần hỗ trợ gì?',
    buttons: [
      { label: 'Hỏi thủ tục', action: 'menu:procedures' },
      { label: 'Cổng dịch vụ công', url: 'https://dichvucong.gov.vn' },
      { label: 'Tra cứu hồ sơ', action: 'menu:dossiers' },
    ],
  };

  it('turns buttons into a numbered list whose numbers select what the dispatcher stores', () => {
    const [req, ...rest] = renderZaloBotReplies([menu], to);
    expect(rest).toEqual([]);
    expect(req).toMatchObject({ method: 'sendMessage', payload: { chat_id: to.chatId } });
    expect(Object.keys(req.payload).sort()).toEqual(['chat_id', 'text']); // nothing undocumented goes on the wire
    expect(req.payload.text).toBe(
      'Anh/chị cần hỗ trợ gì?\n\n1. Hỏi thủ tục\n• Cổng dịch vụ công: https://dichvucong.gov.vn\n2. Tra cứu hồ sơ\nGõ số 1, 2 để chọn.',
    );
    expect(req.numberedActions).toEqual(numberedChoices(menu.buttons));
    expect(req.numberedActions).toEqual(['menu:procedures', 'menu:dossiers']);
  });

  it('asks to choose when a reply has buttons but no text', () => {
    const [req] = renderZaloBotReplies([{ text: '', buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] }], to);
    expect(req.payload.text).toBe('Mời anh/chị chọn:\n\n1. Danh mục chính\nGõ số 1 để chọn.');
  });

  it('keeps every message within 2,000 characters, the numbered list included', () => {
    const long = 'Hồ sơ gồm tờ khai và giấy tờ tùy thân. '.repeat(60).trim();
    const reqs = renderZaloBotReplies([{ ...menu, text: long }], to);
    expect(reqs.length).toBeGreaterThan(1);
    for (const r of reqs) expect(r.payload.text.length).toBeLessThanOrEqual(ZALOBOT_TEXT_LIMIT);
    expect(reqs.at(-1)!.payload.text).toContain('2. Tra cứu hồ sơ');
    expect(reqs.at(-1)!.numberedActions).toEqual(['menu:procedures', 'menu:dossiers']);
  });

  it('sends no contact request (the platform has none) and nothing for an empty reply', () => {
    const reqs = renderZaloBotReplies([{ text: 'Anh/chị vui lòng nhập 4 số cuối.', requestContact: true }], to);
    expect(reqs).toHaveLength(1);
    expect(reqs[0].payload.text).toBe('Anh/chị vui lòng nhập 4 số cuối.');
    expect(renderZaloBotReplies([{ text: '  ' }], to)).toEqual([]);
  });

  it('tells the resident politely where to get a file it cannot send, after the text', () => {
    const file = {
      name: 'trich-luc-khai-sinh.pdf',
      mimeType: 'application/pdf',
      contentBase64: Buffer.from('%PDF-1.4 fake').toString('base64'),
    };
    const reqs = renderZaloBotReplies([{ text: 'Bản trích lục của anh/chị đây.', file }], to, {
      webChatUrl: 'https://troly.xa-mau.example/',
    });
    expect(reqs.map((r) => r.payload.text)).toEqual([
      'Bản trích lục của anh/chị đây.',
      fileUnavailableText(file, 'https://troly.xa-mau.example/'),
    ]);
    expect(reqs[1].payload.text).toContain('"trich-luc-khai-sinh.pdf" đã sẵn sàng');
    expect(reqs[1].payload.text).toContain('https://troly.xa-mau.example/');
    expect(reqs[1].payload.text).toMatch(/Zalo OA hoặc Telegram/);
    expect(JSON.stringify(reqs)).not.toContain(file.contentBase64);
    const [only] = renderZaloBotReplies([{ text: '', file }], to);
    expect(only.payload.text).toContain('trang trò chuyện trên web của xã');
  });
});

describe('zalobot verify', () => {
  const secret = 'zalobot-secret-0001';
  it('accepts the exact secret in X-Bot-Api-Secret-Token, whatever the header case', () => {
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': secret }, secret)).toBe(true);
    expect(verifyZaloBotSecret({ 'X-Bot-Api-Secret-Token': secret }, secret)).toBe(true);
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': [secret, 'other'] }, secret)).toBe(true);
  });
  it('rejects everything when no secret is configured, and any near miss', () => {
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': secret }, undefined)).toBe(false);
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': '' }, '')).toBe(false);
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': secret.slice(0, -1) }, secret)).toBe(false);
    expect(verifyZaloBotSecret({ 'x-bot-api-secret-token': `${secret} ` }, secret)).toBe(false);
    expect(verifyZaloBotSecret({}, secret)).toBe(false);
  });
});

describe('zalobot account key', () => {
  it('is the bot id of a {bot_id}:{access_token} token, never the secret part', () => {
    expect(zaloBotAccountKey('1459232241454765289:s3cr3t-access-token')).toBe('1459232241454765289');
    const odd = zaloBotAccountKey('opaque-token-without-colon');
    expect(odd).toMatch(/^h[0-9a-f]{16}$/);
    expect(odd).not.toContain('opaque');
    expect(zaloBotAccountKey('opaque-token-without-colon')).toBe(odd);
  });
});
