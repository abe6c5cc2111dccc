import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, parseBody, readBody, sendJson, trackConnections } from './http-util.js';

/**
 * A fake Zalo Bot Platform API on 127.0.0.1 speaking its documented wire
 * format (platforms.md §2): `POST /bot<token>/<method>` with a JSON body,
 * answered `{ok:true,result}` or `{ok:false,error_code,description}`.
 * Serves several bots at once. Use `apiBase` as ZALOBOT_API_BASE.
 * The real platform's error statuses are UNVERIFIED: by default errors carry
 * the HTTP status of their error_code (like Telegram); `errorsWithHttp200`
 * answers them with HTTP 200 instead (like Zalo OA), so the client is tested
 * against both.
 */

export interface RecordedZaloBotRequest {
  token: string;
  method: string;
  payload: Record<string, any>;
  bodyKind: 'json' | 'form' | 'multipart' | 'none' | 'invalid';
  /** HTTP status answered; -1 while a request hangs. */
  status: number;
  response: unknown;
  at: number;
}

export type ZaloBotFailure =
  /** An HTTP error with a non-JSON body (a proxy's 502 page). */
  | { kind: 'http'; status: number; retryAfter?: number }
  /** Keep the request open until the client gives up (or reset/close). */
  | { kind: 'hang' }
  /** An `{ok:false}` envelope. */
  | { kind: 'api'; errorCode: number; description: string; retryAfter?: number };

export const zbFailures = {
  serverError: (status = 500): ZaloBotFailure => ({ kind: 'http', status }),
  hang: (): ZaloBotFailure => ({ kind: 'hang' }),
  tooManyRequests: (retryAfter?: number): ZaloBotFailure => ({
    kind: 'api',
    errorCode: 429,
    description: 'Too Many Requests',
    ...(retryAfter ? { retryAfter } : {}),
  }),
  invalidToken: (): ZaloBotFailure => ({ kind: 'api', errorCode: 401, description: 'Unauthorized: invalid token' }),
  forbidden: (): ZaloBotFailure => ({ kind: 'api', errorCode: 403, description: 'Forbidden' }),
  badRequest: (description = 'Bad Request'): ZaloBotFailure => ({ kind: 'api', errorCode: 400, description }),
};

export interface FakeZaloBotOptions {
  /** Accepted bot tokens; absent means any non-empty token. Others get 401. */
  tokens?: string[];
  /** Send `{ok:false}` envelopes with HTTP 200 instead of the error's own status. */
  errorsWithHttp200?: boolean;
  /** Cap on getUpdates long-poll waits, so tests stay fast. Default 1000 ms. */
  maxPollWaitMs?: number;
}

interface Rule {
  failure: ZaloBotFailure;
  remaining: number;
  skip: number;
  method?: string;
  token?: string;
}

const TEXT_LIMIT = 2000;

export async function startFakeZaloBot(options: FakeZaloBotOptions = {}) {
  const requests: RecordedZaloBotRequest[] = [];
  const rules: Rule[] = [];
  const webhooks = new Map<string, { url: string; secret_token: string; updated_at: number }>();
  const updateQueues = new Map<string, unknown[]>();
  const pollWaiters = new Map<string, Set<() => void>>();
  let errorsWithHttp200 = options.errorsWithHttp200 ?? false;
  let generation = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => sendJson(res, 500, { ok: false, error_code: 500, description: String(error) }));
  });
  const conns = trackConnections(server);
  const port = await listen(server);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)\/?(\?.*)?$/.exec(req.url ?? '');
    const raw = await readBody(req);
    if (!m || req.method !== 'POST') return sendJson(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m;
    const body = parseBody(raw, req.headers['content-type']);
    const rec: RecordedZaloBotRequest = {
      token: decodeURIComponent(token),
      method,
      payload: body.fields as Record<string, any>,
      bodyKind: body.kind,
      status: 0,
      response: undefined,
      at: Date.now(),
    };
    requests.push(rec);
    const reply = (status: number, response: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      rec.response = response;
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      sendJson(res, status, response);
    };
    const fail = (errorCode: number, description: string, retryAfter?: number) =>
      reply(
        errorsWithHttp200 ? 200 : errorCode,
        { ok: false, error_code: errorCode, description },
        retryAfter && !errorsWithHttp200 ? { 'retry-after': String(retryAfter) } : {},
      );

    if (options.tokens && !options.tokens.includes(rec.token)) return fail(401, 'Unauthorized: invalid token');

    const rule = rules.find((r) => r.remaining > 0 && (!r.method || r.method === method) && (!r.token || r.token === rec.token));
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
        res.writeHead(f.status, {
          'content-type': 'text/html',
          ...(f.retryAfter ? { 'retry-after': String(f.retryAfter) } : {}),
        });
        return res.end(`<html><body>${f.status}</body></html>`);
      }
      return fail(f.errorCode, f.description, f.retryAfter);
    }
    if (body.kind !== 'json' && body.kind !== 'none') return fail(400, 'Bad Request: body must be JSON');

    const p = rec.payload;
    const sent = () => ({ message_id: randomBytes(10).toString('hex'), date: Date.now() });
    switch (method) {
      case 'getMe':
        return reply(200, {
          ok: true,
          result: { id: rec.token.split(':')[0], account_name: 'bot.FakeXa', account_type: 'BASIC', can_join_groups: false },
        });
      case 'sendMessage': {
        if (typeof p.chat_id !== 'string' || !p.chat_id) return fail(400, 'Bad Request: chat_id is required');
        const text = typeof p.text === 'string' ? p.text : '';
        if (text.length < 1 || text.length > TEXT_LIMIT) return fail(400, 'Bad Request: text must be 1-2000 characters');
        return reply(200, { ok: true, result: sent() });
      }
      case 'sendPhoto':
        if (typeof p.chat_id !== 'string' || !p.chat_id) return fail(400, 'Bad Request: chat_id is required');
        if (typeof p.photo !== 'string' || !/^https?:\/\//.test(p.photo)) return fail(400, 'Bad Request: photo must be a URL');
        return reply(200, { ok: true, result: sent() });
      case 'sendSticker':
        if (typeof p.chat_id !== 'string' || typeof p.sticker !== 'string')
          return fail(400, 'Bad Request: chat_id and sticker are required');
        return reply(200, { ok: true, result: sent() });
      case 'sendChatAction':
        return reply(200, { ok: true });
      case 'setWebhook': {
        if (typeof p.url !== 'string' || !p.url.startsWith('https://')) return fail(400, 'Bad Request: url must be an HTTPS URL');
        const secret = typeof p.secret_token === 'string' ? p.secret_token : '';
        if (secret.length < 8 || secret.length > 256) return fail(400, 'Bad Request: secret_token must be 8-256 characters');
        const w = { url: p.url, secret_token: secret, updated_at: Date.now() };
        webhooks.set(rec.token, w);
        return reply(200, { ok: true, result: { url: w.url, updated_at: w.updated_at } });
      }
      case 'getWebhookInfo': {
        const w = webhooks.get(rec.token);
        return reply(200, { ok: true, result: { url: w?.url ?? '', updated_at: w?.updated_at ?? 0 } });
      }
      case 'deleteWebhook':
        webhooks.delete(rec.token);
        return reply(200, { ok: true, result: { url: '', updated_at: Date.now() } });
      case 'getUpdates':
        return getUpdates(rec.token, p, reply, fail, res);
      default:
        return fail(404, 'Not Found: method not found');
    }
  }

  /** One update per call (not an array); error_code 408 when the long poll ends with nothing. */
  async function getUpdates(
    token: string,
    p: Record<string, any>,
    reply: (s: number, b: unknown) => void,
    fail: (code: number, description: string) => void,
    res: ServerResponse,
  ) {
    // The docs say getUpdates does not work while a webhook is set; the error code is UNVERIFIED.
    if (webhooks.has(token)) return fail(409, 'Conflict: webhook is active, call deleteWebhook first');
    const gen = generation;
    const queue = () => updateQueues.get(token) ?? [];
    if (!queue().length) {
      const waitMs = Math.min(Number(p.timeout ?? 30) * 1000, options.maxPollWaitMs ?? 1000);
      await new Promise<void>((resolve) => {
        const waiters = pollWaiters.get(token) ?? new Set();
        pollWaiters.set(token, waiters);
        const done = () => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, waitMs);
        waiters.add(done);
        res.on('close', done);
      });
      if (gen !== generation || res.writableEnded || res.destroyed) return;
    }
    const next = queue().shift();
    if (next === undefined) return fail(408, 'Request Timeout');
    reply(200, { ok: true, result: next });
  }

  const api = {
    port,
    /** Use as ZALOBOT_API_BASE. */
    apiBase: `http://127.0.0.1:${port}`,
    /** Every request, in arrival order. */
    requests,
    /** Accepted sendMessage calls (optionally of one bot or chat). */
    sent(filter: { token?: string; chatId?: string } = {}): RecordedZaloBotRequest[] {
      return requests.filter(
        (r) =>
          r.method === 'sendMessage' &&
          r.status === 200 &&
          (r.response as { ok?: boolean })?.ok === true &&
          (!filter.token || r.token === filter.token) &&
          (filter.chatId === undefined || r.payload.chat_id === filter.chatId),
      );
    },
    /** All calls of one method. */
    calls(method: string, token?: string): RecordedZaloBotRequest[] {
      return requests.filter((r) => r.method === method && (!token || r.token === token));
    },
    /** Fail the next `times` matching calls (default 1), after letting `after` matching calls through. */
    fail(failure: ZaloBotFailure, opts: { times?: number; method?: string; token?: string; after?: number } = {}) {
      rules.push({ failure, remaining: opts.times ?? 1, method: opts.method, token: opts.token, skip: opts.after ?? 0 });
    },
    setErrorsWithHttp200(on: boolean) {
      errorsWithHttp200 = on;
    },
    /** Queue an update for getUpdates (wakes a waiting long poll). */
    pushUpdate(token: string, update: unknown) {
      const q = updateQueues.get(token) ?? [];
      q.push(update);
      updateQueues.set(token, q);
      for (const w of [...(pollWaiters.get(token) ?? [])]) w();
    },
    webhookOf(token: string) {
      return webhooks.get(token);
    },
    /** Forget requests, failures, webhooks and queues; release hung requests. */
    reset() {
      generation++;
      for (const ws of pollWaiters.values()) for (const w of [...ws]) w();
      requests.length = 0;
      rules.length = 0;
      webhooks.clear();
      updateQueues.clear();
      errorsWithHttp200 = options.errorsWithHttp200 ?? false;
      conns.releaseHung();
    },
    async close() {
      for (const ws of pollWaiters.values()) for (const w of [...ws]) w();
      await conns.close();
    },
  };
  return api;
}

export type FakeZaloBot = Awaited<ReturnType<typeof startFakeZaloBot>>;
