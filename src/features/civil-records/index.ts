import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../../pipeline/context.js';
import { createCivilRecordsConsole } from './console.js';
import { civilState, register } from './handlers.js';
import { createCivilRecordsApi, type CivilRecordsApiDeps } from './http.js';
import { createPublicRoutes } from './public-routes.js';

export { START_ACTION as CIVIL_RECORD_REQUEST_ACTION, isCopyRequestPhrase } from './handlers.js';
export { insertRecords, approveRequest, rejectRequest, recordPayment, revokeCopies } from './service.js';
export { validateRecordFile, printedFields } from './records.js';
export { eraseExpiredRequestData, eraseRequestData } from './access.js';
export { DEMO_RECORD_ROWS } from './demo-records.js';

/** What the civil-records module needs from the application. */
export type CivilRecordsModuleDeps = CivilRecordsApiDeps;

/**
 * Copies of civil-status extracts (issue 16, procedure 2.000635): a resident
 * asks in the chat (record, relationship, CCCD, phone, copies, delivery, fee,
 * consent) and gets a BS- code; staff review it in the console or the API
 * against the commune's registrations and approve or reject; the approved
 * copy is a PDF with a QR code to `/verify/<token>`, delivered through the
 * outbox as a file or a one-time link. Nothing in the chat reveals whether a
 * registration exists.
 */
export const civilRecordsModule: FeatureModule<AppContext, CivilRecordsModuleDeps> = {
  name: 'civil-records',
  state: [civilState],
  register: (router) => register(router),
  routes: (deps) => [createPublicRoutes(deps), createCivilRecordsApi(deps)],
  console: (deps) => createCivilRecordsConsole(deps),
};
