import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { errInfo } from '../core/log-error.js';
import type { Logger } from '../core/logger.js';
import { countRequest } from '../core/metrics.js';
import type { ChannelAdapter, InboundMessage } from '../core/types.js';
import { requestIdOf } from './request-id.js';
import { webhookReviver } from '../core/text-input.js';

/** What a webhook route sees of its request. */
export interface WebhookRequest {
  /** Named path segments (`/webhooks/telegram/:accountKey` gives `accountKey`). */
  params: Record<string, string>;
  rawBody: Buffer;
  headers: IncomingMessage['headers'];
}

export interface WebhookRoute {
  /** Literal segments and `:name` segments, e.g. `/webhooks/telegram/:accountKey`. */
  path: string;
  /** Finds the adapter and commune for this request (one bot per commune on a shared platform). */
  resolve: (req: WebhookRequest) => Promise<{ adapter: ChannelAdapter; communeId: number } | undefined>;
  /** Durably record messages (must resolve only once they are committed). */
  ingest: (messages: InboundMessage[]) => Promise<unknown>;
  /** Start processing after the acknowledgement (does not block the response). */
  afterAck: (messages: InboundMessage[], recorded: unknown) => void;
}

/** Platform webhook bodies are small; anything larger is refused before it is parsed. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const TOO_LARGE = 'Tin nhắn quá dài. Anh/chị vui lòng rút gọn nội dung.';

interface CompiledRoute {
  route: WebhookRoute;
  /** Lower-cased literal segments, or `{ param }` for a named one. */
  segments: (string | { param: string })[];
}

function compile(route: WebhookRoute): CompiledRoute {
  const segments = route.path
    .split('/')
    .filter(Boolean)
    .map((s) => (s.startsWith(':') ? { param: s.slice(1) } : s.toLowerCase()));
  return { route, segments };
}

/** The path's segments like Express 5 sees them: one trailing slash is allowed, empty segments are not skipped. */
function segmentsOf(url: string): string[] {
  const q = url.indexOf('?');
  const parts = (q < 0 ? url : url.slice(0, q)).split('/').slice(1);
  if (parts.length > 1 && parts.at(-1) === '') parts.pop();
  return parts;
}

/**
 * Match path segments like Express does: case-insensitive literals, a
 * non-empty named segment, decoded. A malformed escape in a named segment is
 * the client's error (400), as it was in Express.
 */
function match(compiled: CompiledRoute, parts: string[]): Record<string, string> | 'malformed' | undefined {
  if (parts.length !== compiled.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const seg = compiled.segments[i];
    if (typeof seg === 'string') {
      if (parts[i].toLowerCase() !== seg) return undefined;
      continue;
    }
    if (!parts[i]) return undefined;
    try {
      params[seg.param] = decodeURIComponent(parts[i]);
    } catch {
      return 'malformed';
    }
  }
  return params;
}

/** Answer a webhook and count it (troly_http_requests_total): a counter increment, nothing more on the hot path. */
function send(res: ServerResponse, status: number, body: unknown, route?: string): void {
  if (route) countRequest('POST', route, status);
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`webhook body refused (${status})`);
  }
}

type Inflate = (buf: Buffer, opts: zlib.ZlibOptions) => Promise<Buffer>;
/** A Map, not an object literal: a header value such as "constructor" must not find anything. */
const inflaters = new Map<string, Inflate>([
  ['gzip', promisify(zlib.gunzip)],
  ['x-gzip', promisify(zlib.gunzip)],
  ['deflate', promisify(zlib.inflate)],
  ['br', promisify(zlib.brotliDecompress) as Inflate],
]);

/** The raw body, inflated when the platform compressed it, at most `limit` bytes either way. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding =
    String(req.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase() || 'identity';
  const inflate = encoding === 'identity' ? undefined : inflaters.get(encoding);
  if (encoding !== 'identity' && !inflate) {
    req.resume();
    return Promise.reject(new BodyError(415, { error: `unsupported content encoding "${encoding}"` }));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(new BodyError(413, { error: TOO_LARGE }));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        reject(new BodyError(413, { error: TOO_LARGE }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      if (!inflate) return resolve(raw);
      // Whatever the inflater throws, synchronously or not, becomes a refusal (never an uncaught exception).
      Promise.resolve()
        .then(() => inflate(raw, { maxOutputLength: limit }))
        .then(resolve, (error: NodeJS.ErrnoException) =>
          reject(
            error?.code === 'ERR_BUFFER_TOO_LARGE'
              ? new BodyError(413, { error: TOO_LARGE })
              : new BodyError(400, { error: 'invalid compressed body' }),
          ),
        );
    });
    req.on('error', reject);
  });
}

/**
 * Platform webhooks, served before the Express app: the hot path of every
 * resident message (hundreds a second on a province's shared platform) needs
 * the exact bytes for the signature and nothing of Express's routing, body
 * parsing or response helpers. A request that is not a webhook goes to `next`.
 *
 * Each webhook is verified over the raw body, parsed by its adapter, durably
 * recorded, and only then acknowledged (200); a recording failure answers 503
 * so the platform redelivers.
 */
export function createWebhookListener(
  deps: { log: Logger; webhooks: WebhookRoute[]; bodyLimit?: number },
  next: RequestListener,
): RequestListener {
  const routes = deps.webhooks.map(compile);
  const limit = deps.bodyLimit ?? WEBHOOK_BODY_LIMIT;

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    hook: WebhookRoute,
    params: Record<string, string>,
    requestId: string,
  ) {
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, limit);
    } catch (error) {
      if (error instanceof BodyError) send(res, error.status, error.body, hook.path);
      else res.destroy(); // the client went away mid-body
      return;
    }
    const target = await hook.resolve({ params, rawBody, headers: req.headers });
    if (!target) return send(res, 404, { error: 'unknown channel account' }, hook.path);
    if (!target.adapter.verify({ rawBody, headers: req.headers })) {
      deps.log.warn({ path: hook.path, requestId }, 'webhook rejected: bad signature');
      return send(res, 401, { error: 'invalid signature' }, hook.path);
    }
    let payload: unknown;
    try {
      // Strings made valid for the database (a lone surrogate or a NUL in any field, not only the text, was a
      // 503 and a redelivery for ever); the signature was checked on the raw bytes above.
      payload = JSON.parse(rawBody.toString('utf8'), webhookReviver);
    } catch {
      return send(res, 400, { error: 'invalid JSON' }, hook.path);
    }
    let messages: InboundMessage[];
    try {
      messages = target.adapter.parse(payload, target.communeId);
    } catch (error) {
      deps.log.warn({ path: hook.path, requestId, err: errInfo(error) }, 'webhook payload not understood');
      return send(res, 200, { ok: true, ignored: true }, hook.path); // acknowledging stops pointless redelivery
    }
    let recorded: unknown;
    try {
      recorded = await hook.ingest(messages);
    } catch (error) {
      // Not recorded: do not acknowledge, so the platform redelivers.
      deps.log.error({ path: hook.path, requestId, err: errInfo(error) }, 'webhook not recorded');
      return send(res, 503, { error: 'temporarily unavailable' }, hook.path);
    }
    send(res, 200, { ok: true }, hook.path);
    try {
      hook.afterAck(messages, recorded);
    } catch (error) {
      // Recorded and acknowledged: recovery processes it if scheduling failed here.
      deps.log.error({ path: hook.path, requestId, err: errInfo(error) }, 'webhook recorded, processing not scheduled');
    }
  }

  return (req, res) => {
    if (req.method === 'POST' && req.url) {
      const parts = segmentsOf(req.url);
      for (const compiled of routes) {
        const params = match(compiled, parts);
        if (!params) continue;
        const requestId = requestIdOf(req, res);
        if (params === 'malformed') {
          req.resume();
          send(res, 400, { error: 'malformed path' }, compiled.route.path);
          return;
        }
        serve(req, res, compiled.route, params, requestId).catch((error) => {
          deps.log.error({ path: compiled.route.path, requestId, err: errInfo(error) }, 'webhook failed');
          if (!res.headersSent)
            send(res, 500, { error: 'Xin lỗi, hệ thống đang gặp sự cố. Vui lòng thử lại sau.', requestId }, compiled.route.path);
          else res.destroy();
        });
        return;
      }
    }
    next(req, res);
  };
}
