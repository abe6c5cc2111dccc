import { ChannelError } from '../../core/errors.js';
import type { ChannelAdapter, InboundMessage, Recipient, Reply, SendOptions, SendResult } from '../../core/types.js';
import { createTelegramClient, type TelegramClient, type TelegramPolling, type TelegramPollingOptions } from './client.js';
import { callbackQueryIdOf, parseTelegramUpdate } from './parse.js';
import { renderTelegramReplies, type TelegramRenderOptions } from './render.js';
import type { TelegramRequest, TgUpdate } from './types.js';
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

  return {
    channel: 'telegram',
    capabilities: CHANNEL_CAPABILITIES.telegram,
    client,
    verify: ({ headers }) => verifyTelegramSecret(headers, options.secret),
    parse: (raw, communeId) => parseTelegramUpdate(raw, communeId),
    render,
    async send(reply: Reply, to: Recipient, opts?: SendOptions): Promise<SendResult> {
      let requests: TelegramRequest[];
      try {
        requests = render([reply], to);
      } catch (error) {
        const e = error instanceof ChannelError ? error : new ChannelError('api', 'invalid_reply', String(error), false);
        return { ok: false, retryable: false, code: e.code, message: e.message };
      }
      return client.send(requests, opts?.skipParts ?? 0);
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
