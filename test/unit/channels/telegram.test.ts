import { describe, expect, it } from 'vitest';
import {
  callbackQueryIdOf,
  escapeHtml,
  parseTelegramUpdate,
  renderTelegramReplies,
  verifyTelegramSecret,
} from '../../../src/channels/telegram/index.js';
import { ChannelError } from '../../../src/core/errors.js';
import { fixture } from '../../contract/fixtures.js';

const to = { chatId: '5123400001' };

describe('telegram parse', () => {
  it('keeps /start with its parameter as text', () => {
    const [m] = parseTelegramUpdate(fixture('telegram', 'start-param'), 1);
    expect(m.text).toBe('/start proc_1.001193');
  });

  it('keeps the callback query id so the tap can be answered', () => {
    const [m] = parseTelegramUpdate(fixture('telegram', 'callback-query'), 1);
    expect(m.action).toBe('proc:detail:1.001193');
    expect(m.text).toBeUndefined();
    expect(callbackQueryIdOf(m)).toBe('2200450000123456789');
  });

  it('trusts a shared phone only when it is the sender’s own, not forwarded', () => {
    const own = parseTelegramUpdate(fixture('telegram', 'contact-own'), 1)[0].contact;
    const foreign = parseTelegramUpdate(fixture('telegram', 'contact-foreign'), 1)[0].contact;
    const noUser = parseTelegramUpdate(fixture('telegram', 'contact-no-user-id'), 1)[0].contact;
    const forwarded = parseTelegramUpdate(fixture('telegram', 'contact-forwarded'), 1)[0].contact;
    expect(own).toEqual({ phone: '0912345678', verified: true, name: 'Lan Trần' });
    expect(foreign?.verified).toBe(false);
    expect(noUser).toEqual({ phone: '0815432345', verified: false, name: 'Bà Ngoại' });
    expect(forwarded?.verified).toBe(false);
  });

  it('a contact forwarded with only forward_origin is not verified', () => {
    const u = fixture('telegram', 'contact-own');
    u.message.forward_origin = { type: 'hidden_user', sender_user_name: 'Ai đó', date: 1 };
    expect(parseTelegramUpdate(u, 1)[0].contact?.verified).toBe(false);
  });

  it('reports voice notes as audio attachments so the bot can answer that it reads text only', () => {
    const u = fixture('telegram', 'text');
    delete u.message.text;
    u.message.voice = { file_id: 'AwACAgUAAxkBAAfakeVoice', file_unique_id: 'v1', file_size: 3120 };
    expect(parseTelegramUpdate(u, 1)[0].attachments).toEqual([{ kind: 'audio', fileId: 'AwACAgUAAxkBAAfakeVoice', size: 3120 }]);
  });

  it('ignores service messages (no text, no media)', () => {
    const u = fixture('telegram', 'text');
    delete u.message.text;
    u.message.pinned_message = {};
    expect(parseTelegramUpdate(u, 1)).toEqual([]);
  });
});

describe('telegram render', () => {
  it('escapes HTML and uses parse_mode HTML', () => {
    const [r] = renderTelegramReplies([{ text: '<b>Lệ phí</b> & "phí"' }], to);
    expect(r).toEqual({
      method: 'sendMessage',
      payload: { chat_id: '5123400001', text: '&lt;b&gt;Lệ phí&lt;/b&gt; &amp; "phí"', parse_mode: 'HTML' },
    });
    expect(escapeHtml('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('splits before escaping, so a chunk full of & still fits 4096 visible characters', () => {
    const out = renderTelegramReplies([{ text: '&'.repeat(5000) }], to);
    expect(out).toHaveLength(2);
    const visible = out.map((r) => (r.payload as { text: string }).text.replace(/&amp;/g, '&').length);
    expect(visible).toEqual([4096, 904]);
  });

  it('puts the inline keyboard on the last message, one button per row', () => {
    const out = renderTelegramReplies(
      [
        {
          text: 'x'.repeat(5000),
          buttons: [
            { label: 'Menu', action: 'menu:main' },
            { label: 'Cổng DVC', url: 'https://dichvucong.gov.vn' },
          ],
        },
      ],
      to,
    );
    expect(out[0].payload.reply_markup).toBeUndefined();
    expect(out[1].payload.reply_markup).toEqual({
      inline_keyboard: [[{ text: 'Menu', callback_data: 'menu:main' }], [{ text: 'Cổng DVC', url: 'https://dichvucong.gov.vn' }]],
    });
  });

  it('asks for the phone with a one-time request_contact keyboard', () => {
    const [r] = renderTelegramReplies([{ text: 'Xin số điện thoại', requestContact: true }], to);
    expect(r.payload.reply_markup).toEqual({
      keyboard: [[{ text: '📱 Chia sẻ số điện thoại', request_contact: true }]],
      resize_keyboard: true,
      one_time_keyboard: true,
    });
  });

  it('sends the contact keyboard on an extra message when the reply also has inline buttons', () => {
    const out = renderTelegramReplies(
      [{ text: 'Xác minh', requestContact: true, buttons: [{ label: 'Huỷ', action: 'verify:cancel' }] }],
      to,
    );
    expect(out).toHaveLength(2);
    expect(out[0].payload.reply_markup).toHaveProperty('inline_keyboard');
    expect(out[1].payload.reply_markup).toHaveProperty('keyboard');
  });

  it('sends a file as a multipart document after the text', () => {
    const content = Buffer.from('%PDF-1.4 trích lục');
    const out = renderTelegramReplies(
      [
        {
          text: 'Bản trích lục',
          file: { name: 'trich-luc.pdf', mimeType: 'application/pdf', contentBase64: content.toString('base64') },
        },
      ],
      to,
    );
    expect(out.map((r) => r.method)).toEqual(['sendMessage', 'sendDocument']);
    expect(out[1].payload).toMatchObject({ chat_id: '5123400001', document: { source: content, filename: 'trich-luc.pdf' } });
  });

  it('gives buttons without text a placeholder (Telegram needs text)', () => {
    const [r] = renderTelegramReplies([{ text: '', buttons: [{ label: 'Menu', action: 'menu:main' }] }], to);
    expect((r.payload as { text: string }).text).toBe('Mời anh/chị chọn:');
  });

  it('refuses actions over 64 bytes instead of truncating them into another action', () => {
    const action = `proc:detail:${'đ'.repeat(30)}`;
    expect(() => renderTelegramReplies([{ text: 'x', buttons: [{ label: 'x', action }] }], to)).toThrow(ChannelError);
    const ok = `p:${'a'.repeat(62)}`;
    expect(() => renderTelegramReplies([{ text: 'x', buttons: [{ label: 'x', action: ok }] }], to)).not.toThrow();
  });
});

describe('telegram verify', () => {
  it('requires a configured secret and the matching header', () => {
    expect(verifyTelegramSecret({ 'x-telegram-bot-api-secret-token': 's3cret' }, 's3cret')).toBe(true);
    expect(verifyTelegramSecret({ 'X-Telegram-Bot-Api-Secret-Token': 's3cret' }, 's3cret')).toBe(true);
    expect(verifyTelegramSecret({ 'x-telegram-bot-api-secret-token': ['s3cret'] }, 's3cret')).toBe(true);
    expect(verifyTelegramSecret({ 'x-telegram-bot-api-secret-token': 's3cre' }, 's3cret')).toBe(false);
    expect(verifyTelegramSecret({}, 's3cret')).toBe(false);
    expect(verifyTelegramSecret({ 'x-telegram-bot-api-secret-token': '' }, '')).toBe(false);
    expect(verifyTelegramSecret({ 'x-telegram-bot-api-secret-token': 'anything' }, undefined)).toBe(false);
  });
});
