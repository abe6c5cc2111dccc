import { ChannelError } from '../../core/errors.js';
import type { ChannelAdapter, InboundMessage, Recipient, Reply, SendOptions, SendResult } from '../../core/types.js';
import { createTelegramClient, type TelegramClient, type TelegramPolling, type TelegramPollingOptions } from './client.js';
import { callbackQueryIdOf, parseTelegramUpdate } from './parse.js';
import { renderTelegramReplies, type TelegramRenderOptions } from './render.js';
import type { TelegramRequest, TgSentMessage, TgUpdate } from './types.js';
import { verifyTelegramSecret } from './verify.js';
import { CHANNEL_CAPABILITIES } from '../capabilities.js';

export interface TelegramAdapterOptions {
  token: string;
  /** The `secret_token` given to setWebhook (TELEGRAM_WEBHOOK_SECRET). Without it every webhook is rejected. */
  secret?: string;
  /** TELEGRAM_API_ROOT, default https://api.telegram.org. */
  apiRoot?: string;
  timeoutMs?: number;
  render?: TelegramRenderOptions;
}

export interface TelegramAdapter extends ChannelAdapter<unknown> {
  readonly channel: 'telegram';
  render(replies: Reply[], to: Recipient): TelegramRequest[];
  readonly client: TelegramClient;
  /** Answer the callback query behind a parsed button tap (no-op for other messages). Never throws. */
  acknowledge(msg: InboundMessage): Promise<boolean>;
  answerCallbackQuery(callbackQueryId: string, text?: string): Promise<boolean>;
  /** Register `url` as the webhook with `secret` (defaults to the adapter's secret). Throws ChannelError. */
  setWebhook(url: string, secret?: string, opts?: { dropPendingUpdates?: boolean; allowedUpdates?: string[] }): Promise<void>;
  deleteWebhook(opts?: { dropPendingUpdates?: boolean }): Promise<void>;
  /** Long polling for local development (TELEGRAM_MODE=polling). */
  startPolling(onUpdate: (update: TgUpdate) => Promise<void>, opts?: TelegramPollingOptions): TelegramPolling;
}

/**
 * Telegram adapter: one per bot (a province platform runs one bot per
 * commune). verify checks the webhook secret header; parse/render are pure;
 * send delivers one neutral reply (several Bot API calls when the text is
 * long or a file is attached) and reports failures as a SendResult.
 */
export function createTelegramAdapter(options: TelegramAdapterOptions): TelegramAdapter {
  const client = createTelegramClient({ token: options.token, apiRoot: options.apiRoot, timeoutMs: options.timeoutMs });
  const render = (replies: Reply[], to: Recipient) => renderTelegramReplies(replies, to, options.render);
  const uploads = createUploadMemory();

  return {
    channel: 'telegram',
    capabilities: CHANNEL_CAPABILITIES.telegram,
    client,
    verify: ({ headers }) => verifyTelegramSecret(headers, options.secret),
    parse: (raw, communeId) => parseTelegramUpdate(raw, communeId),
    render,
    async send(reply: Reply, to: Recipient, opts?: SendOptions): Promise<SendResult> {
      const renderOne = (r: Reply): TelegramRequest[] | SendResult => {
        try {
          return render([r], to);
        } catch (error) {
          const e = error instanceof ChannelError ? error : new ChannelError('api', 'invalid_reply', String(error), false);
          return { ok: false, retryable: false, code: e.code, message: e.message };
        }
      };
      const ref = reply.file?.ref;
      const onSent = (req: TelegramRequest, message: TgSentMessage) => {
        if (ref && req.method === 'sendDocument' && message.document?.file_id) uploads.set(ref, message.document.file_id);
      };
      const skip = opts?.skipParts ?? 0;
      const fileId = ref ? uploads.get(ref) : undefined;
      if (!fileId) {
        const requests = renderOne(reply);
        return Array.isArray(requests) ? client.send(requests, skip, onSent) : requests;
      }
      // This bot sent the file before: its document part names that upload (the bytes are not decoded nor sent).
      const byId = renderOne({ ...reply, file: { ...reply.file!, contentBase64: '' } });
      if (!Array.isArray(byId)) return byId;
      const reused = byId.map((r) => (r.method === 'sendDocument' ? { ...r, payload: { ...r.payload, document: fileId } } : r));
      const first = await client.send(reused, skip, onSent);
      if (first.ok || first.code !== 'bad_request' || reused[first.partsDone ?? -1]?.method !== 'sendDocument') return first;
      // Telegram refused the stored file_id: forget it and upload the bytes instead.
      uploads.delete(ref!);
      const requests = renderOne(reply);
      if (!Array.isArray(requests)) return requests;
      const again = await client.send(requests, first.partsDone ?? skip, onSent);
      return { ...again, platformMessageIds: [...(first.platformMessageIds ?? []), ...(again.platformMessageIds ?? [])] };
    },
    acknowledge: async (msg) => {
      const id = callbackQueryIdOf(msg);
      return id ? client.answerCallbackQuery(id) : true;
    },
    answerCallbackQuery: client.answerCallbackQuery,
    setWebhook: async (url, secret, opts) => {
      const s = secret ?? options.secret;
      if (!s) throw new ChannelError('api', 'config', 'a webhook secret is required', false);
      await client.setWebhook(url, s, opts);
    },
    deleteWebhook: client.deleteWebhook,
    startPolling: client.startPolling,
  };
}

/**
 * The file_id of each referenced file this bot has sent (a notice's attachment, the same for every
 * recipient): later sends pass the id instead of uploading the bytes again (the Bot API's sendDocument takes
 * a file_id). The most recent 500 are kept.
 */
function createUploadMemory(max = 500) {
  const ids = new Map<string, string>();
  return {
    get: (ref: string) => ids.get(ref),
    set(ref: string, fileId: string) {
      ids.delete(ref);
      ids.set(ref, fileId);
      if (ids.size > max) ids.delete(ids.keys().next().value!);
    },
    delete: (ref: string) => ids.delete(ref),
  };
}

export { parseTelegramUpdate, callbackQueryIdOf, TELEGRAM_UPDATE_TYPES } from './parse.js';
export {
  renderTelegramReplies,
  escapeHtml,
  TELEGRAM_TEXT_LIMIT,
  TELEGRAM_CALLBACK_DATA_MAX_BYTES,
  type TelegramRenderOptions,
} from './render.js';
export { verifyTelegramSecret, TELEGRAM_SECRET_HEADER } from './verify.js';
export { createTelegramClient, toTelegramChannelError, type TelegramClient, type TelegramPolling } from './client.js';
export type * from './types.js';
