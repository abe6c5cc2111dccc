import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ValidationError } from '../../core/errors.js';
import type { InboundMessage, Reply } from '../../core/types.js';
import { renderWebReplies } from './index.js';
import type { WebChatSecurity } from './session.js';

/** The header carrying the signed session with a photo (the body is the image itself). */
export const WEB_SESSION_HEADER = 'x-chat-session';

/** What the photo upload needs from the application. */
export interface WebChatPhotoDeps {
  /**
   * Check an uploaded file by its content, clean it and store it; returns the stored name and size. Throws a
   * ValidationError with a Vietnamese message (413 too large, 422 not an image) and writes nothing then.
   */
  storePhoto: (bytes: Buffer) => Promise<{ file: string; size?: number }>;
  /** REPORT_PHOTO_MAX_BYTES. */
  maxBytes: number;
  /** Uploads per hour per session (WEB_CHAT_PHOTOS_PER_HOUR) and per address (…_PER_IP). */
  perSessionPerHour: number;
  perIpPerHour: number;
}

const TOO_MANY = 'Anh/chị đã gửi nhiều ảnh trong thời gian ngắn. Vui lòng đợi một lúc rồi gửi tiếp nhé.';
const NO_FILE = 'Không nhận được ảnh. Anh/chị vui lòng chọn lại ảnh và gửi.';

function limiter(perHour: number, key: (req: Request, res: Response) => string): RequestHandler {
  return rateLimit({
    windowMs: 3_600_000,
    limit: perHour,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: key,
    handler: (_req: Request, res: Response) => {
      res.status(429).json({ error: TOO_MANY });
    },
  });
}

/** The request body, or undefined when it is larger than `max` (announced or read). */
async function bodyAtMost(req: Request, max: number): Promise<Buffer | undefined> {
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > max) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST /api/v1/chat/photo`: a photo for the report the resident is writing.
 * The body is the file itself (any declared type: only its content counts);
 * the signed session comes in the `X-Chat-Session` header and is checked
 * before the body is read; uploads are limited per session and per address
 * over an hour. A file that is not a JPEG, PNG or WebP photo, a corrupt one
 * or one over the size limit is refused with a Vietnamese message (413/422)
 * and nothing is written; a good one is stored cleaned (see the reports
 * feature) and reaches the chat as an image message, whose replies are
 * answered as `POST /api/v1/chat`'s are.
 */
export function createWebChatPhotoRoute(
  deps: WebChatPhotoDeps & {
    security: WebChatSecurity;
    resolveCommune: (slug: string | undefined) => Promise<{ id: number } | undefined>;
    handleChat: (msg: InboundMessage) => Promise<{ replies: Reply[]; outboundIds: number[] }>;
  },
): RequestHandler[] {
  const ipKey = (req: Request) => `photo-ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  const session: RequestHandler = (req, res, next) => {
    const verified = deps.security.sessions.verify(req.headers[WEB_SESSION_HEADER]);
    if (!verified) {
      req.resume();
      res.status(401).json({
        error: 'Phiên trò chuyện không hợp lệ hoặc đã hết hạn. Anh/chị vui lòng tải lại trang.',
        code: 'session_invalid',
      });
      return;
    }
    res.locals.photoChatId = verified.chatId;
    next();
  };
  const upload: RequestHandler = async (req, res, next) => {
    try {
      const chatId = res.locals.photoChatId as string;
      const commune = await deps.resolveCommune(typeof req.query.commune === 'string' ? req.query.commune : undefined);
      if (!commune) {
        req.resume();
        res.status(404).json({ error: 'Không tìm thấy xã/phường.' });
        return;
      }
      const bytes = await bodyAtMost(req, deps.maxBytes);
      if (!bytes) {
        res.set('Connection', 'close');
        res.status(413).json({ error: `Ảnh quá lớn. Anh/chị vui lòng gửi ảnh dưới ${Math.floor(deps.maxBytes / 1048576)} MB.` });
        return;
      }
      if (!bytes.length) {
        res.status(422).json({ error: NO_FILE });
        return;
      }
      let stored: { file: string; size?: number };
      try {
        stored = await deps.storePhoto(bytes);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        res.status(error.status).json({ error: error.message });
        return;
      }
      const result = await deps.handleChat({
        channel: 'web',
        communeId: commune.id,
        chatId,
        userId: chatId,
        externalId: randomUUID(),
        attachments: [{ kind: 'image', fileId: stored.file, size: stored.size, stored: true }],
        receivedAt: new Date(),
      });
      res.json({
        replies: renderWebReplies(result.replies),
        lastId: result.outboundIds.length ? Math.max(...result.outboundIds) : undefined,
      });
    } catch (error) {
      next(error);
    }
  };
  return [
    session,
    limiter(deps.perSessionPerHour, (_req, res) => `photo-s:${String(res.locals.photoChatId)}`),
    limiter(deps.perIpPerHour, ipKey),
    upload,
  ];
}
