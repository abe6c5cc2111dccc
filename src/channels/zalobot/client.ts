import { ChannelError } from '../../core/errors.js';
import type { SendResult } from '../../core/types.js';
import { sendParts } from '../shared/send-parts.js';
import type { ZaloBotRequest, ZbBotInfo, ZbResponse, ZbSentMessage, ZbWebhookInfo } from './types.js';

export const ZALOBOT_DEFAULT_API_BASE = 'https://bot-api.zaloplatforms.com';

/** Wait after a 429 that names no delay. Zalo's rate limits are UNVERIFIED, so err on the slow side. */
export const ZALOBOT_DEFAULT_RETRY_AFTER_MS = 5_000;

const TOKEN_PROBLEM = /invalid.*token|token.*(invalid|expired|revoked)|unauthori[sz]ed/i;
const UNDELIVERABLE = /blocked|chat not found|user not found|not allowed to send|deactivated/i;

/** A Zalo Bot Platform refusal; `errorCode` is the envelope's `error_code` (or the HTTP status). */
export class ZaloBotApiError extends ChannelError {
  constructor(
    readonly errorCode: number,
    code: string,
    message: string,
    retryable: boolean,
    retryAfterMs?: number,
  ) {
    super('api', code, message, retryable, retryAfterMs);
    this.name = 'ZaloBotApiError';
  }
}

/**
 * The retry decision for one refusal, with the same codes as the other
 * clients: 429 -> `rate_limited` (retry later), 5xx -> `server_error` and
 * 408 -> `timeout` (transient), 401 or an invalid-token description ->
 * `unauthorized` and 403 -> `undeliverable` (permanent), other 4xx ->
 * `bad_request` / `not_found` (permanent). Which codes Zalo really sends is
 * UNVERIFIED; these follow the Telegram Bot API it imitates.
 */
export function zaloBotErrorFor(errorCode: number, description: string, retryAfterMs?: number): ZaloBotApiError {
  const text = `Zalo Bot error ${errorCode}: ${description}`;
  if (errorCode === 429)
    return new ZaloBotApiError(errorCode, 'rate_limited', text, true, retryAfterMs ?? ZALOBOT_DEFAULT_RETRY_AFTER_MS);
  if (errorCode >= 500) return new ZaloBotApiError(errorCode, 'server_error', text, true);
  if (errorCode === 408) return new ZaloBotApiError(errorCode, 'timeout', text, true);
  if (errorCode === 401 || TOKEN_PROBLEM.test(description)) return new ZaloBotApiError(errorCode, 'unauthorized', text, false);
  if (errorCode === 403 || (errorCode === 400 && UNDELIVERABLE.test(description))) {
    return new ZaloBotApiError(errorCode, 'undeliverable', text, false);
  }
  if (errorCode === 404) return new ZaloBotApiError(errorCode, 'not_found', text, false);
  if (errorCode === 400) return new ZaloBotApiError(errorCode, 'bad_request', text, false);
  return new ZaloBotApiError(errorCode, `zalobot_${errorCode}`, text, false);
}

export interface ZaloBotClientOptions {
  /** The bot token (`{bot_id}:{access_token}` per the docs copy). Goes in the URL path, never in logs. */
  token: string;
  /** ZALOBOT_API_BASE, default https://bot-api.zaloplatforms.com. */
  apiBase?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * Zalo Bot Platform client (no maintained SDK): `POST {base}/bot<token>/<method>`
 * with a JSON body, answers in the `{ok, result}` / `{ok:false, error_code,
 * description}` envelope. An `ok:false` is honoured whatever the HTTP status
 * (Zalo OA sends its errors with HTTP 200; whether the bot platform does is
 * UNVERIFIED). Error messages never contain the URL, which holds the token.
 */
export function createZaloBotClient(options: ZaloBotClientOptions) {
  const apiBase = (options.apiBase ?? ZALOBOT_DEFAULT_API_BASE).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 15_000;
  const doFetch = options.fetch ?? fetch;

  /** One API call; returns `result`, throws ChannelError. */
  async function call<T = unknown>(method: string, body: object = {}): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(`${apiBase}/bot${options.token}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ChannelError('network', 'timeout', `Zalo Bot ${method} timed out`, true);
      }
      throw new ChannelError('network', 'network', `Zalo Bot ${method}: ${(error as Error)?.message ?? String(error)}`, true);
    }
    const headerRetry = Number(res.headers.get('retry-after'));
    let env: ZbResponse<T> | undefined;
    try {
      env = (await res.json()) as ZbResponse<T>;
    } catch {
      env = undefined;
    }
    const isEnvelope = typeof env === 'object' && env !== null && typeof env.ok === 'boolean';
    if (isEnvelope && env!.ok === true && res.ok) return env!.result as T;
    if (isEnvelope && env!.ok === false) {
      const e = env as Extract<ZbResponse<T>, { ok: false }>;
      const code = typeof e.error_code === 'number' ? e.error_code : res.ok ? 0 : res.status;
      const retryAfter =
        Number(e.parameters?.retry_after) > 0
          ? Number(e.parameters?.retry_after) * 1000
          : headerRetry > 0
            ? headerRetry * 1000
            : undefined;
      // HTTP 429/5xx win over an envelope code that says otherwise.
      const effective = res.status === 429 || res.status >= 500 ? res.status : code;
      throw zaloBotErrorFor(effective, `${method}: ${e.description ?? 'no description'}`, retryAfter);
    }
    if (!res.ok) {
      throw zaloBotErrorFor(
        res.status,
        `${method}: HTTP ${res.status}, no envelope`,
        headerRetry > 0 ? headerRetry * 1000 : undefined,
      );
    }
    // 2xx without an envelope: the platform may or may not have acted; retry like the other clients do.
    throw new ChannelError('api', 'bad_response', `Zalo Bot ${method}: HTTP ${res.status}, no {ok} envelope`, true);
  }

  /** Send rendered requests in order. Never throws for platform or network errors. */
  function send(requests: ZaloBotRequest[], skipParts = 0): Promise<SendResult> {
    return sendParts(requests, skipParts, async (req) =>
      String((await call<ZbSentMessage>(req.method, req.payload))?.message_id ?? ''),
    );
  }

  /** Register the webhook; Zalo then sends `secret` in X-Bot-Api-Secret-Token. Throws ChannelError. */
  const setWebhook = (url: string, secret: string) => call<ZbWebhookInfo>('setWebhook', { url, secret_token: secret });
  const deleteWebhook = () => call<ZbWebhookInfo>('deleteWebhook');
  const getWebhookInfo = () => call<ZbWebhookInfo>('getWebhookInfo');
  const getMe = () => call<ZbBotInfo>('getMe');

  return { call, send, setWebhook, deleteWebhook, getWebhookInfo, getMe };
}

export type ZaloBotClient = ReturnType<typeof createZaloBotClient>;
