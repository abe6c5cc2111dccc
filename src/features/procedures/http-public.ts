/**
 * The public side of the procedures API: one procedure as the commune
 * presents it, and its printable A4 poster with QR codes.
 *
 *   GET /api/v1/procedures/:code   the record with the commune's own information applied
 *   GET /posters/:code             the poster (only when the deps give poster links)
 *
 * `/api/v1/procedures/search` is not served here: GET /:code passes anything
 * that is not a procedure code on to the next router.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { sendHtmlPage } from '../../core/html-page.js';
import { PUBLIC_LIMITS, publicRateLimit } from '../../core/rate-limit.js';
import { PROCEDURE_CODE } from './fields.js';
import { codeParam, codeParams, notFound, type ProceduresApiDeps } from './http-common.js';
import { buildPosterLinks, renderPosterHtml } from './poster.js';
import { findCommune } from './repo.js';
import { getProcedure } from './service.js';

export function createPublicProcedureRoutes(deps: ProceduresApiDeps): express.Router {
  const router = express.Router();
  const { db } = deps;
  const communeOf = async (req: Request) => deps.resolveCommuneId(req);

  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/procedures/:code',
      summary: 'One procedure as this commune presents it',
      tags: ['procedures'],
      auth: 'public',
      params: codeParams,
      query: z.object({ commune: z.string().optional() }),
      responses: {
        200: {
          description: 'The procedure with the commune’s own information applied.',
          schema: z.looseObject({ code: z.string(), name: z.string() }),
        },
        404: { description: 'No such procedure.' },
      },
    },
    publicRateLimit(PUBLIC_LIMITS.read),
    async (req, res, _input, next) => {
      const code = codeParam(req);
      if (!PROCEDURE_CODE.test(code)) return next(); // e.g. /search, served by another router
      const procedure = await getProcedure(db, await communeOf(req), code);
      if (!procedure) return notFound(res, code);
      res.json(procedure);
    },
  );

  if (deps.posterLinks) {
    const posterLinks = deps.posterLinks;
    const wrap =
      (fn: (req: Request, res: Response, next: NextFunction) => Promise<void>): RequestHandler =>
      (req, res, next) => {
        fn(req, res, next).catch(next);
      };
    router.get(
      '/posters/:code',
      publicRateLimit(PUBLIC_LIMITS.poster, 'text'),
      wrap(async (req, res) => {
        const code = codeParam(req);
        const communeId = await communeOf(req);
        const procedure = PROCEDURE_CODE.test(code) ? await getProcedure(db, communeId, code) : undefined;
        const commune = await findCommune(db, communeId);
        if (!procedure || !commune) {
          res.status(404).type('text/plain; charset=utf-8').send(`Không tìm thấy thủ tục có mã ${code}.`);
          return;
        }
        const links = buildPosterLinks(await posterLinks(communeId), procedure.code);
        sendHtmlPage(res, await renderPosterHtml({ procedure, commune, links }));
      }),
    );
  }

  return router;
}
