import type { Router } from '../../core/router.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { looksLikeDossierCode } from './code-parser.js';
import { FLOW_CODE, FLOW_VERIFY, handlers, isLookupPhrase, isUnfollowPhrase, type DossierChatDeps } from './handlers.js';

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
  router.action('menu:dossier', handlers.askCode);
  router.action('dossier:cancel', handlers.cancel);
  router.action('dossier:view', handlers.view(deps));
  router.action('dossier:follow', handlers.follow(deps));
  router.action('dossier:unfollow', handlers.unfollow);
  router.flow(FLOW_VERIFY, handlers.verifyStep(deps));
  router.flow(FLOW_CODE, handlers.codeStep(deps));
  router.hears((text) => isUnfollowPhrase(text), handlers.unfollowPhrase);
  router.hears((text) => looksLikeDossierCode(text), handlers.code(deps));
  router.hears((text) => isLookupPhrase(text), handlers.askCode);
}
