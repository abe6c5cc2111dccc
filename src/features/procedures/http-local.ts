/**
 * The commune's own procedures through the API (code `local.<slug>`), the
 * same rules as the console's form.
 *
 *   POST   /api/v1/procedures/local         create
 *   PUT    /api/v1/procedures/local/:slug   replace
 *   DELETE /api/v1/procedures/local/:slug   delete, with its override and aliases
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { validTextReviver } from '../../core/text-input.js';
import { PROCEDURE_CODE } from './fields.js';
import { actorOf, notFound, staffRoute, type ProceduresApiDeps } from './http-common.js';
import { deleteLocalProcedure } from './local-removal.js';
import { localBody, toLocalInput } from './local-schema.js';
import { buildLocalProcedure, getProcedure, saveLocalProcedure } from './service.js';

const slugParams = z.object({ slug: z.string().describe('The slug of local.<slug> (the prefix may be included).') });
const localSaved = z.object({ code: z.string(), procedure: z.looseObject({ code: z.string(), name: z.string() }) });

export function createLocalProcedureRoutes(deps: ProceduresApiDeps): express.Router {
  const router = express.Router();
  const { db, requireStaff } = deps;
  const communeOf = async (req: Request) => deps.resolveCommuneId(req);

  apiRoute(
    router,
    {
      ...staffRoute,
      method: 'post',
      path: '/api/v1/procedures/local',
      summary: 'Create a procedure of the commune (its code: local.<slug>)',
      body: localBody,
      invalid: { status: 422 },
      responses: {
        201: { description: 'Created.', schema: localSaved },
        409: { description: 'A procedure with this code exists; use PUT to change it.' },
      },
    },
    requireStaff('procedures'),
    express.json({ limit: '256kb', reviver: validTextReviver }),
    async (req, res, { body }) => {
      const input = toLocalInput(body);
      const communeId = await communeOf(req);
      const code = buildLocalProcedure(input).code;
      if (await getProcedure(db, communeId, code)) {
        res.status(409).json({ error: `Thủ tục ${code} đã có; dùng PUT để sửa.`, code });
        return;
      }
      const { procedure } = await saveLocalProcedure(db, communeId, input, actorOf(req));
      res.status(201).json({ code: procedure.code, procedure });
    },
  );

  apiRoute(
    router,
    {
      ...staffRoute,
      method: 'put',
      path: '/api/v1/procedures/local/:slug',
      summary: 'Replace a procedure of the commune',
      params: slugParams,
      body: localBody,
      invalid: { status: 422 },
      responses: {
        200: { description: 'Saved.', schema: localSaved },
        404: { description: 'No such procedure of the commune.' },
      },
    },
    requireStaff('procedures'),
    express.json({ limit: '256kb', reviver: validTextReviver }),
    async (req, res, { body }) => {
      const slug = String(req.params.slug ?? '').replace(/^local\./, '');
      const communeId = await communeOf(req);
      const code = `local.${slug}`;
      if (!PROCEDURE_CODE.test(code) || !(await getProcedure(db, communeId, code))) return notFound(res, code);
      const { procedure } = await saveLocalProcedure(db, communeId, { ...toLocalInput(body), slug }, actorOf(req));
      res.json({ code: procedure.code, procedure });
    },
  );

  apiRoute(
    router,
    {
      ...staffRoute,
      method: 'delete',
      path: '/api/v1/procedures/local/:slug',
      summary: 'Delete a procedure of the commune',
      params: slugParams,
      responses: { 204: { description: 'Deleted.' }, 404: { description: 'No such procedure of the commune.' } },
    },
    requireStaff('procedures'),
    async (req, res) => {
      const code = `local.${String(req.params.slug ?? '').replace(/^local\./, '')}`;
      const deleted = await deleteLocalProcedure(db, { communeId: await communeOf(req), code, actor: actorOf(req) });
      if (!deleted) return notFound(res, code);
      res.status(204).end();
    },
  );

  return router;
}
