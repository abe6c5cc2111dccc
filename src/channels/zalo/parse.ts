import type { InboundAttachment, InboundMessage } from '../../core/types.js';
import { normalizePhone } from '../../core/phone.js';
import { cleanText, platformId } from '../../core/text-input.js';
import type { ZaloAttachment } from './types.js';

/**
 * Button taps arrive as an ordinary `user_send_text` whose text is the
 * button's `oa.query.hide` payload. Render prefixes the action with `#` so a
 * tap can be told apart from typed text: `#proc:detail:1.001193`.
 */
export const ZALO_ACTION_PREFIX = '#';
const ACTION_TEXT = /^#([a-z][a-z0-9_-]*:[^\s#]+)$/i;

const MEDIA_EVENTS: Record<string, InboundAttachment['kind']> = {
  user_send_image: 'image',
  user_send_gif: 'image',
  user_send_file: 'file',
  user_send_audio: 'audio',
  user_send_video: 'video',
  user_send_sticker: 'sticker',
  user_send_location: 'location',
  user_send_link: 'other',
};

/**
 * Zalo OA webhook event -> neutral messages. Pure, never throws.
 * Supported: user_send_text (typed text or a button tap), media events
 * (user_send_image, user_send_file, audio/video/sticker/location/link so the
 * bot can say it reads only text), follow/unfollow, user_submit_info.
 * Everything else (user_seen_message, user_received_message, oa_send_*,
 * anonymous_*) gives []. externalId is message.msg_id; events without one get
 * a deterministic `<event>:<user>:<timestamp>` so redelivery stays a no-op.
 */
export function parseZaloEvent(raw: unknown, communeId: number): InboundMessage[] {
  if (!isObject(raw) || typeof raw.event_name !== 'string') return [];
  const event = raw.event_name;
  const ts = typeof raw.timestamp === 'number' ? String(raw.timestamp) : str(raw.timestamp);
  const receivedAt = ts && Number.isFinite(Number(ts)) ? new Date(Number(ts)) : new Date();

  if (event === 'follow' || event === 'unfollow') {
    const uid = platformId(raw.follower?.id);
    if (!uid) return [];
    return [
      {
        channel: 'zalo',
        communeId,
        chatId: uid,
        userId: uid,
        externalId: `${event}:${uid}:${ts ?? ''}`,
        event,
        receivedAt,
        raw,
      },
    ];
  }

  const uid = platformId(raw.sender?.id);
  if (!uid) return [];
  const base: InboundMessage = { channel: 'zalo', communeId, chatId: uid, userId: uid, externalId: '', receivedAt, raw };

  if (event === 'user_submit_info') {
    const phone = normalizePhone(str(raw.info?.phone));
    if (!phone) return [];
    const name = cleanText(str(raw.info?.name)).slice(0, 200) || undefined;
    // Zalo fills in the phone number registered to the user's own account.
    return [
      {
        ...base,
        externalId: `user_submit_info:${uid}:${ts ?? ''}`,
        contact: { phone, verified: true, ...(name ? { name } : {}) },
      },
    ];
  }

  const msgId = platformId(raw.message?.msg_id);
  if (!msgId) return [];
  base.externalId = msgId;

  if (event === 'user_send_text') {
    const text = typeof raw.message.text === 'string' ? raw.message.text : '';
    const tap = ACTION_TEXT.exec(text.trim());
    return [tap ? { ...base, action: tap[1] } : { ...base, text }];
  }

  const kind = MEDIA_EVENTS[event];
  if (kind) {
    const list: unknown[] = Array.isArray(raw.message.attachments) ? raw.message.attachments : [];
    const attachments = list.filter(isObject).map((a) => toAttachment(a as ZaloAttachment, kind));
    if (!attachments.length) attachments.push({ kind });
    const caption = typeof raw.message.text === 'string' && raw.message.text.trim() ? raw.message.text : undefined;
    return [{ ...base, attachments, ...(caption ? { text: caption } : {}) }];
  }
  return [];
}

/**
 * The OA a webhook event belongs to, to resolve the commune (channel account):
 * `recipient.id` for user -> OA events, `oa_id` for follow/unfollow, and
 * `sender.id` for delivery/seen receipts and OA echoes (swapped roles).
 */
export function zaloOaIdOf(raw: unknown): string | undefined {
  if (!isObject(raw)) return undefined;
  if (typeof raw.oa_id === 'string') return raw.oa_id;
  const event = String(raw.event_name ?? '');
  const swapped = event.startsWith('oa_send_') || event === 'user_received_message' || event === 'user_seen_message';
  return str(swapped ? raw.sender?.id : raw.recipient?.id);
}

function toAttachment(a: ZaloAttachment, kind: InboundAttachment['kind']): InboundAttachment {
  const p = a.payload ?? {};
  const size = p.size !== undefined && Number.isFinite(Number(p.size)) ? Number(p.size) : undefined;
  const out: InboundAttachment = { kind };
  if (p.url) out.url = p.url;
  if (p.name) out.name = p.name;
  if (size !== undefined) out.size = size;
  if (p.id) out.fileId = String(p.id);
  if (kind === 'location' && isObject(p.coordinates)) {
    // Zalo sends the point as strings ("10.776889"); numbers are read too.
    const latitude = degrees(p.coordinates.latitude, 90);
    const longitude = degrees(p.coordinates.longitude, 180);
    if (latitude !== undefined && longitude !== undefined) Object.assign(out, { latitude, longitude });
  }
  return out;
}

function degrees(v: unknown, max: number): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= max ? n : undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length) return v;
  // Ids are strings on the wire; a number here already lost precision, so refuse it rather than guess.
  return undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
