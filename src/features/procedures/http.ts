/**
 * Procedures REST API and QR posters: three routers by job, mounted in this
 * order (the local routes before the override ones, so `PUT /local/:slug`
 * wins over `PUT /:code/override` as it always has), with one error map.
 *
 *   http-local.ts      POST/PUT/DELETE /api/v1/procedures/local[/:slug]       staff: the commune's own procedures
 *   http-overrides.ts  PUT/DELETE /api/v1/procedures/:code/override,
 *                      POST /api/v1/procedures/overrides/import                staff: the commune's own information
 *   http-public.ts     GET /api/v1/procedures/:code, GET /posters/:code        public
 */
import express from 'express';
import { httpErrors } from '../../core/http-errors.js';
import type { ProceduresApiDeps } from './http-common.js';
import { createLocalProcedureRoutes } from './http-local.js';
import { createOverrideRoutes } from './http-overrides.js';
import { createPublicProcedureRoutes } from './http-public.js';

export type { ProceduresApiDeps } from './http-common.js';
export { PROCEDURE_CODE } from './fields.js';
export { overrideFieldNames, overrideForm } from './http-overrides.js';

export function createProceduresApi(deps: ProceduresApiDeps): express.Router {
  const router = express.Router();
  router.use(createLocalProcedureRoutes(deps), createOverrideRoutes(deps), createPublicProcedureRoutes(deps));
  // Errors of these routes, mapped here (by the one HTTP error map) so the router behaves the same wherever it is mounted.
  router.use(httpErrors({ tooLarge: 'Nội dung gửi lên quá lớn.' }));
  return router;
}
