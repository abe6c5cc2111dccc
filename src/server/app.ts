import { errInfo } from '../core/log-error.js';
import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { WEB_SESSION_ID } from '../channels/web/index.js';
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { requestIdOf } from './request-id.js';
import type { InboundMessage, Reply } from '../core/types.js';

/** What the HTTP layer needs; runtime.ts wires the real implementations. */
export interface AppDeps {
  log: Logger;
  ready: () => Promise<boolean>;
  /** Resolve the commune (tenant) of a web request: `?commune=slug` or the default. */
  resolveCommune: (slug: string | undefined) => Promise<{ id: number; slug: string; name: string } | undefined>;
  /** Ingest + process synchronously (web chat). */
  handleChat: (msg: InboundMessage) => Promise<{ replies: Reply[]; outboundIds: number[]; duplicate: boolean }>;
  /** Replies pushed to a web chat session after `afterId` (notifications, staff answers). */
  chatUpdates: (communeId: number, sessionId: string, afterId: number) => Promise<{ id: number; reply: Reply }[]>;
  renderWeb: (replies: Reply[]) => unknown[];
  parseWeb: (body: unknown, communeId: number) => InboundMessage;
  chatPage: (commune: { name: string; slug: string }) => string;
  /** Feature routers (procedures, dossiers, staff APIs), mounted after the core routes. */
  routers: express.Router[];
  adminApiKey?: string;
  integrationApiKey?: string;
  /** Web chat flood limits per minute (WEB_CHAT_MESSAGES_PER_MINUTE, …_PER_IP). */
  webChatLimits: { perSession: number; perIp: number };
  /** Express "trust proxy" (TRUST_PROXY): who may set X-Forwarded-For. */
  trustProxy: string | number;
}

const TOO_FAST = 'Anh/chị gửi tin nhắn hơi nhanh. Vui lòng đợi khoảng một phút rồi gửi tiếp nhé.';

/**
 * The web chat is open to anyone on the commune's site, so it is rate limited
 * over a one-minute window: per chat session first (a page stuck in a loop is
 * stopped there and does not use up the allowance of its neighbours behind
 * the same carrier NAT), then per IP address (a script inventing session ids).
 * Counts are kept in this process's memory: behind several instances each
 * counts its own. The updates poll (every 5 s from the page) gets three times
 * the allowance.
 */
function webChatLimiters(limits: { perSession: number; perIp: number }, factor = 1): RequestHandler[] {
  const common = {
    windowMs: 60_000,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    handler: (_req: Request, res: Response) => {
      res.status(429).json({ error: TOO_FAST });
    },
  };
  const ipKey = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  const sessionOf = (req: Request) => {
    const id = req.method === 'GET' ? req.query.sessionId : (req.body as { sessionId?: unknown } | undefined)?.sessionId;
    return typeof id === 'string' && WEB_SESSION_ID.test(id) ? id : undefined;
  };
  return [
    rateLimit({
      ...common,
      limit: limits.perSession * factor,
      // A request without a valid session id is refused by validation anyway; it counts against its IP.
      keyGenerator: (req) => {
        const session = sessionOf(req);
        return session ? `s:${session}` : `ip:${ipKey(req)}`;
      },
    }),
    rateLimit({ ...common, limit: limits.perIp * factor, keyGenerator: ipKey }),
  ];
}

/** Bearer-token guard. With no key configured the endpoints are closed (503), never open. */
export function bearerAuth(...keys: (string | undefined)[]): RequestHandler {
  const valid = keys.filter((k): k is string => Boolean(k)).map((k) => Buffer.from(k));
  return (req, res, next) => {
    if (valid.length === 0) {
      res.status(503).json({ error: 'API disabled: set ADMIN_API_KEY to enable staff and integration endpoints' });
      return;
    }
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = m ? Buffer.from(m[1].trim()) : undefined;
    const ok = given !== undefined && valid.some((k) => k.length === given.length && timingSafeEqual(k, given));
    if (!ok) {
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    next();
  };
}

/** The Express app without listen(): tests mount it on port 0. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  app.use((req, res, next) => {
    res.locals.requestId = requestIdOf(req, res);
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      const ok = await deps.ready();
      res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready' });
    } catch {
      res.status(503).json({ status: 'not ready' });
    }
  });

  const json = express.json({ limit: '64kb' });
  // Bulk imports and local procedures parse their own (larger) bodies.
  const ownParser = (path: string) => path.endsWith('/import') || path.startsWith('/api/v1/procedures/local');
  app.use((req, res, next) => (ownParser(req.path) ? next() : json(req, res, next)));

  app.get('/', async (req, res) => {
    const commune = await deps.resolveCommune(typeof req.query.commune === 'string' ? req.query.commune : undefined);
    if (!commune) {
      res.status(404).type('text/plain; charset=utf-8').send('Không tìm thấy xã/phường.');
      return;
    }
    res.type('html').send(deps.chatPage(commune));
  });

  app.post('/api/v1/chat', ...webChatLimiters(deps.webChatLimits), async (req, res, next) => {
    try {
      const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
      const commune = await deps.resolveCommune(slug);
      if (!commune) {
        res.status(404).json({ error: 'Không tìm thấy xã/phường.' });
        return;
      }
      const msg = deps.parseWeb(req.body, commune.id);
      const result = await deps.handleChat(msg);
      res.json({
        replies: deps.renderWeb(result.replies),
        lastId: result.outboundIds.length ? Math.max(...result.outboundIds) : undefined,
        duplicate: result.duplicate || undefined,
      });
    } catch (error) {
      next(error);
    }
  });

  app.get('/api/v1/chat/updates', ...webChatLimiters(deps.webChatLimits, 3), async (req, res, next) => {
    try {
      const sessionId = String(req.query.sessionId ?? '');
      const after = Number(req.query.after ?? 0);
      if (!WEB_SESSION_ID.test(sessionId) || !Number.isSafeInteger(after) || after < 0) {
        res.status(422).json({ error: 'sessionId and after are required' });
        return;
      }
      const commune = await deps.resolveCommune(typeof req.query.commune === 'string' ? req.query.commune : undefined);
      if (!commune) {
        res.status(404).json({ error: 'Không tìm thấy xã/phường.' });
        return;
      }
      const rows = await deps.chatUpdates(commune.id, sessionId, Math.floor(after));
      res.json({
        messages: rows.map((r) => ({ id: r.id, ...(deps.renderWeb([r.reply])[0] as object) })),
      });
    } catch (error) {
      next(error);
    }
  });

  for (const router of deps.routers) app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  // One error map for HTTP: validation -> 4xx with field errors; body parser errors -> 4xx; others -> 500 logged.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string;
    if (err instanceof ValidationError) {
      res.status(err.status).json({ error: err.message, fieldErrors: err.fieldErrors });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e?.type === 'entity.parse.failed') {
      res.status(400).json({ error: 'Nội dung gửi lên không phải JSON hợp lệ.' });
      return;
    }
    if (e?.type === 'entity.too.large') {
      res.status(413).json({ error: 'Tin nhắn quá dài. Anh/chị vui lòng rút gọn nội dung.' });
      return;
    }
    if (e?.status && e.status >= 400 && e.status < 500) {
      res.status(e.status).json({ error: e.message ?? 'bad request' });
      return;
    }
    deps.log.error({ requestId, err: errInfo(err) }, 'request failed');
    res.status(500).json({
      error: 'Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau.',
      requestId,
    });
  });

  return app;
}
