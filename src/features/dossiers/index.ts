import type { Request, RequestHandler } from 'express';
import type { Permission } from '../../core/staff.js';
import type { FeatureModule } from '../../core/feature.js';
import type { Logger } from '../../core/logger.js';
import type { Router } from '../../core/router.js';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { looksLikeDossierCode } from './code-parser.js';
import { createDossierHandlers, dossierState, isLookupPhrase, isUnfollowPhrase, type DossierChatDeps } from './handlers.js';
import { createDossiersApi } from './http.js';
import { createDossiersConsole } from './console.js';
import type { ProcedureNameLookup } from './service.js';

export { createDossiersApi, type DossiersApiDeps } from './http.js';
export { getDossierStats, type DossierStats } from './stats.js';
export { findDossierByCode } from './repo.js';
export { recordDossierEvent, upsertDossier, type DossierServiceDeps, type ProcedureNameLookup } from './service.js';
export { parseDossierCodes } from './code-parser.js';
export type { DossierChatDeps } from './handlers.js';

/**
 * Dossier tracking in the chat: a receipt code (typed, pasted, or from the
 * QR code) → the last four phone digits → status, next step, promised date;
 * "Theo dõi hồ sơ" to be told about every status change. Register before the
 * procedures feature so a code is not taken for a procedure question.
 */
export function register(router: Router<AppContext>, deps: DossierChatDeps): void {
  const handlers = createDossierHandlers(deps);
  router.action('menu:dossier', handlers.askCode);
  router.action('dossier:cancel', handlers.cancel);
  router.action('dossier:view', handlers.view);
  router.action('dossier:follow', handlers.follow);
  router.action('dossier:unfollow', handlers.unfollow);
  router.flow(handlers.verifyFlow.name, handlers.verifyFlow.handle);
  router.flow(handlers.codeFlow.name, handlers.codeFlow.handle);
  router.hears((text) => isUnfollowPhrase(text), handlers.unfollowPhrase);
  router.hears((text) => looksLikeDossierCode(text), handlers.code);
  router.hears((text) => isLookupPhrase(text), handlers.askCode);
}

/** What the dossiers module needs from the application. */
export interface DossiersModuleDeps {
  /** The root database handle (each request opens its own transaction). */
  db: Db;
  log: Logger;
  /** The installation's data secret: the key of the phone-digit HMAC (see DossierServiceDeps.phoneKey). */
  dataSecret: string;
  /** A procedure's display name for dossier answers (national or the commune's local one). */
  procedureName: ProcedureNameLookup;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Integration key (the admin key works too): the one-stop system's writes. */
  requireIntegration: RequestHandler;
  requireStaff: (permission: Permission) => RequestHandler;
  /** Called after commit with the outbox ids of queued notifications (the delivery worker's kick). */
  deliver: (outboxIds: number[]) => void;
}

/** Dossier tracking: the chat lookup and follow, and the one-stop system's API with staff statistics. */
export const dossiersModule: FeatureModule<AppContext, DossiersModuleDeps> = {
  name: 'dossiers',
  state: [dossierState],
  register: (router, deps) => register(router, { phoneKey: deps.dataSecret, procedureName: deps.procedureName }),
  console: (deps) => createDossiersConsole({ db: deps.db }),
  routes: (deps) => [
    createDossiersApi({
      db: deps.db,
      log: deps.log,
      phoneKey: deps.dataSecret,
      resolveCommuneId: deps.communeOfRequest,
      requireIntegration: deps.requireIntegration,
      requireStaff: deps.requireStaff,
      onOutbox: deps.deliver,
      procedureName: deps.procedureName,
    }),
  ],
};
