import { platformId } from '../../core/text-input.js';
import type { InboundAttachment, InboundMessage } from '../../core/types.js';
import { normalizePhone } from '../../core/phone.js';
import type { TgMessage, TgUpdate, TgUser } from './types.js';

/**
 * Telegram update -> neutral messages. Pure. Handles private `message`
 * updates (text, `/start <param>`, own contact, photo, document, voice…) and
 * `callback_query`. Everything else (edited_message, channel_post,
 * my_chat_member, service messages…) gives []. Never throws.
 * `externalId` is the update_id, which Telegram resends unchanged on retry.
 */
export function parseTelegramUpdate(raw: unknown, communeId: number): InboundMessage[] {
  if (!isObject(raw) || !Number.isSafeInteger(raw.update_id)) return [];
  const update = raw as TgUpdate;
  const externalId = String(update.update_id);

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
