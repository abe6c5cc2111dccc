import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';

/** Public, unauthenticated endpoints per client address and minute (issue 19: no endpoint without a limit). */
export const PUBLIC_LIMITS = {
  /** Procedure search and procedure records: a resident's page asks a few times a minute. */
  read: 120,
  /** Printable posters: CPU-heavier (QR codes), printed by staff a few at a time. */
  poster: 30,
} as const;

/**
 * A per-address limit on a public route, answered with 429 and a Vietnamese message (JSON or text).
 * Counts live in this process's memory; behind several instances each counts its own.
 */
export function publicRateLimit(perMinute: number, kind: 'json' | 'text' = 'json'): RequestHandler {
  const message = 'Anh/chị thao tác quá nhanh. Vui lòng thử lại sau ít phút.';
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req: Request) => ipKeyGenerator(req.ip ?? 'unknown'),
    handler: (_req: Request, res: Response) => {
      if (kind === 'json') res.status(429).json({ error: message });
      else res.status(429).type('text/plain; charset=utf-8').send(message);
    },
  });
}
