import type { Db } from '../../db/client.js';
import type { WorkingCalendar } from './working-days.js';

// The dossier use-cases, one file per job: the accepted input and status rules (dossier-input.ts),
// phone digits (phone.ts), ingestion and notifications (ingestion.ts), and verification (verification.ts).
export { CHANNELS, RESULT_DELIVERY, TRANSITIONS, canTransition, dossierPutSchema, dossierEventSchema } from './dossier-input.js';
export type { DossierPutInput, DossierEventInput } from './dossier-input.js';
export { phoneDigitsHmac, phoneHint } from './phone.js';
export { upsertDossier, recordDossierEvent, type IngestResult, type IngestInput, type EventResult } from './ingestion.js';
export {
  VERIFY_LIMITS,
  unlockDossierVerification,
  verificationLock,
  verifyDossierAccess,
  type LockState,
  type UnlockResult,
  type VerifyResult,
} from './verification.js';

/**
 * Looks up a procedure's name in the catalog (owned by the procedures
 * feature). It receives the caller's database handle: inside a handler or a
 * service transaction that is the transaction, and the lookup must use it.
 */
export type ProcedureNameLookup = (
  procedureCode: string,
  opts: { db: Db; communeId: number },
) => Promise<string | undefined> | string | undefined;

export interface DossierServiceDeps {
  /**
   * Secret for the phone HMAC. Only HMAC(key, commune, code, last 4 digits)
   * is stored. With the key secret, a database leak does not reveal the
   * digits; if the key leaks too, 10,000 candidates per dossier are trivially
   * tried, so the key must live outside the database (environment/secret store).
   */
  phoneKey: string | Buffer;
  procedureName?: ProcedureNameLookup;
  calendar?: WorkingCalendar;
  now?: () => Date;
}
