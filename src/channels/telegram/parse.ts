import { platformId } from '../../core/text-input.js';
import type { InboundAttachment, InboundMessage } from '../../core/types.js';
import { normalizePhone } from '../../core/phone.js';
import type { TgChatMemberUpdated, TgMessage, TgUpdate, TgUser } from './types.js';

/**
 * The update types parseTelegramUpdate turns into messages; the channel asks Telegram for exactly these
 * (setWebhook's and getUpdates' `allowed_updates`, setup.ts). `my_chat_member` is asked for explicitly: a
 * webhook set earlier with a narrower list keeps that list until it is set again.
 */
export const TELEGRAM_UPDATE_TYPES = ['message', 'callback_query', 'my_chat_member'];

/**
 * Telegram update -> neutral messages. Pure. Handles private `message`
 * updates (text, `/start <param>`, own contact, photo, document, voice…),
 * `callback_query`, and a private `my_chat_member` that says the resident
 * blocked the bot (the neutral `unfollow` event). Everything else
 * (edited_message, channel_post, group membership, service messages…) gives
 * []. Never throws. `externalId` is the update_id, which Telegram resends
 * unchanged on retry.
 */
export function parseTelegramUpdate(raw: unknown, communeId: number): InboundMessage[] {
  if (!isObject(raw) || !Number.isSafeInteger(raw.update_id)) return [];
  const update = raw as TgUpdate;
  const externalId = String(update.update_id);

  if (isObject(update.my_chat_member)) return blockedEvent(update.my_chat_member, communeId, externalId, update);

  const cq = update.callback_query;
  if (isObject(cq)) {
    if (typeof cq.data !== 'string' || !isObject(cq.from)) return [];
    // Private chats only: in a group, dossier details and verification would be shared with every member.
    if (cq.message?.chat?.type && cq.message.chat.type !== 'private') return [];
    const chatId = cq.message?.chat?.id ?? cq.from.id;
    if (!platformId(chatId, { numbers: true }) || !platformId(cq.from.id, { numbers: true })) return [];
    return [
      {
        channel: 'telegram',
        communeId,
        chatId: String(chatId),
        userId: String(cq.from.id),
        externalId,
        action: cq.data,
        userName: displayName(cq.from),
        receivedAt: new Date(),
        raw: update,
      },
    ];
  }

  const m = update.message;
  if (!isObject(m) || !isObject(m.chat) || !isObject(m.from)) return [];
  if (m.chat.type !== 'private') return [];
  if (!platformId(m.chat.id, { numbers: true }) || !platformId(m.from.id, { numbers: true })) return [];
  const base: InboundMessage = {
    channel: 'telegram',
    communeId,
    chatId: String(m.chat.id),
    userId: String(m.from.id),
    externalId,
    userName: displayName(m.from),
    receivedAt: typeof m.date === 'number' ? new Date(m.date * 1000) : new Date(),
    raw: update,
  };

  if (isObject(m.contact)) {
    const phone = normalizePhone(m.contact.phone_number);
    if (!phone) return [];
    const forwarded = m.forward_origin !== undefined || m.forward_from !== undefined || m.forward_date !== undefined;
    const verified = m.contact.user_id !== undefined && m.contact.user_id === m.from.id && !forwarded;
    const name = [m.contact.first_name, m.contact.last_name].filter(Boolean).join(' ') || undefined;
    return [{ ...base, contact: { phone, verified, name } }];
  }

  if (typeof m.text === 'string') return [{ ...base, text: m.text }];

  const attachments = attachmentsOf(m);
  if (attachments.length) {
    return [{ ...base, attachments, ...(typeof m.caption === 'string' ? { text: m.caption } : {}) }];
  }
  return [];
}

/**
 * A resident blocking the bot (the app's "Stop and block bot"; the bot's status in their private chat becomes
 * `kicked`): the neutral `unfollow`, as when someone unfollows a Zalo OA, so notices they can no longer
 * receive stop. Unblocking (back to `member`) gives [] rather than a `follow`: the Telegram apps' "Restart"
 * button sends /start right after it, which already gets the menu, so a `follow` would send the menu twice;
 * and a follow re-subscribes nothing anyway (subscribing again is the resident's choice). Groups: [].
 */
function blockedEvent(cm: TgChatMemberUpdated, communeId: number, externalId: string, update: TgUpdate): InboundMessage[] {
  if (!isObject(cm.chat) || cm.chat.type !== 'private' || !isObject(cm.from)) return [];
  if (!isObject(cm.new_chat_member) || cm.new_chat_member.status !== 'kicked') return [];
  if (!platformId(cm.chat.id, { numbers: true }) || !platformId(cm.from.id, { numbers: true })) return [];
  return [
    {
      channel: 'telegram',
      communeId,
      chatId: String(cm.chat.id),
      userId: String(cm.from.id),
      externalId,
      event: 'unfollow',
      receivedAt: typeof cm.date === 'number' ? new Date(cm.date * 1000) : new Date(),
      raw: update,
    },
  ];
}

/** The callback query id of a parsed button tap, to answer it (stops the client's spinner). */
export function callbackQueryIdOf(msg: InboundMessage): string | undefined {
  if (msg.channel !== 'telegram' || !isObject(msg.raw)) return undefined;
  const cq = (msg.raw as TgUpdate).callback_query;
  return isObject(cq) && typeof cq.id === 'string' ? cq.id : undefined;
}

function attachmentsOf(m: TgMessage): InboundAttachment[] {
  const out: InboundAttachment[] = [];
  if (Array.isArray(m.photo) && m.photo.length) {
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    out.push({ kind: 'image', fileId: largest.file_id, size: largest.file_size });
  }
  if (isObject(m.document)) {
    out.push({ kind: 'file', fileId: m.document.file_id, name: m.document.file_name, size: m.document.file_size });
  }
  if (isObject(m.voice)) out.push({ kind: 'audio', fileId: m.voice.file_id, size: m.voice.file_size });
  if (isObject(m.audio)) {
    out.push({ kind: 'audio', fileId: m.audio.file_id, name: m.audio.file_name, size: m.audio.file_size });
  }
  if (isObject(m.video)) {
    out.push({ kind: 'video', fileId: m.video.file_id, name: m.video.file_name, size: m.video.file_size });
  }
  if (isObject(m.sticker)) out.push({ kind: 'sticker', fileId: m.sticker.file_id });
  if (isObject(m.location)) out.push({ kind: 'location', ...coordinatesOf(m.location.latitude, m.location.longitude) });
  return out.map(dropUndefined);
}

/** A shared location's point, only when both are finite numbers within range (a bad point is no point). */
function coordinatesOf(latitude: unknown, longitude: unknown): { latitude?: number; longitude?: number } {
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return {};
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
    return {};
  return { latitude, longitude };
}

function displayName(u: TgUser): string | undefined {
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ').trim();
  return name || undefined;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
