import express, { type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { apiRoute, type ApiRouteSpec } from '../../core/api-route.js';
import { sendHtmlPage } from '../../core/html-page.js';
import type { InboundMessage, Reply } from '../../core/types.js';
import { renderWebReplies, webChatBody, webChatMessage } from './index.js';
import { renderChatPage } from './page.js';
import { createWebChatPhotoRoute, type WebChatPhotoDeps } from './photo-route.js';
import type { WebChatSecurity, WebSession } from './session.js';

/** What the web chat's routes need from the application. */
export interface WebChatRoutesDeps {
  /** Resolve the commune (tenant) of a web request: `?commune=slug` or the default. */
  resolveCommune: (slug: string | undefined) => Promise<{ id: number; slug: string; name: string } | undefined>;
  /** Ingest + process synchronously: the page waits for its answer in the response. */
  handleChat: (msg: InboundMessage) => Promise<{ replies: Reply[]; outboundIds: number[]; duplicate: boolean }>;
  /** Replies pushed to a web chat session after `afterId` (notifications, staff answers). */
  chatUpdates: (communeId: number, sessionId: string, afterId: number) => Promise<{ id: number; reply: Reply }[]>;
  /** Flood limits per minute (WEB_CHAT_MESSAGES_PER_MINUTE, …_PER_IP). */
  limits: { perSession: number; perIp: number };
  /** The session key and the limits (`setupWebChatSecurity`, run by `setupChannels`). */
  security: WebChatSecurity;
  /** Photo uploads for residents' reports (`POST /api/v1/chat/photo`); absent: no upload, no photo button. */
  photos?: WebChatPhotoDeps;
}

const TOO_FAST = 'Anh/chị gửi tin nhắn hơi nhanh. Vui lòng đợi khoảng một phút rồi gửi tiếp nhé.';
const TOO_MANY_SESSIONS = 'Có quá nhiều phiên trò chuyện mới từ địa chỉ mạng này. Anh/chị vui lòng thử lại sau ít phút.';
const TOO_MANY_VERIFICATIONS =
  'Để bảo vệ thông tin hồ sơ, việc tra cứu từ địa chỉ mạng này tạm dừng do có nhiều lần nhập mã hoặc số điện thoại. ' +
  'Anh/chị vui lòng thử lại sau một giờ, hoặc liên hệ bộ phận một cửa của xã để được hỗ trợ.';
/** Shown by API clients; the page itself asks for a new session and resends. */
export const SESSION_REFUSED =
  'Phiên trò chuyện không hợp lệ hoặc đã hết hạn. Anh/chị vui lòng tải lại trang để bắt đầu phiên mới.';

/** The verified session of this request (set by `withSession`), if its token is valid. */
function sessionOf(res: Response): WebSession | undefined {
  return res.locals.webSession as WebSession | undefined;
}

/** Reads the token from the body (POST) or the query (GET) and keeps the session if its signature holds. */
function withSession(security: WebChatSecurity): RequestHandler {
  return (req, res, next) => {
    const token = req.method === 'GET' ? req.query.sessionId : (req.body as { sessionId?: unknown } | undefined)?.sessionId;
    res.locals.webSession = security.sessions.verify(token);
    next();
  };
}

function refuseSession(res: Response): void {
  res.status(401).json({ error: SESSION_REFUSED, code: 'session_invalid' });
}

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
  return [
    rateLimit({
      ...common,
      limit: limits.perSession * factor,
      // A request without a valid signed session is refused anyway; it counts against its IP.
      keyGenerator: (req, res) => {
        const session = sessionOf(res);
        return session ? `s:${session.chatId}` : `ip:${ipKey(req)}`;
      },
    }),
    rateLimit({ ...common, limit: limits.perIp * factor, keyGenerator: ipKey }),
  ];
}

/**
 * Whether a chat message could take part in a dossier verification: four digits in a row once spaces, dots,
 * dashes and brackets are removed (a receipt code, a phone number, the last four digits of one), the same
 * compaction the dossier feature applies to an answer. The route cannot know whether a verification is
 * pending (that is in the conversation state, inside the pipeline), and the neutral message has no place for
 * the client's address, so the per-address bound is put on every message that could be one.
 */
export function mayCarryVerification(body: unknown): boolean {
  const text = (body as { text?: unknown } | undefined)?.text;
  return typeof text === 'string' && /\d{4}/.test(text.replace(/[\s.\-()]/g, ''));
}

/**
 * Messages that could carry a dossier verification, per address and hour, all sessions together: with
 * sessions free to obtain, this is what bounds guessing last-four digits from one address.
 */
function verificationLimiter(perHour: number): RequestHandler {
  return rateLimit({
    windowMs: 3_600_000,
    limit: perHour,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => !mayCarryVerification(req.body),
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (_req: Request, res: Response) => {
      res.status(429).json({ error: TOO_MANY_VERIFICATIONS });
    },
  });
}

const commune = z.string().optional().describe('The commune (slug) on a shared platform; default: the main one.');
const webReply = z.looseObject({
  text: z.string(),
  buttons: z.array(z.object({ label: z.string(), action: z.string().optional(), url: z.string().optional() })).optional(),
  requestImage: z.boolean().optional(),
});
const chat: Pick<ApiRouteSpec, 'tags' | 'auth'> = { tags: ['web chat'], auth: 'public' };
const refused = { 401: { description: 'The session is not one this server issued, or it expired.' } };
const tooFast = { 429: { description: 'Too many requests from this session or address.' } };

/**
 * The web chat's HTTP side: the chat page (`/`, `?commune=<slug>` on a shared
 * platform), `POST /api/v1/chat` answered in the response, and
 * `GET /api/v1/chat/updates` for what arrives later. Mounted after the app's
 * JSON body parser.
 */
export function createWebChatRoutes(deps: WebChatRoutesDeps): express.Router {
  const { security } = deps;
  const router = express.Router();
  const session = withSession(security);

  router.get('/', async (req, res) => {
    const commune = await deps.resolveCommune(typeof req.query.commune === 'string' ? req.query.commune : undefined);
    if (!commune) {
      res.status(404).type('text/plain; charset=utf-8').send('Không tìm thấy xã/phường.');
      return;
    }
    sendHtmlPage(res, renderChatPage({ communeName: commune.name, communeSlug: commune.slug, photos: Boolean(deps.photos) }));
  });

  // A new signed session: the page asks for one when it has none, or when its stored one is refused.
  apiRoute(
    router,
    {
      ...chat,
      method: 'post',
      path: '/api/v1/chat/session',
      summary: 'A new signed chat session',
      description: 'The page asks for one when it has none, or when its stored one is refused.',
      responses: {
        200: {
          description: 'The session token, sent back as `sessionId`.',
          schema: z.object({ sessionId: z.string(), issuedAt: z.iso.datetime(), expiresAt: z.iso.datetime() }),
        },
        429: { description: 'Too many new sessions from this address.' },
      },
    },
    rateLimit({
      windowMs: 3_600_000,
      limit: security.sessionsPerHourPerIp,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? 'unknown'),
      handler: (_req: Request, res: Response) => {
        res.status(429).json({ error: TOO_MANY_SESSIONS });
      },
    }),
    (_req, res) => {
      const s = security.sessions.issue();
      res.set('Cache-Control', 'no-store');
      res.json({ sessionId: s.token, issuedAt: s.issuedAt.toISOString(), expiresAt: s.expiresAt.toISOString() });
    },
  );

  if (deps.photos) {
    const handlers = createWebChatPhotoRoute({
      ...deps.photos,
      security,
      resolveCommune: deps.resolveCommune,
      handleChat: deps.handleChat,
    });
    const last = handlers[handlers.length - 1];
    apiRoute(
      router,
      {
        ...chat,
        method: 'post',
        path: '/api/v1/chat/photo',
        summary: 'A photo for the report the resident is writing',
        description:
          'The body is the file itself (JPEG, PNG or WebP; the content decides, not the declared type); the ' +
          'session goes in the `X-Chat-Session` header. Answered as `POST /api/v1/chat` is.',
        query: z.object({ commune }),
        bodyMediaTypes: ['image/jpeg', 'image/png', 'image/webp'],
        responses: {
          200: { description: 'The replies.', schema: z.looseObject({ replies: z.array(webReply) }) },
          ...refused,
          413: { description: 'Larger than the limit.' },
          422: { description: 'Not a photo, or a damaged one.' },
          ...tooFast,
        },
      },
      ...handlers.slice(0, -1),
      (req, res, _input, next) => last(req, res, next),
    );
  }

  const verifications = verificationLimiter(security.verificationsPerHourPerIp);
  apiRoute(
    router,
    {
      ...chat,
      method: 'post',
      path: '/api/v1/chat',
      summary: 'A message or a button press from the web chat, answered in the response',
      description: 'Later replies (notifications, staff answers) are fetched with `GET /api/v1/chat/updates`.',
      query: z.object({ commune }),
      body: webChatBody,
      invalid: { status: 422, error: 'invalid chat request' },
      responses: {
        200: {
          description: 'The replies; `lastId` is where the updates continue; `duplicate` for a resent messageId.',
          schema: z.object({
            replies: z.array(webReply),
            lastId: z.number().int().optional(),
            duplicate: z.literal(true).optional(),
          }),
        },
        ...refused,
        404: { description: 'Unknown commune.' },
        ...tooFast,
      },
    },
    session,
    ...webChatLimiters(deps.limits),
    verifications,
    async (req, res, { body }, next) => {
      try {
        const verified = sessionOf(res);
        if (!verified) {
          refuseSession(res);
          return;
        }
        const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
        const commune = await deps.resolveCommune(slug);
        if (!commune) {
          res.status(404).json({ error: 'Không tìm thấy xã/phường.' });
          return;
        }
        const msg = webChatMessage(body, verified, commune.id);
        const result = await deps.handleChat(msg);
        res.json({
          replies: renderWebReplies(result.replies),
          lastId: result.outboundIds.length ? Math.max(...result.outboundIds) : undefined,
          duplicate: result.duplicate || undefined,
        });
      } catch (error) {
        next(error);
      }
    },
  );

  apiRoute(
    router,
    {
      ...chat,
      method: 'get',
      path: '/api/v1/chat/updates',
      summary: 'Replies that reached this chat session after `after` (polled by the page)',
      query: z.object({
        sessionId: z.string().min(1).describe('The signed session.'),
        after: z.coerce.number().int().min(0).optional().describe('The last id the page has (default 0).'),
        commune,
      }),
      invalid: { status: 422, error: 'sessionId and after are required' },
      responses: {
        200: {
          description: 'The replies, oldest first.',
          schema: z.object({ messages: z.array(webReply.extend({ id: z.number().int() })) }),
        },
        ...refused,
        404: { description: 'Unknown commune.' },
        ...tooFast,
      },
    },
    session,
    ...webChatLimiters(deps.limits, 3),
    async (req, res, { query }, next) => {
      try {
        const after = query.after ?? 0;
        const verified = sessionOf(res);
        if (!verified) {
          refuseSession(res);
          return;
        }
        const commune = await deps.resolveCommune(typeof req.query.commune === 'string' ? req.query.commune : undefined);
        if (!commune) {
          res.status(404).json({ error: 'Không tìm thấy xã/phường.' });
          return;
        }
        const rows = await deps.chatUpdates(commune.id, verified.chatId, Math.floor(after));
        res.json({
          messages: rows.map((r) => ({ id: r.id, ...(renderWebReplies([r.reply])[0] as object) })),
        });
      } catch (error) {
        next(error);
      }
    },
  );

  return router;
}
