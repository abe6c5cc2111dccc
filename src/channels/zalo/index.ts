import { ChannelError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ChannelAdapter, Recipient, Reply, SendOptions, SendResult } from '../../core/types.js';
import { createZaloClient, type ZaloClient } from './client.js';
import { parseZaloEvent } from './parse.js';
import { renderZaloReplies, type ZaloRenderOptions } from './render.js';
import { createZaloTokenStore, type ZaloTokenRepo, type ZaloTokenStore } from './tokens.js';
import type { ZaloRequest } from './types.js';
import { verifyZaloSignature, type ZaloVerifyConfig, type ZaloVerifyResult } from './verify.js';
import { CHANNEL_CAPABILITIES } from '../capabilities.js';

export interface ZaloAdapterOptions {
  appId: string;
  /** The commune this OA belongs to: labels the token-refresh metric. */
  communeId?: number;
  /** App secret: the `secret_key` header of token refreshes; also tried as a signature key. */
  appSecret: string;
  oaId?: string;
  /** OA Secret Key: the documented webhook signature key. */
  oaSecretKey?: string;
  /** Token storage (the database repo in production). */
  tokenRepo: ZaloTokenRepo;
  /** ZALO_API_BASE, default https://openapi.zalo.me. */
  apiBase?: string;
  /** ZALO_OAUTH_BASE, default https://oauth.zaloapp.com. */
  oauthBase?: string;
  timeoutMs?: number;
  refreshAheadMs?: number;
  replayWindowMs?: number;
  render?: ZaloRenderOptions;
  log?: Logger;
  /** Called with the outcome of each webhook verification (log the matched variant). */
  onVerify?: (result: ZaloVerifyResult) => void;
  now?: () => number;
}

export interface ZaloAdapter extends ChannelAdapter<unknown> {
  readonly channel: 'zalo';
  render(replies: Reply[], to: Recipient): ZaloRequest[];
  /** Like verify, with the reason or the matched signature variant. */
  verifyDetailed(input: { rawBody: Buffer; headers: Record<string, string | string[] | undefined> }): ZaloVerifyResult;
  readonly client: ZaloClient;
  readonly tokens: ZaloTokenStore;
}

/**
 * Zalo OA adapter: one per OA. verify checks X-ZEvent-Signature (tolerant of
 * the UNVERIFIED variants), parse/render are pure, send delivers one neutral
 * reply through consultation messages. Failures come back as SendResult:
 * `undeliverable` (outside the 7-day window, not a follower…) is final, the
 * delivery worker records it and tells staff.
 */
export function createZaloAdapter(options: ZaloAdapterOptions): ZaloAdapter {
  const tokens = createZaloTokenStore({
    repo: options.tokenRepo,
    appId: options.appId,
    appSecret: options.appSecret,
    oauthBase: options.oauthBase,
    timeoutMs: options.timeoutMs,
    refreshAheadMs: options.refreshAheadMs,
    now: options.now,
    log: options.log,
    communeId: options.communeId,
  });
  const client = createZaloClient({ tokens, apiBase: options.apiBase, timeoutMs: options.timeoutMs });
  const verifyConfig: ZaloVerifyConfig = {
    appId: options.appId,
    oaId: options.oaId,
    oaSecretKey: options.oaSecretKey,
    appSecret: options.appSecret,
    replayWindowMs: options.replayWindowMs,
    now: options.now,
  };
  const render = (replies: Reply[], to: Recipient) => renderZaloReplies(replies, to, options.render);
  const verifyDetailed = (input: { rawBody: Buffer; headers: Record<string, string | string[] | undefined> }) => {
    const result = verifyZaloSignature(input, verifyConfig);
    options.onVerify?.(result);
    return result;
  };

  return {
    channel: 'zalo',
    capabilities: CHANNEL_CAPABILITIES.zalo,
    client,
    tokens,
    verifyDetailed,
    verify: (input) => verifyDetailed(input).ok,
    parse: (raw, communeId) => parseZaloEvent(raw, communeId),
    render,
    async send(reply: Reply, to: Recipient, opts?: SendOptions): Promise<SendResult> {
      let requests: ZaloRequest[];
      try {
        requests = render([reply], to);
      } catch (error) {
        const e = error instanceof ChannelError ? error : new ChannelError('api', 'invalid_reply', String(error), false);
        return { ok: false, retryable: false, code: e.code, message: e.message };
      }
      return client.send(requests, opts?.skipParts ?? 0);
    },
  };
}

export { parseZaloEvent, zaloOaIdOf, ZALO_ACTION_PREFIX } from './parse.js';
export {
  renderZaloReplies,
  numberedChoices,
  numberedFallback,
  ZALO_TEXT_LIMIT,
  ZALO_MAX_BUTTONS,
  ZALO_FILE_MAX_BYTES,
  type ZaloRenderOptions,
} from './render.js';
export {
  verifyZaloSignature,
  signZaloEvent,
  ZALO_SIGNATURE_HEADER,
  type ZaloVerifyConfig,
  type ZaloVerifyResult,
} from './verify.js';
export { createZaloClient, zaloErrorFor, ZaloApiError, type ZaloClient } from './client.js';
export {
  createZaloTokenStore,
  createMemoryZaloTokenRepo,
  refreshZaloAccessToken,
  type ZaloTokenPair,
  type ZaloTokenRepo,
  type ZaloTokenRepoTx,
  type ZaloTokenStore,
} from './tokens.js';
export type * from './types.js';
export { ZALO_CS_PATH, ZALO_UPLOAD_FILE_PATH, ZALO_OAUTH_TOKEN_PATH } from './types.js';
