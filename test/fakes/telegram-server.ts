import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, parseBody, readBody, sendJson, trackConnections, type MultipartFile } from './http-util.js';

/**
 * A fake Telegram Bot API on 127.0.0.1 speaking the real wire format:
 * `POST /bot<token>/<method>` with JSON or multipart, answered with
 * `{ok:true,result}` or `{ok:false,error_code,description,parameters}`.
 * Serves several bots at once (one per commune). Point telegraf at it with
 * `apiRoot: fake.apiRoot`.
 */

export interface RecordedTelegramRequest {
  token: string;
  method: string;
  /** JSON body, or multipart text fields (JSON fields such as reply_markup decoded). */
  payload: Record<string, any>;
  /** Multipart file parts (sendDocument's `document`). */
  files: Record<string, MultipartFile>;
  bodyKind: 'json' | 'form' | 'multipart' | 'none' | 'invalid';
  /** What the fake answered. */
  status: number;
  response: unknown;
  at: number;
}

export type TelegramFailure =
  /** An HTTP error with a non-JSON body (e.g. 502 from a proxy). */
  | { kind: 'http'; status: number }
  /** Keep the request open until the client gives up (or reset/close). */
  | { kind: 'hang' }
  /** A Bot API error envelope. */
  | { kind: 'api'; errorCode: number; description: string; retryAfter?: number };

export const tgFailures = {
  serverError: (status = 500): TelegramFailure => ({ kind: 'http', status }),
  hang: (): TelegramFailure => ({ kind: 'hang' }),
  tooManyRequests: (retryAfter = 5): TelegramFailure => ({
    kind: 'api',
    errorCode: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    retryAfter,
  }),
  blocked: (): TelegramFailure => ({ kind: 'api', errorCode: 403, description: 'Forbidden: bot was blocked by the user' }),
  chatNotFound: (): TelegramFailure => ({ kind: 'api', errorCode: 400, description: 'Bad Request: chat not found' }),
};

export interface TelegramRateLimit {
  /** Messages per second over all chats of one bot (≈30). */
  globalPerSecond: number;
  /** Sustained messages per second per chat (≈1). */
  perChatPerSecond: number;
  /** Short burst allowed per chat before 429. */
  perChatBurst: number;
}

export interface FakeTelegramOptions {
  /** Accepted bot tokens; absent means any non-empty token. */
  tokens?: string[];
  /** Enforce flood limits on send* methods (default off). `true` uses 30/s overall, 1/s per chat, burst 3. */
  rateLimit?: boolean | Partial<TelegramRateLimit>;
  /** Cap on getUpdates long-poll waits, so tests stay fast. Default 1000 ms. */
  maxPollWaitMs?: number;
}

interface Rule {
  failure: TelegramFailure;
  remaining: number;
  /** Matching calls to let through before failing. */
  skip: number;
  method?: string;
  token?: string;
}

const SEND_METHODS = new Set(['sendMessage', 'sendDocument', 'sendPhoto', 'sendChatAction']);

export async function startFakeTelegram(options: FakeTelegramOptions = {}) {
  const requests: RecordedTelegramRequest[] = [];
  const rules: Rule[] = [];
  const webhooks = new Map<string, { url: string; secret_token?: string; allowed_updates?: string[] }>();
  const updateQueues = new Map<string, { update_id: number; [k: string]: unknown }[]>();
  const pollWaiters = new Map<string, Set<() => void>>();
  const messageIds = new Map<string, number>();
  let generation = 0;
  let rate = resolveRate(options.rateLimit);
  const globalHits = new Map<string, number[]>();
  const chatBuckets = new Map<string, { tokens: number; at: number }>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendJson(res, 500, { ok: false, error_code: 500, description: String(error) }));
  });
  const conns = trackConnections(server);
  const port = await listen(server);

  /** Files users "sent" (addFile), by file_id: getFile gives their path, `/file/bot<token>/<path>` their bytes. */
  const files = new Map<string, { path: string; data: Buffer }>();
  const fileDownloads: string[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]);
    if (download && req.method === 'GET') {
      await readBody(req);
      const [, token, path] = download;
      const file = [...files.values()].find((f) => f.path === decodeURIComponent(path));
      if ((options.tokens && !options.tokens.includes(token)) || !file) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('Not Found');
      }
      fileDownloads.push(file.path);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.data.length) });
      return res.end(file.data);
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)\/?(\?.*)?$/.exec(req.url ?? '');
    const raw = await readBody(req);
    if (!m || (req.method !== 'POST' && req.method !== 'GET')) {
      return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    }
    const [, token, method] = m;
    const body = parseBody(raw, req.headers['content-type']);
    const rec: RecordedTelegramRequest = {
      token,
      method,
      payload: body.fields as Record<string, any>,
      files: body.files,
      bodyKind: body.kind,
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    requests.push(rec);
    const reply = (status: number, response: unknown) => {
      rec.status = status;
      rec.response = response;
      sendJson(res, status, response);
    };

    if (options.tokens && !options.tokens.includes(token)) return reply(401, apiError(401, 'Unauthorized'));

    const rule = rules.find((r) => r.remaining > 0 && (!r.method || r.method === method) && (!r.token || r.token === token));
    if (rule && rule.skip > 0) rule.skip--;
    else if (rule) {
      rule.remaining--;
      const f = rule.failure;
      if (f.kind === 'hang') {
        rec.status = -1;
        return conns.hang(res);
      }
      if (f.kind === 'http') {
        rec.status = f.status;
        res.writeHead(f.status, { 'content-type': 'text/html' });
        return res.end(`<html><body>${f.status}</body></html>`);
      }
      return reply(f.errorCode, apiError(f.errorCode, f.description, f.retryAfter));
    }
    if (body.kind === 'invalid') return reply(400, apiError(400, 'Bad Request: invalid request body'));

    const p = rec.payload;
    if (SEND_METHODS.has(method) && rate) {
      const wait = rateLimitWait(token, String(p.chat_id ?? ''));
      if (wait > 0) return reply(429, apiError(429, `Too Many Requests: retry after ${wait}`, wait));
    }

    switch (method) {
      case 'getMe':
        return reply(200, { ok: true, result: botInfo(token) });
      case 'sendMessage': {
        if (!p.chat_id) return reply(400, apiError(400, 'Bad Request: chat_id is empty'));
        const text = String(p.text ?? '');
        if (!text.trim()) return reply(400, apiError(400, 'Bad Request: message text is empty'));
        if (visibleLength(text, p.parse_mode) > 4096) return reply(400, apiError(400, 'Bad Request: message is too long'));
        const cbErr = checkCallbackData(p.reply_markup);
        if (cbErr) return reply(400, apiError(400, cbErr));
        return reply(200, { ok: true, result: message(token, p.chat_id, { text: unescapeHtml(text, p.parse_mode) }) });
      }
      case 'sendDocument': {
        if (!p.chat_id) return reply(400, apiError(400, 'Bad Request: chat_id is empty'));
        const file = rec.files.document;
        if (!file && typeof p.document !== 'string')
          return reply(400, apiError(400, 'Bad Request: there is no document in the request'));
        return reply(200, {
          ok: true,
          result: message(token, p.chat_id, {
            document: {
              file_id: `DOC_${requests.length}`,
              file_unique_id: `U${requests.length}`,
              file_name: file?.filename,
              file_size: file?.data.length,
            },
          }),
        });
      }
      case 'answerCallbackQuery':
        if (!p.callback_query_id) return reply(400, apiError(400, 'Bad Request: query is too old or query ID is invalid'));
        return reply(200, { ok: true, result: true });
      case 'setWebhook':
        if (!p.url) return reply(400, apiError(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook'));
        webhooks.set(token, { url: String(p.url), secret_token: p.secret_token, allowed_updates: p.allowed_updates });
        return reply(200, { ok: true, result: true, description: 'Webhook was set' });
      case 'deleteWebhook':
        webhooks.delete(token);
        if (p.drop_pending_updates) updateQueues.set(token, []);
        return reply(200, { ok: true, result: true, description: 'Webhook was deleted' });
      case 'getWebhookInfo': {
        const w = webhooks.get(token);
        return reply(200, { ok: true, result: { url: w?.url ?? '', has_custom_certificate: false, pending_update_count: 0 } });
      }
      case 'getUpdates':
        return getUpdates(token, p, reply, res);
      case 'getFile': {
        const f = files.get(String(p.file_id ?? ''));
        if (!f) return reply(400, apiError(400, 'Bad Request: invalid file_id'));
        return reply(200, {
          ok: true,
          result: { file_id: p.file_id, file_unique_id: `U${p.file_id}`, file_size: f.data.length, file_path: f.path },
        });
      }
      default:
        return reply(404, apiError(404, 'Not Found: method not found'));
    }
  }

  async function getUpdates(token: string, p: Record<string, any>, reply: (s: number, b: unknown) => void, res: ServerResponse) {
    const gen = generation;
    let clientGone = false;
    res.on('close', () => {
      clientGone = !res.writableEnded;
    });
    if (webhooks.has(token)) {
      return reply(
        409,
        apiError(
          409,
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        ),
      );
    }
    const offset = p.offset !== undefined ? Number(p.offset) : undefined;
    const limit = Math.min(Math.max(Number(p.limit ?? 100), 1), 100);
    const queue = () => {
      let q = updateQueues.get(token) ?? [];
      if (offset !== undefined) q = q.filter((u) => u.update_id >= offset);
      updateQueues.set(token, q);
      return q;
    };
    let pending = queue();
    const timeoutMs = Math.min(Number(p.timeout ?? 0) * 1000, options.maxPollWaitMs ?? 1000);
    if (!pending.length && timeoutMs > 0) {
      await new Promise<void>((resolve) => {
        const waiters = pollWaiters.get(token) ?? new Set();
        pollWaiters.set(token, waiters);
        const done = () => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutMs);
        waiters.add(done);
        // A client that gave up (aborted long poll) must not confirm updates later.
        res.on('close', done);
      });
      if (gen !== generation || clientGone) return;
      pending = queue();
    }
    reply(200, { ok: true, result: pending.slice(0, limit) });
  }

  function message(token: string, chatId: unknown, extra: Record<string, unknown>) {
    const key = `${token}:${chatId}`;
    const id = (messageIds.get(key) ?? 0) + 1;
    messageIds.set(key, id);
    const numericId = Number(chatId);
    return {
      message_id: id,
      date: Math.floor(Date.now() / 1000),
      from: botInfo(token),
      chat: { id: Number.isFinite(numericId) ? numericId : chatId, type: 'private' },
      ...extra,
    };
  }

  function rateLimitWait(token: string, chatId: string): number {
    if (!rate) return 0;
    const now = Date.now();
    const hits = (globalHits.get(token) ?? []).filter((t) => now - t < 1000);
    globalHits.set(token, hits);
    if (hits.length >= rate.globalPerSecond) return Math.max(1, Math.ceil((1000 - (now - hits[0])) / 1000));
    const key = `${token}:${chatId}`;
    const b = chatBuckets.get(key) ?? { tokens: rate.perChatBurst, at: now };
    b.tokens = Math.min(rate.perChatBurst, b.tokens + ((now - b.at) / 1000) * rate.perChatPerSecond);
    b.at = now;
    chatBuckets.set(key, b);
    if (b.tokens < 1) return Math.max(1, Math.ceil((1 - b.tokens) / rate.perChatPerSecond));
    b.tokens -= 1;
    hits.push(now);
    return 0;
  }

  const api = {
    port,
    /** Make a file a user sent (a photo's file_id) available to getFile and the file link. */
    addFile(fileId: string, data: Buffer, path = `photos/file_${files.size}.jpg`) {
      files.set(fileId, { path, data });
    },
    /** Paths of the files downloaded through the file link, in order. */
    fileDownloads,
    /** Use as telegraf's `apiRoot` / TELEGRAM_API_ROOT. */
    apiRoot: `http://127.0.0.1:${port}`,
    /** Every request, in arrival order. */
    requests,
    /** Successful sendMessage/sendDocument calls (optionally for one bot or chat). */
    sent(filter: { token?: string; chatId?: string | number } = {}): RecordedTelegramRequest[] {
      return requests.filter(
        (r) =>
          (r.method === 'sendMessage' || r.method === 'sendDocument') &&
          r.status === 200 &&
          (!filter.token || r.token === filter.token) &&
          (filter.chatId === undefined || String(r.payload.chat_id) === String(filter.chatId)),
      );
    },
    /** All calls of one method. */
    calls(method: string, token?: string): RecordedTelegramRequest[] {
      return requests.filter((r) => r.method === method && (!token || r.token === token));
    },
    /** Fail the next `times` matching calls (default 1) with `failure`. */
    /** Fail the next `times` matching calls, after letting `after` matching calls through. */
    fail(failure: TelegramFailure, opts: { times?: number; method?: string; token?: string; after?: number } = {}) {
      rules.push({ failure, remaining: opts.times ?? 1, method: opts.method, token: opts.token, skip: opts.after ?? 0 });
    },
    /** Turn flood limits on/off. */
    setRateLimit(limit: boolean | Partial<TelegramRateLimit>) {
      rate = resolveRate(limit);
      globalHits.clear();
      chatBuckets.clear();
    },
    /** Queue an update for getUpdates (wakes a waiting long poll). */
    pushUpdate(token: string, update: { update_id: number; [k: string]: unknown }) {
      const q = updateQueues.get(token) ?? [];
      q.push(update);
      updateQueues.set(token, q);
      for (const w of [...(pollWaiters.get(token) ?? [])]) w();
    },
    webhookOf(token: string) {
      return webhooks.get(token);
    },
    /** Forget requests, failures, webhooks, queues and rate counters; release hung requests. */
    reset() {
      generation++;
      for (const ws of pollWaiters.values()) for (const w of [...ws]) w();
      requests.length = 0;
      rules.length = 0;
      webhooks.clear();
      updateQueues.clear();
      messageIds.clear();
      globalHits.clear();
      chatBuckets.clear();
      conns.releaseHung();
    },
    async close() {
      for (const ws of pollWaiters.values()) for (const w of [...ws]) w();
      await conns.close();
    },
  };
  return api;
}

export type FakeTelegram = Awaited<ReturnType<typeof startFakeTelegram>>;

function resolveRate(limit: FakeTelegramOptions['rateLimit']): TelegramRateLimit | null {
  if (!limit) return null;
  const base: TelegramRateLimit = { globalPerSecond: 30, perChatPerSecond: 1, perChatBurst: 3 };
  return limit === true ? base : { ...base, ...limit };
}

function apiError(code: number, description: string, retryAfter?: number) {
  return { ok: false, error_code: code, description, ...(retryAfter ? { parameters: { retry_after: retryAfter } } : {}) };
}

function botInfo(token: string) {
  const id = Number(token.split(':')[0]);
  return {
    id: Number.isFinite(id) ? id : 1,
    is_bot: true,
    first_name: 'Trợ lý Xã (fake)',
    username: `fake_${token.split(':')[0]}_bot`,
  };
}

function unescapeHtml(text: string, parseMode: unknown): string {
  if (parseMode !== 'HTML') return text;
  return text
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Length after entity parsing, as Telegram counts it. */
function visibleLength(text: string, parseMode: unknown): number {
  return unescapeHtml(text, parseMode).length;
}

function checkCallbackData(markup: unknown): string | undefined {
  const rows = (markup as { inline_keyboard?: { callback_data?: string }[][] } | undefined)?.inline_keyboard;
  for (const row of rows ?? []) {
    for (const b of row) {
      if (b.callback_data !== undefined && (Buffer.byteLength(b.callback_data) > 64 || !b.callback_data)) {
        return 'Bad Request: BUTTON_DATA_INVALID';
      }
    }
  }
  return undefined;
}
