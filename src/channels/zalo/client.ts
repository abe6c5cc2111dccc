import { ChannelError } from '../../core/errors.js';
import { joinUrl } from '../../core/url.js';
import type { SendResult } from '../../core/types.js';
import { sendParts } from '../shared/send-parts.js';
import type { ZaloTokenStore } from './tokens.js';
import { ZALO_CS_PATH, type ZaloCsBody, type ZaloEnvelope, type ZaloRequest } from './types.js';

/** Access token invalid / expired: refresh and retry once. */
export const ZALO_TOKEN_ERRORS = new Set([-216, -220]);
/**
 * The resident cannot be reached with a consultation message: outside the
 * 7-day window (-230, -232), not a follower (-213), banned or inactive
 * (-227), blocked the OA (-217), restricted this message type (-244).
 */
export const ZALO_UNDELIVERABLE_ERRORS = new Set([-213, -217, -227, -230, -232, -244]);
/** Template refused: resend the plain-text fallback. */
const ZALO_TEMPLATE_REFUSED = new Set([-201, -233]);

/** A Zalo API refusal; `zaloCode` is the envelope's `error`. */
export class ZaloApiError extends ChannelError {
  constructor(
    readonly zaloCode: number,
    code: string,
    message: string,
    retryable: boolean,
    retryAfterMs?: number,
  ) {
    super('api', code, message, retryable, retryAfterMs);
    this.name = 'ZaloApiError';
  }
}

/** Map an envelope error to the retry decision. */
export function zaloErrorFor(zaloCode: number, message: string): ZaloApiError {
  const text = `Zalo error ${zaloCode}: ${message}`;
  if (ZALO_UNDELIVERABLE_ERRORS.has(zaloCode)) return new ZaloApiError(zaloCode, 'undeliverable', text, false);
  if (zaloCode === -32) return new ZaloApiError(zaloCode, 'rate_limited', text, true, 60_000);
  if (ZALO_TOKEN_ERRORS.has(zaloCode)) return new ZaloApiError(zaloCode, 'zalo_auth', text, false);
  if (zaloCode === -201 || zaloCode === -210 || zaloCode === -233) return new ZaloApiError(zaloCode, 'bad_request', text, false);
  return new ZaloApiError(zaloCode, `zalo_${zaloCode}`, text, false);
}

export interface ZaloClientOptions {
  tokens: ZaloTokenStore;
  /** ZALO_API_BASE, default https://openapi.zalo.me. */
  apiBase?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

type Body = { body: string | FormData; headers: Record<string, string> };

/**
 * Zalo OA Open API client (no SDK exists). Sends the bare `access_token`
 * header, reads the `{error, message, data}` envelope (errors arrive with
 * HTTP 200), refreshes the token and retries once on -216/-220.
 */
export function createZaloClient(opts: ZaloClientOptions) {
  const apiBase = opts.apiBase ?? 'https://openapi.zalo.me';
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const doFetch = opts.fetch ?? fetch;

  async function once(path: string, accessToken: string, b: Body): Promise<ZaloEnvelope> {
    let res: Response;
    try {
      res = await doFetch(joinUrl(apiBase, path), {
        method: 'POST',
        headers: { ...b.headers, access_token: accessToken },
        body: b.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ChannelError('network', 'timeout', `Zalo ${path} timed out`, true);
      }
      throw new ChannelError('network', 'network', `Zalo ${path}: ${(error as Error).message}`, true);
    }
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      await res.body?.cancel();
      throw new ChannelError(
        'api',
        'rate_limited',
        `Zalo ${path}: HTTP 429`,
        true,
        Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined,
      );
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new ChannelError('api', 'server_error', `Zalo ${path}: HTTP ${res.status}`, true);
    }
    let env: ZaloEnvelope;
    try {
      env = (await res.json()) as ZaloEnvelope;
    } catch {
      throw new ChannelError(
        'api',
        res.ok ? 'bad_response' : `http_${res.status}`,
        `Zalo ${path}: HTTP ${res.status}, not JSON`,
        res.ok,
      );
    }
    if (typeof env?.error !== 'number') {
      throw new ChannelError('api', 'bad_response', `Zalo ${path}: HTTP ${res.status}, no error field`, res.ok);
    }
    return env;
  }

  /** One API call with the token refresh-and-retry-once rule. Returns `data`; throws ChannelError. */
  async function call(path: string, makeBody: () => Body): Promise<Record<string, unknown>> {
    let pair = await opts.tokens.get();
    for (let attempt = 0; ; attempt++) {
      const env = await once(path, pair.accessToken, makeBody());
      if (env.error === 0) return (env.data ?? {}) as Record<string, unknown>;
      if (ZALO_TOKEN_ERRORS.has(env.error) && attempt === 0) {
        pair = await opts.tokens.refresh(pair.accessToken);
        continue;
      }
      throw zaloErrorFor(env.error, env.message ?? '');
    }
  }

  const json = (body: unknown) => (): Body => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

  /** `POST /v3.0/oa/message/cs`; returns the message id. */
  async function sendCs(body: ZaloCsBody): Promise<string> {
    const data = await call(ZALO_CS_PATH, json(body));
    return String(data.message_id ?? '');
  }

  /** Upload a file (multipart field `file`); returns the token to send it with. */
  async function uploadFile(path: string, file: { name: string; mimeType: string; data: Buffer }): Promise<string> {
    const data = await call(path, () => {
      const form = new FormData();
      form.append('file', new Blob([file.data], { type: file.mimeType }), file.name);
      return { body: form, headers: {} };
    });
    // Chatwoot reads data.token, goclaw's fixture has data.attachment_id (UNVERIFIED which is current).
    const token = data.token ?? data.attachment_id;
    if (typeof token !== 'string' || !token) {
      throw new ChannelError('api', 'bad_response', 'Zalo upload answered without token/attachment_id', false);
    }
    return token;
  }

  /** Deliver rendered requests in order. Never throws for platform or network errors. */
  function send(requests: ZaloRequest[], skipParts = 0): Promise<SendResult> {
    return sendParts(requests, skipParts, async (req) => {
      if (req.kind === 'message') {
        try {
          return await sendCs(req.body);
        } catch (error) {
          if (!(error instanceof ZaloApiError && ZALO_TEMPLATE_REFUSED.has(error.zaloCode) && req.fallbackText)) throw error;
          return sendCs({ recipient: req.body.recipient, message: { text: req.fallbackText } });
        }
      }
      const token = await uploadFile(req.uploadPath, req.file);
      return sendCs({ recipient: { user_id: req.userId }, message: { attachment: { type: 'file', payload: { token } } } });
    });
  }

  /**
   * An image a user sent (a report photo) by the URL in its webhook (`payload.url`, on Zalo's CDN). Only an
   * https URL is fetched (or one on the API's own origin, a local fake in tests), redirects are followed at
   * most three times under the same rule, and at most `maxBytes` are read. Throws ChannelError (retryable for
   * timeouts, network errors, 429 and 5xx); its message never carries the URL.
   */
  async function downloadMedia(ref: { url?: string }, maxBytes: number): Promise<Buffer> {
    let url = ref.url;
    for (let hop = 0; hop < 4; hop++) {
      if (!url || !mediaUrlAllowed(url, apiBase)) throw new ChannelError('api', 'bad_request', 'Zalo media URL refused', false);
      let res: Response;
      try {
        res = await doFetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs * 2) });
      } catch (error) {
        const name = (error as Error).name;
        const timedOut = name === 'TimeoutError' || name === 'AbortError';
        throw new ChannelError('network', timedOut ? 'timeout' : 'network', 'Zalo media download failed', true);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        await res.body?.cancel();
        url = new URL(res.headers.get('location')!, url).toString();
        continue;
      }
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        const retryable = res.status === 429 || res.status >= 500;
        throw new ChannelError('api', retryable ? 'server_error' : 'not_found', `Zalo media: HTTP ${res.status}`, retryable);
      }
      const length = Number(res.headers.get('content-length'));
      if (Number.isFinite(length) && length > maxBytes) {
        await res.body.cancel();
        throw new ChannelError('api', 'too_large', `Zalo media of ${length} bytes`, false);
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) {
          await reader.cancel();
          throw new ChannelError('api', 'too_large', `Zalo media over ${maxBytes} bytes`, false);
        }
        chunks.push(value);
      }
      return Buffer.concat(chunks);
    }
    throw new ChannelError('api', 'bad_request', 'Zalo media: too many redirects', false);
  }

  return { call, sendCs, uploadFile, send, downloadMedia };
}

/** An https URL, or one on the API's own origin (ZALO_API_BASE: a local fake in tests). */
export function mediaUrlAllowed(url: string, apiBase: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.origin === new URL(apiBase).origin;
  } catch {
    return false;
  }
}

export type ZaloClient = ReturnType<typeof createZaloClient>;
