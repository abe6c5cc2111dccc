import { platformId } from '../../core/text-input.js';
import type { InboundMessage } from '../../core/types.js';
import type { ZbMessage, ZbUpdate } from './types.js';

export const ZALOBOT_TEXT_EVENT = 'message.text.received';

/**
 * The update inside a webhook body: `{ok:true,result:{…}}` (the docs sample)
 * or the bare update (what openclaw reports live pushes to be). Anything else
 * (`{ok:false,…}`, junk) gives undefined.
 */
export function unwrapZaloBotUpdate(raw: unknown): ZbUpdate | undefined {
  if (!isObject(raw)) return undefined;
  if ('ok' in raw || 'result' in raw) {
    return raw.ok === true && isObject(raw.result) ? (raw.result as ZbUpdate) : undefined;
  }
  return raw as ZbUpdate;
}

/**
 * Zalo Bot Platform update -> neutral messages. Pure, never throws.
 * - `message.text.received` in a private chat gives a text message. The
 *   getUpdates sample of the docs has no `event_name`; a bare message with
 *   text and nothing else is read as text too.
 * - Image, sticker and `message.unsupported.received` events give [] (the
 *   brief for this channel: ignored, not answered).
 * - Group chats give []: dossier details and verification must not be shared
 *   with a group. A missing `chat_type` counts as private only when the chat
 *   id is the sender's id (as in every documented private sample).
 * - A `message.location` of two numbers in range (any event) gives a shared
 *   location (`attachments: [{kind:'location', latitude, longitude}]`).
 *   UNVERIFIED: no documented event carries a location; this reads the shape
 *   of the Telegram Bot API the platform imitates, so a location sent that
 *   way is not lost, and anything else stays ignored.
 * - Messages from bots give [].
 * - externalId is `message_id` (there is no update_id), which a redelivery
 *   repeats, so recording it twice is a no-op. Ids must be strings: a number
 *   would already have lost precision, so it is refused rather than guessed.
 */
export function parseZaloBotUpdate(raw: unknown, communeId: number): InboundMessage[] {
  const update = unwrapZaloBotUpdate(raw);
  if (!update || !isObject(update.message)) return [];
  const m = update.message as ZbMessage;
  const event = update.event_name;
  if (event !== undefined && typeof event !== 'string') return [];

  const isText =
    event === ZALOBOT_TEXT_EVENT ||
    (event === undefined && typeof m.text === 'string' && m.photo_url === undefined && m.sticker === undefined);
  const location = locationOf((m as { location?: unknown }).location);
  if (!location && (!isText || typeof m.text !== 'string')) return [];

  if (!isObject(m.from) || !isObject(m.chat)) return [];
  const userId = platformId(m.from.id);
  const chatId = platformId(m.chat.id);
  const messageId = platformId(m.message_id);
  if (!userId || !chatId || !messageId) return [];
  if (m.from.is_bot === true) return [];
  const chatType = m.chat.chat_type;
  if (chatType !== undefined ? chatType !== 'PRIVATE' : chatId !== userId) return [];

  const userName = str(m.from.display_name) ?? str(m.from.first_name) ?? str(m.from.name);
  const receivedAt = typeof m.date === 'number' && Number.isFinite(m.date) ? new Date(m.date) : new Date();
  return [
    {
      channel: 'zalobot',
      communeId,
      chatId,
      userId,
      externalId: messageId,
      ...(isText && typeof m.text === 'string' ? { text: m.text } : {}),
      ...(location ? { attachments: [{ kind: 'location' as const, ...location }] } : {}),
      ...(userName ? { userName } : {}),
      receivedAt,
      raw,
    },
  ];
}

/** `{latitude, longitude}` as numbers (or numeric strings) within range; anything else is no location. */
function locationOf(v: unknown): { latitude: number; longitude: number } | undefined {
  if (!isObject(v)) return undefined;
  const num = (x: unknown) => (typeof x === 'number' ? x : typeof x === 'string' && x.trim() ? Number(x) : NaN);
  const latitude = num(v.latitude);
  const longitude = num(v.longitude);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude) || Math.abs(latitude) > 90 || Math.abs(longitude) > 180)
    return undefined;
  return { latitude, longitude };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length ? v : undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
