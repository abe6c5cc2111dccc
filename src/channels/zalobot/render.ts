import { splitText } from '../../core/text-input.js';
import type { Recipient, Reply, ReplyFile } from '../../core/types.js';
// The same numbered list as the Zalo OA fallback, so the dispatcher's digit -> action map
// (runtime.ts numberedActions, built with numberedChoices) matches what residents read.
import { numberedChoices, numberedFallback } from '../shared/numbered.js';
import type { ZaloBotRequest } from './types.js';

/** sendMessage text limit (1–2000 characters, docs copy). */
export const ZALOBOT_TEXT_LIMIT = 2000;

export interface ZaloBotRenderOptions {
  /** Web chat address shown when a file cannot be delivered here (PUBLIC_URL). */
  webChatUrl?: string;
  emptyTextPlaceholder?: string;
}

const DEFAULT_PLACEHOLDER = 'Mời anh/chị chọn:';

/**
 * The message sent in place of a file. The platform documents no file upload
 * (sendPhoto takes a public image URL only), and a ReplyFile is base64 content
 * with no download link, so the file cannot reach the resident here. Of the
 * options (fail the whole reply, drop the file silently, or say so), saying
 * so is the least surprising: the text of the reply still arrives and the
 * resident learns where to get the file. If replies ever carry a download
 * link, put it in this message instead.
 */
export function fileUnavailableText(file: Pick<ReplyFile, 'name'>, webChatUrl?: string): string {
  const where = webChatUrl ? `trang trò chuyện của xã tại ${webChatUrl}` : 'trang trò chuyện trên web của xã';
  return (
    `Văn bản "${file.name}" đã sẵn sàng nhưng Zalo Bot chưa hỗ trợ gửi tệp. ` +
    `Để nhận tệp, anh/chị vui lòng gửi lại yêu cầu qua ${where}, qua Zalo OA hoặc Telegram của xã, ` +
    'hoặc liên hệ Bộ phận Một cửa. Xin cảm ơn anh/chị.'
  );
}

/**
 * Neutral replies -> Zalo Bot Platform calls. Pure.
 * - Plain-text sendMessage, split at 2000 characters.
 * - The platform documents no keyboards: buttons become the numbered text
 *   list of the Zalo OA fallback (action buttons numbered, links listed with
 *   their URL); a typed digit selects the action (see `numberedActions`).
 * - requestContact is ignored: there is no contact request. The dossier flow
 *   never asks for it on this channel and takes the typed last four digits.
 * - file: a separate polite message saying where to get it (see
 *   {@link fileUnavailableText}).
 */
export function renderZaloBotReplies(
  replies: Reply[],
  to: Pick<Recipient, 'chatId'>,
  options: ZaloBotRenderOptions = {},
): ZaloBotRequest[] {
  const out: ZaloBotRequest[] = [];
  for (const reply of replies) out.push(...renderOne(reply, to.chatId, options));
  return out;
}

function renderOne(reply: Reply, chatId: string, opts: ZaloBotRenderOptions): ZaloBotRequest[] {
  const buttons = (reply.buttons ?? []).filter((b) => b.url || b.action);
  const fallback = buttons.length ? numberedFallback(buttons) : '';

  let text = reply.text ?? '';
  if (!text.trim() && fallback) text = opts.emptyTextPlaceholder ?? DEFAULT_PLACEHOLDER;
  const chunks = text.trim() ? splitText(text, ZALOBOT_TEXT_LIMIT) : [];
  if (fallback) {
    const last = chunks.length - 1;
    if (last >= 0 && chunks[last].length + 2 + fallback.length <= ZALOBOT_TEXT_LIMIT)
      chunks[last] = `${chunks[last]}\n\n${fallback}`;
    else chunks.push(...splitText(fallback, ZALOBOT_TEXT_LIMIT));
  }

  const requests: ZaloBotRequest[] = chunks.map((chunk) => ({
    method: 'sendMessage',
    payload: { chat_id: chatId, text: chunk },
  }));
  const actions = numberedChoices(buttons);
  const lastText = requests[requests.length - 1];
  if (actions.length && lastText) lastText.numberedActions = actions;

  if (reply.file) {
    requests.push({
      method: 'sendMessage',
      payload: { chat_id: chatId, text: fileUnavailableText(reply.file, opts.webChatUrl) },
    });
  }
  return requests;
}
