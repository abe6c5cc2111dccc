import express, { type Request, type RequestHandler } from 'express';
import type { Permission } from '../../core/staff.js';
import type { FeatureModule } from '../../core/feature.js';
import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { procedureState, register } from './handlers.js';
import { createProceduresApi } from './http.js';
import { createProceduresConsole } from './console.js';
import type { PosterLinkBase } from './poster.js';
import { createSearchApi, type ProcedureSearchService } from './search-service.js';
import type { ProcedureReader } from './service.js';

export { register, type ProcedureChatDeps } from './handlers.js';
export { createProceduresApi, type ProceduresApiDeps } from './http.js';
export { createProcedureSearchService, createSearchApi, type ProcedureSearchService } from './search-service.js';
export { createProcedureReader, ensureCatalogLoaded, getProcedure, type ProcedureReader } from './service.js';

/** What the procedures module needs from the application. */
export interface ProceduresModuleDeps {
  db: Db;
  log: Logger;
  /** The per-commune search index (built at start, refreshed after staff edits). */
  search: ProcedureSearchService;
  /** Cached procedure reads, invalidated with the search index after staff edits. */
  procedures: ProcedureReader;
  communeOfRequest: (req: Request) => Promise<number>;
  requireStaff: (permission: Permission) => RequestHandler;
  /** Per-commune link settings for the printable posters. */
  posterLinks: (communeId: number) => Promise<PosterLinkBase>;
}

/**
 * After a staff edit to a commune's procedures (an override, a local
 * procedure), that commune's cached reads and search index are refreshed once
 * the response has gone out, so the next question sees the edit.
 */
function refreshAfterStaffEdits(deps: ProceduresModuleDeps): express.Router {
  const router = express.Router();
  router.use('/api/v1/procedures', (req, res, next) => {
    if (req.method !== 'GET') {
      res.on('finish', () => {
        if (res.statusCode < 300) {
          deps
            .communeOfRequest(req)
            .then((id) => {
              deps.procedures.invalidate(id);
              return deps.search.refreshCommune(id);
            })
            .catch((error) => deps.log.error({ err: errInfo(error) }, 'search refresh failed'));
        }
      });
    }
    next();
  });
  return router;
}

/**
 * Procedure guidance: free-text questions answered from the catalog (the
 * catch-all of the chat, so it is listed last), the search and procedures
 * APIs, staff overrides and local procedures, and the QR posters.
 */
export const proceduresModule: FeatureModule<AppContext, ProceduresModuleDeps> = {
  name: 'procedures',
  state: [procedureState],
  register: (router, deps) =>
    register(router, {
      search: (communeId, q, limit) => deps.search.search(communeId, q, limit),
      getProcedure: deps.procedures.get,
    }),
  console: (deps) => createProceduresConsole(deps),
  routes: (deps) => [
    refreshAfterStaffEdits(deps),
    createSearchApi({ search: deps.search, resolveCommuneId: deps.communeOfRequest }),
    createProceduresApi({
      db: deps.db,
      requireStaff: deps.requireStaff,
      resolveCommuneId: deps.communeOfRequest,
      posterLinks: deps.posterLinks,
    }),
  ],
};
