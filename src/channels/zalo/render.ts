import { ChannelError } from '../../core/errors.js';
import { splitText } from '../../core/text-input.js';
import type { Recipient, Reply, ReplyButton } from '../../core/types.js';
import { numberedChoices, numberedFallback } from '../shared/numbered.js';
import { ZALO_ACTION_PREFIX } from './parse.js';
import { ZALO_CS_PATH, ZALO_UPLOAD_FILE_PATH, type ZaloButton, type ZaloCsBody, type ZaloRequest } from './types.js';

/** Consultation message text limit (longer text gives error -210). */
export const ZALO_TEXT_LIMIT = 2000;
/** Buttons per template message. */
export const ZALO_MAX_BUTTONS = 5;
/** Upload limit of /v2.0/oa/upload/file. */
export const ZALO_FILE_MAX_BYTES = 5 * 1024 * 1024;
/** Types the file upload accepts (others are silently rejected by Zalo). */
export const ZALO_FILE_MIME_TYPES = new Set([
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
]);

export interface ZaloRenderOptions {
  /** Title/subtitle/image of the request_user_info card. Zalo's samples always carry an image_url. */
  requestInfo?: { title?: string; subtitle?: string; imageUrl?: string };
  /** Sent instead of the request_user_info card if Zalo refuses it. */
  requestInfoFallbackText?: string;
  emptyTextPlaceholder?: string;
}

const DEFAULTS = {
  requestInfoTitle: 'Chia sẻ số điện thoại',
  requestInfoSubtitle: 'Bấm để gửi số điện thoại Zalo của anh/chị cho xã.',
  requestInfoFallbackText: 'Anh/chị vui lòng nhắn số điện thoại đăng ký Zalo của mình.',
  emptyTextPlaceholder: 'Mời anh/chị chọn:',
};

export { numberedChoices, numberedFallback };

/**
 * Neutral replies -> Zalo OA requests. Pure.
 * - Consultation messages (`POST /v3.0/oa/message/cs`), text split at 2000.
 * - Buttons: the numbered text fallback is always appended; with at most 5
 *   buttons the last message also carries a button template
 *   (`oa.query.hide` with payload `#<action>`, `oa.open.url` for links). The
 *   template shape is UNVERIFIED, so each such message carries
 *   `fallbackText`: the client resends the plain text if Zalo refuses it.
 * - requestContact: an extra `request_user_info` template message.
 * - file: upload (PDF/DOC/DOCX up to 5 MB) then a file message; other files
 *   throw ChannelError `invalid_reply` (not retryable) before anything is sent.
 */
export function renderZaloReplies(
  replies: Reply[],
  to: Pick<Recipient, 'userId'>,
  options: ZaloRenderOptions = {},
): ZaloRequest[] {
  const out: ZaloRequest[] = [];
  for (const reply of replies) out.push(...renderOne(reply, to.userId, options));
  return out;
}

function renderOne(reply: Reply, userId: string, opts: ZaloRenderOptions): ZaloRequest[] {
  const file = reply.file ? checkFile(reply.file) : undefined;
  const buttons = (reply.buttons ?? []).filter((b) => b.url || b.action);
  const fallback = buttons.length ? numberedFallback(buttons) : '';

  let text = reply.text ?? '';
  if (!text.trim() && fallback) text = opts.emptyTextPlaceholder ?? DEFAULTS.emptyTextPlaceholder;
  const chunks = text.trim() ? splitText(text, ZALO_TEXT_LIMIT) : [];
  if (fallback) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last].length + 2 + fallback.length <= ZALO_TEXT_LIMIT)
      chunks[last] = `${chunks[last]}\n\n${fallback}`;
    else chunks.push(...splitText(fallback, ZALO_TEXT_LIMIT));
  }

  const requests: ZaloRequest[] = chunks.map((chunk) => message(userId, { text: chunk }));
  const lastMsg = requests[requests.length - 1];
  if (buttons.length && buttons.length <= ZALO_MAX_BUTTONS && lastMsg?.kind === 'message') {
    lastMsg.body.message.attachment = {
      type: 'template',
      payload: { template_type: 'button', buttons: buttons.map(toZaloButton) },
    };
    lastMsg.fallbackText = lastMsg.body.message.text;
  }

  if (reply.requestContact) {
    const info = opts.requestInfo ?? {};
    const element = {
      title: info.title ?? DEFAULTS.requestInfoTitle,
      subtitle: info.subtitle ?? DEFAULTS.requestInfoSubtitle,
      ...(info.imageUrl ? { image_url: info.imageUrl } : {}),
    };
    const req = message(userId, {
      attachment: { type: 'template', payload: { template_type: 'request_user_info', elements: [element] } },
    });
    req.fallbackText = opts.requestInfoFallbackText ?? DEFAULTS.requestInfoFallbackText;
    requests.push(req);
  }

  if (file) {
    requests.push({ kind: 'file', uploadPath: ZALO_UPLOAD_FILE_PATH, path: ZALO_CS_PATH, userId, file });
  }
  return requests;
}

function message(userId: string, msg: ZaloCsBody['message']): Extract<ZaloRequest, { kind: 'message' }> {
  return { kind: 'message', path: ZALO_CS_PATH, body: { recipient: { user_id: userId }, message: msg } };
}

function toZaloButton(b: ReplyButton): ZaloButton {
  if (b.url) return { title: b.label, type: 'oa.open.url', payload: { url: b.url } };
  return { title: b.label, type: 'oa.query.hide', payload: `${ZALO_ACTION_PREFIX}${b.action}` };
}

function checkFile(file: NonNullable<Reply['file']>): { name: string; mimeType: string; data: Buffer } {
  const data = Buffer.from(file.contentBase64, 'base64');
  if (!ZALO_FILE_MIME_TYPES.has(file.mimeType)) {
    throw new ChannelError('api', 'invalid_reply', `Zalo accepts only PDF/DOC/DOCX files, not ${file.mimeType}`, false);
  }
  if (data.length > ZALO_FILE_MAX_BYTES) {
    throw new ChannelError('api', 'invalid_reply', `file ${file.name} exceeds Zalo's 5 MB limit`, false);
  }
  return { name: file.name, mimeType: file.mimeType, data };
}
