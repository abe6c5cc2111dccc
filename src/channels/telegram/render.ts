import { ChannelError } from '../../core/errors.js';
import { splitText } from '../../core/text-input.js';
import type { Recipient, Reply, ReplyButton } from '../../core/types.js';
import type { TelegramRequest, TgInlineKeyboardButton, TgReplyMarkup } from './types.js';

/** Message text limit after entity parsing (Bot API). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** `callback_data` limit in bytes (Bot API). Action ids must fit; see {@link renderTelegramReplies}. */
export const TELEGRAM_CALLBACK_DATA_MAX_BYTES = 64;
/** sendDocument upload limit. */
export const TELEGRAM_DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;

export interface TelegramRenderOptions {
  /** Label of the reply-keyboard button that shares the phone number. */
  contactButtonLabel?: string;
  /** Text of the extra message that carries the contact keyboard when the reply also has inline buttons. */
  contactPrompt?: string;
  /** Text used when a reply has buttons but no text (Telegram needs non-empty text). */
  emptyTextPlaceholder?: string;
}

const DEFAULTS: Required<TelegramRenderOptions> = {
  contactButtonLabel: '📱 Chia sẻ số điện thoại',
  contactPrompt: 'Bấm nút "Chia sẻ số điện thoại" bên dưới để gửi số của anh/chị.',
  emptyTextPlaceholder: 'Mời anh/chị chọn:',
};

/** Escape text for `parse_mode: HTML` (only &, <, > are special). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Neutral replies -> Bot API calls. Pure.
 * - Text is split at 4096 characters *before* HTML escaping (the limit counts
 *   characters after entity parsing), then escaped; parse_mode is HTML.
 * - Buttons become an inline keyboard (one button per row) on the last
 *   request of the reply; `url` buttons become URL buttons.
 * - Action ids travel as `callback_data`, which Telegram caps at 64 bytes.
 *   Contract: actions must be at most 64 bytes UTF-8 (namespaced ids such as
 *   `proc:detail:1.001193` are far below). A longer action is a programming
 *   error: render throws ChannelError `invalid_reply` (not retryable) rather
 *   than silently truncating it into a different action.
 * - `requestContact` adds a one-time reply keyboard with a `request_contact`
 *   button; since a message carries one reply_markup, it goes on an extra
 *   short message when the reply also has inline buttons.
 * - `file` becomes a multipart sendDocument after the text.
 */
export function renderTelegramReplies(
  replies: Reply[],
  to: Pick<Recipient, 'chatId'>,
  options: TelegramRenderOptions = {},
): TelegramRequest[] {
  const opts = { ...DEFAULTS, ...options };
  const out: TelegramRequest[] = [];
  for (const reply of replies) out.push(...renderOne(reply, to.chatId, opts));
  return out;
}

function renderOne(reply: Reply, chatId: string, opts: Required<TelegramRenderOptions>): TelegramRequest[] {
  const inline = reply.buttons?.length ? inlineKeyboard(reply.buttons) : undefined;
  const text = reply.text ?? '';
  let chunks = text.trim() ? splitText(text, TELEGRAM_TEXT_LIMIT) : [];
  if (!chunks.length && !reply.file && (inline || reply.requestContact)) chunks = [opts.emptyTextPlaceholder];

  const requests: TelegramRequest[] = chunks.map((chunk) => ({
    method: 'sendMessage',
    payload: { chat_id: chatId, text: escapeHtml(chunk), parse_mode: 'HTML' },
  }));

  if (reply.file) {
    const data = Buffer.from(reply.file.contentBase64, 'base64');
    if (data.length > TELEGRAM_DOCUMENT_MAX_BYTES) {
      throw new ChannelError('api', 'invalid_reply', `file ${reply.file.name} exceeds 50 MB`, false);
    }
    requests.push({
      method: 'sendDocument',
      payload: { chat_id: chatId, document: { source: data, filename: reply.file.name } },
    });
  }

  const last = requests[requests.length - 1];
  if (inline && last) last.payload.reply_markup = inline;
  if (reply.requestContact) {
    const keyboard: TgReplyMarkup = {
      keyboard: [[{ text: opts.contactButtonLabel, request_contact: true }]],
      resize_keyboard: true,
      one_time_keyboard: true,
    };
    if (last && !last.payload.reply_markup) {
      last.payload.reply_markup = keyboard;
    } else {
      requests.push({
        method: 'sendMessage',
        payload: { chat_id: chatId, text: escapeHtml(opts.contactPrompt), parse_mode: 'HTML', reply_markup: keyboard },
      });
    }
  }
  return requests;
}

function inlineKeyboard(buttons: ReplyButton[]): TgReplyMarkup {
  return { inline_keyboard: buttons.map((b) => [inlineButton(b)]) };
}

function inlineButton(b: ReplyButton): TgInlineKeyboardButton {
  if (b.url) return { text: b.label, url: b.url };
  if (!b.action) throw new ChannelError('api', 'invalid_reply', `button "${b.label}" has neither action nor url`, false);
  if (Buffer.byteLength(b.action, 'utf8') > TELEGRAM_CALLBACK_DATA_MAX_BYTES) {
    throw new ChannelError(
      'api',
      'invalid_reply',
      `action "${b.action.slice(0, 80)}" exceeds Telegram's 64-byte callback_data limit`,
      false,
    );
  }
  return { text: b.label, callback_data: b.action };
}
