import { ChannelError } from '../../core/errors.js';
import type { ChannelAdapter, Recipient, Reply, SendOptions, SendResult } from '../../core/types.js';
import { createZaloBotClient, type ZaloBotClient } from './client.js';
import { parseZaloBotUpdate } from './parse.js';
import { renderZaloBotReplies, type ZaloBotRenderOptions } from './render.js';
import type { ZaloBotRequest } from './types.js';
import { verifyZaloBotSecret } from './verify.js';
import { CHANNEL_CAPABILITIES } from '../capabilities.js';

export interface ZaloBotAdapterOptions {
  token: string;
  /** The `secret_token` given to setWebhook (ZALOBOT_WEBHOOK_SECRET). Without it every webhook is rejected. */
  secret?: string;
  /** ZALOBOT_API_BASE, default https://bot-api.zaloplatforms.com. */
  apiBase?: string;
  timeoutMs?: number;
  render?: ZaloBotRenderOptions;
}

export interface ZaloBotAdapter extends ChannelAdapter<unknown> {
  readonly channel: 'zalobot';
  render(replies: Reply[], to: Recipient): ZaloBotRequest[];
  readonly client: ZaloBotClient;
  /** Register `url` as the webhook with `secret` (defaults to the adapter's secret). Throws ChannelError. */
  setWebhook(url: string, secret?: string): Promise<void>;
}

/**
 * Zalo Bot Platform adapter (channel `zalobot`): one per bot. verify checks
 * the shared-secret header; parse/render are pure; send delivers one neutral
 * reply as one or more plain-text sendMessage calls and reports failures as a
 * SendResult. Webhook only: getUpdates hands out one update per call with no
 * offset to confirm it, so an update fetched and then not recorded would be
 * lost, which the "acknowledge only what is recorded" rule forbids.
 */
export function createZaloBotAdapter(options: ZaloBotAdapterOptions): ZaloBotAdapter {
  const client = createZaloBotClient({ token: options.token, apiBase: options.apiBase, timeoutMs: options.timeoutMs });
  const render = (replies: Reply[], to: Recipient) => renderZaloBotReplies(replies, to, options.render);

  return {
    channel: 'zalobot',
    capabilities: CHANNEL_CAPABILITIES.zalobot,
    client,
    verify: ({ headers }) => verifyZaloBotSecret(headers, options.secret),
    parse: (raw, communeId) => parseZaloBotUpdate(raw, communeId),
    render,
    async send(reply: Reply, to: Recipient, opts?: SendOptions): Promise<SendResult> {
      let requests: ZaloBotRequest[];
      try {
        requests = render([reply], to);
      } catch (error) {
        const e = error instanceof ChannelError ? error : new ChannelError('api', 'invalid_reply', String(error), false);
        return { ok: false, retryable: false, code: e.code, message: e.message };
      }
      return client.send(requests, opts?.skipParts ?? 0);
    },
    setWebhook: async (url, secret) => {
      const s = secret ?? options.secret;
      if (!s) throw new ChannelError('api', 'config', 'a webhook secret is required', false);
      await client.setWebhook(url, s);
    },
  };
}

export { zaloBotAccountKey } from './account-key.js';
export { parseZaloBotUpdate, unwrapZaloBotUpdate, ZALOBOT_TEXT_EVENT } from './parse.js';
export { renderZaloBotReplies, fileUnavailableText, ZALOBOT_TEXT_LIMIT, type ZaloBotRenderOptions } from './render.js';
export { verifyZaloBotSecret, ZALOBOT_SECRET_HEADER } from './verify.js';
export {
  createZaloBotClient,
  zaloBotErrorFor,
  ZaloBotApiError,
  ZALOBOT_DEFAULT_API_BASE,
  ZALOBOT_DEFAULT_RETRY_AFTER_MS,
  type ZaloBotClient,
} from './client.js';
export type * from './types.js';
