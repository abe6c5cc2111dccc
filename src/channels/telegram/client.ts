import http from 'node:http';
import https from 'node:https';
import { Telegram, TelegramError } from 'telegraf';
import { Agent, request } from 'undici';
import { ChannelError } from '../../core/errors.js';
import type { SendResult } from '../../core/types.js';
import { sendParts } from '../shared/send-parts.js';
import type { TelegramRequest, TgSentMessage, TgUpdate, TgUser } from './types.js';

export interface TelegramClientOptions {
  token: string;
  /** Bot API root (TELEGRAM_API_ROOT); a local fake in tests. */
  apiRoot?: string;
  /** Per-call timeout. */
  timeoutMs?: number;
}

export interface TelegramPollingOptions {
  /** Long-poll seconds per getUpdates call. */
  timeoutSec?: number;
  limit?: number;
  allowedUpdates?: string[];
  /** Call deleteWebhook first (getUpdates answers 409 while a webhook is set). Default true. */
  deleteWebhook?: boolean;
  /** Wait after a failed getUpdates (a 429 uses its retry_after instead). */
  backoffMs?: number;
  /** Attempts to record one update before it is skipped (default 5). */
  maxAttemptsPerUpdate?: number;
  /** Failed getUpdates calls and handler errors land here; the loop keeps going. */
  onError?: (error: unknown) => void;
}

export interface TelegramPolling {
  /** Stop after the update being handled; resolves when the loop has exited. */
  stop(): Promise<void>;
  /** Resolves when the loop exits. */
  readonly done: Promise<void>;
}

export const DEFAULT_ALLOWED_UPDATES = ['message', 'callback_query'];

const keepAliveHttp = new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
const keepAliveHttps = new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000 });
/** Connection pool for JSON calls, shared by every bot (one pool per API origin). */
const jsonDispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

/** A value telegraf would upload as a file (InputFile: { source } or { url }), where multipart is needed. */
function isUpload(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const v = value as { source?: unknown; url?: unknown; media?: unknown };
  return Boolean(v.source) || Boolean(v.url) || isUpload(v.media);
}
/** Top-level null fields left out, as telegraf does (a replacer function would slow JSON.stringify down several times). */
function withoutNulls(payload: object): object {
  const entries = Object.entries(payload);
  return entries.some(([, v]) => v === null) ? Object.fromEntries(entries.filter(([, v]) => v !== null)) : payload;
}
const needsMultipart = (payload: object) =>
  Object.entries(payload).some(
    ([key, value]) => key !== 'link_preview_options' && (Array.isArray(value) ? value.some(isUpload) : isUpload(value)),
  );

/**
 * Outbound Bot API client on telegraf's `Telegram` class (which also builds
 * the multipart body for sendDocument). Every failure becomes a ChannelError:
 * 429 (with retry_after), 5xx, network errors and timeouts are retryable;
 * 4xx are not, and "bot blocked / chat not found / user deactivated" get the
 * code `undeliverable`.
 */
export function createTelegramClient(options: TelegramClientOptions) {
  const timeoutMs = options.timeoutMs ?? 15_000;
  // With a trailing slash, telegraf's `new URL('./bot…', apiRoot)` keeps a root's path (a proxy at
  // https://host/tg), and the JSON calls below use the same URL.
  const apiRoot = (options.apiRoot ?? 'https://api.telegram.org').replace(/\/*$/, '/');
  const tg = new Telegram(options.token, { apiRoot, webhookReply: false });
  // telegraf drops its keep-alive agent for http:// roots (a local Bot API server or a fake), and
  // node-fetch then sends "Connection: close": a new TCP connection per call. Keep connections alive.
  (tg as unknown as { options: { agent?: http.Agent } }).options.agent = apiRoot.startsWith('http://')
    ? keepAliveHttp
    : keepAliveHttps;
  const methodUrl = (method: string) => `${apiRoot}bot${options.token}/${method}`;

  /**
   * A JSON Bot API call on undici (most calls: sendMessage, answerCallbackQuery, ...):
   * one write per request and no stream plumbing, about half of node-fetch's cost
   * per call. Errors come back as telegraf's TelegramError, as from callApi.
   */
  async function callJson(method: string, payload: object, signal: AbortSignal): Promise<unknown> {
    const res = await request(methodUrl(method), {
      method: 'POST',
      dispatcher: jsonDispatcher,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(withoutNulls(payload)),
      signal,
    });
    const text = await res.body.text();
    let data: { ok?: boolean; result?: unknown; error_code?: number; description?: string } | undefined;
    try {
      data = JSON.parse(text) as typeof data;
    } catch {
      data = undefined;
    }
    if (res.statusCode >= 500 || !data || typeof data.ok !== 'boolean') {
      throw new TelegramError({
        error_code: res.statusCode >= 500 ? res.statusCode : 502,
        description: `HTTP ${res.statusCode}, not a Bot API answer`,
      });
    }
    if (!data.ok) throw new TelegramError(data as ConstructorParameters<typeof TelegramError>[0]);
    return data.result;
  }

  /** The error with the bot token cut out of its message and stack (node-fetch's errors quote the URL). */
  function withoutToken(error: unknown): unknown {
    if (!(error instanceof Error) || !`${error.message}${error.stack}`.includes(options.token)) return error;
    const redact = (text: string) => text.split(options.token).join('<token>');
    error.message = redact(error.message);
    if (error.stack) error.stack = redact(error.stack);
    return error;
  }

  /** One Bot API call; throws ChannelError. */
  async function call<T = unknown>(
    method: string,
    payload: object,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? timeoutMs);
    const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
    try {
      if (!needsMultipart(payload)) return (await callJson(method, payload, signal)) as T;
      // Uploads: telegraf builds the multipart body. Its typings tie payloads to its own method
      // map; ours are checked by TelegramRequest.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return (await (tg.callApi as any)(method, { ...payload }, { signal })) as T;
    } catch (error) {
      throw toTelegramChannelError(withoutToken(error), timeout.aborted);
    }
  }

  /**
   * Send rendered requests in order; `onSent` sees each sent message (a document's file_id). Never throws
   * for platform or network errors.
   */
  function send(
    requests: TelegramRequest[],
    skipParts = 0,
    onSent?: (req: TelegramRequest, message: TgSentMessage) => void,
  ): Promise<SendResult> {
    return sendParts(requests, skipParts, async (req) => {
      const message = await call<TgSentMessage>(req.method, req.payload);
      onSent?.(req, message);
      return String(message.message_id);
    });
  }

  /**
   * Stop the client's progress spinner after a button tap. Returns false on
   * failure instead of throwing: a missed answer only leaves a spinner, the
   * reply itself is delivered through the outbox.
   */
  async function answerCallbackQuery(callbackQueryId: string, text?: string): Promise<boolean> {
    try {
      await call('answerCallbackQuery', { callback_query_id: callbackQueryId, ...(text ? { text } : {}) });
      return true;
    } catch {
      return false;
    }
  }

  async function setWebhook(
    url: string,
    secret: string,
    opts: { allowedUpdates?: string[]; dropPendingUpdates?: boolean; maxConnections?: number } = {},
  ): Promise<void> {
    await call('setWebhook', {
      url,
      secret_token: secret,
      allowed_updates: opts.allowedUpdates ?? DEFAULT_ALLOWED_UPDATES,
      ...(opts.dropPendingUpdates !== undefined ? { drop_pending_updates: opts.dropPendingUpdates } : {}),
      ...(opts.maxConnections !== undefined ? { max_connections: opts.maxConnections } : {}),
    });
  }

  async function deleteWebhook(opts: { dropPendingUpdates?: boolean } = {}): Promise<void> {
    await call('deleteWebhook', opts.dropPendingUpdates ? { drop_pending_updates: true } : {});
  }

  const getMe = () => call<TgUser>('getMe', {});

  /**
   * Local-dev long polling (TELEGRAM_MODE=polling). Updates are handed to
   * `onUpdate` one at a time, in order; the offset moves past an update once
   * its handler settled (a handler error is reported, not retried: the
   * dispatcher has recorded the message by then or will see it again on
   * restart, deduplicated by update_id).
   */
  function startPolling(onUpdate: (update: TgUpdate) => Promise<void>, opts: TelegramPollingOptions = {}): TelegramPolling {
    const ac = new AbortController();
    const timeoutSec = opts.timeoutSec ?? 25;
    const onError = opts.onError ?? (() => {});
    let offset: number | undefined;
    let confirmed: number | undefined;
    let failures = 0;
    const maxFailures = opts.maxAttemptsPerUpdate ?? 5;

    const done = (async () => {
      if (opts.deleteWebhook ?? true) {
        try {
          await deleteWebhook();
        } catch (error) {
          onError(error);
        }
      }
      while (!ac.signal.aborted) {
        let updates: TgUpdate[];
        try {
          updates = await call<TgUpdate[]>(
            'getUpdates',
            {
              ...(offset !== undefined ? { offset } : {}),
              timeout: timeoutSec,
              limit: opts.limit ?? 100,
              allowed_updates: opts.allowedUpdates ?? DEFAULT_ALLOWED_UPDATES,
            },
            { timeoutMs: timeoutSec * 1000 + timeoutMs, signal: ac.signal },
          );
          confirmed = offset;
        } catch (error) {
          if (ac.signal.aborted) break;
          onError(error);
          const wait = error instanceof ChannelError && error.retryAfterMs ? error.retryAfterMs : (opts.backoffMs ?? 1_000);
          await sleep(wait, ac.signal);
          continue;
        }
        let failed = false;
        for (const update of updates) {
          try {
            await onUpdate(update);
            failures = 0;
          } catch (error) {
            onError(error);
            if (++failures < maxFailures) {
              // Not recorded: keep the offset at this update so getUpdates returns it again.
              failed = true;
              break;
            }
            // The same update failed every time (a payload the database refuses): skip it, or it
            // would hold up every later update of this bot.
            onError(new Error(`telegram update ${update.update_id} skipped after ${failures} failed attempts`));
            failures = 0;
          }
          offset = update.update_id + 1;
          if (ac.signal.aborted) break;
        }
        if (failed) await sleep(opts.backoffMs ?? 1_000, ac.signal);
      }
      if (offset !== undefined && offset !== confirmed) {
        // Confirm handled updates so a restart does not fetch them again (best effort; they are deduplicated anyway).
        try {
          await call('getUpdates', { offset, limit: 1, timeout: 0 }, { timeoutMs: 2_000 });
        } catch (error) {
          onError(error);
        }
      }
    })();

    return {
      done,
      stop: async () => {
        ac.abort();
        await done;
      },
    };
  }

  /**
   * A file a user sent (a report photo), by its file_id: `getFile`, then the file link
   * `<apiRoot>file/bot<token>/<file_path>` (valid at least an hour; getFile serves files up to 20 MB). At most
   * `maxBytes` are read. Throws ChannelError (retryable for timeouts, 429 and 5xx), never with the token in it.
   */
  async function downloadMedia(ref: { fileId?: string }, maxBytes: number): Promise<Buffer> {
    if (!ref.fileId) throw new ChannelError('api', 'bad_request', 'a Telegram file is fetched by its file_id', false);
    const file = await call<{ file_path?: unknown; file_size?: unknown }>('getFile', { file_id: ref.fileId });
    if (typeof file?.file_path !== 'string' || !file.file_path)
      throw new ChannelError('api', 'not_found', 'Telegram getFile answered without file_path', false);
    if (typeof file.file_size === 'number' && file.file_size > maxBytes)
      throw new ChannelError('api', 'too_large', `Telegram file of ${file.file_size} bytes`, false);
    const path = file.file_path.split('/').map(encodeURIComponent).join('/');
    const timeout = AbortSignal.timeout(timeoutMs * 2);
    try {
      const res = await request(`${apiRoot}file/bot${options.token}/${path}`, {
        method: 'GET',
        dispatcher: jsonDispatcher,
        signal: timeout,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        const retryable = res.statusCode === 429 || res.statusCode >= 500;
        throw new ChannelError(
          'api',
          retryable ? 'server_error' : 'not_found',
          `Telegram file: HTTP ${res.statusCode}`,
          retryable,
        );
      }
      return await readAtMost(res.body, maxBytes);
    } catch (error) {
      if (error instanceof ChannelError) throw error;
      throw toTelegramChannelError(withoutToken(error), timeout.aborted);
    }
  }

  return { call, send, answerCallbackQuery, setWebhook, deleteWebhook, getMe, startPolling, downloadMedia };
}

/** A response body, refused (and abandoned) past `max` bytes. */
async function readAtMost(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, max: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new ChannelError('api', 'too_large', `file over ${max} bytes`, false);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type TelegramClient = ReturnType<typeof createTelegramClient>;

const UNDELIVERABLE =
  /bot was blocked|chat not found|user not found|user is deactivated|bot was kicked|PEER_ID_INVALID|not enough rights to send/i;

/** Map any failure of a Bot API call to a ChannelError (the retry decision lives here). */
export function toTelegramChannelError(error: unknown, timedOut = false): ChannelError {
  if (error instanceof ChannelError) return error;
  if (error instanceof TelegramError) {
    const status = error.code;
    const description = error.description ?? error.message;
    if (status === 429) {
      const retryAfter = Number(error.parameters?.retry_after);
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1_000;
      return new ChannelError('api', 'rate_limited', description, true, retryAfterMs);
    }
    if (status >= 500) return new ChannelError('api', 'server_error', `${status} ${description}`, true);
    if (status === 403 || (status === 400 && UNDELIVERABLE.test(description))) {
      return new ChannelError('api', 'undeliverable', `${status} ${description}`, false);
    }
    const code = status === 401 ? 'unauthorized' : status === 409 ? 'conflict' : 'bad_request';
    return new ChannelError('api', code, `${status} ${description}`, false);
  }
  const err = error as { name?: string; message?: string; type?: string };
  if (timedOut || err?.name === 'AbortError' || err?.name === 'TimeoutError') {
    return new ChannelError('network', 'timeout', 'Telegram request timed out', true);
  }
  return new ChannelError('network', 'network', err?.message ?? String(error), true);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
