import { timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { phoneDigitsHmac } from './phone.js';
import * as repo from './repo.js';
import type { DossierRow } from './repo.js';
import type { DossierServiceDeps } from './service.js';

// A resident proves they may see a dossier with the last four digits of its phone number, within limits.

export const VERIFY_LIMITS = {
  perResident: { max: 5, windowMs: 60 * 60_000 },
  perCode: { max: 5, windowMs: 24 * 60 * 60_000 },
  /** A verified chat may see the dossier again without the digits for this long. */
  accessMs: 30 * 60_000,
} as const;

/**
 * `scope` says which limit holds: `resident` (this chat or account guessed too often; nothing but time lifts
 * it) or `code` (too many unverified guesses on this code by anyone: it blocks only typed digits, never a
 * phone number the platform vouches for, and staff can lift it).
 */
export type LockState = { locked: false; remaining: number } | { locked: true; until: Date; scope: 'resident' | 'code' };

/** Who is trying, on which code, and whether the phone they offer is vouched for by the platform. */
export interface VerificationQuery {
  communeId: number;
  channel: string;
  userId: string;
  code?: string;
  now: Date;
  /** The attempt uses the account's own phone as the platform shared it (`SharedContact.verified`). */
  verified?: boolean;
}

/**
 * Is this resident or this code (existing or not) locked out right now, for this kind of attempt? The per-code
 * limit counts unverified failures by anyone since the last staff unlock, and applies neither to a verified
 * contact nor to a resident who verified this code before: a stranger's guesses cannot lock out the resident
 * whose phone the platform vouches for. Both probes run on every call, so an existing and a missing code cost
 * the same statements.
 */
export async function verificationLock(db: Db, q: VerificationQuery): Promise<LockState> {
  const r = await repo.residentFailures(db, {
    communeId: q.communeId,
    channel: q.channel,
    userId: q.userId,
    since: new Date(q.now.getTime() - VERIFY_LIMITS.perResident.windowMs),
  });
  let remaining = VERIFY_LIMITS.perResident.max - r.count;
  if (r.count >= VERIFY_LIMITS.perResident.max && r.oldest) {
    return { locked: true, until: new Date(r.oldest.getTime() + VERIFY_LIMITS.perResident.windowMs), scope: 'resident' };
  }
  if (q.code) {
    const c = await repo.codeAttempts(db, {
      communeId: q.communeId,
      code: q.code,
      since: new Date(q.now.getTime() - VERIFY_LIMITS.perCode.windowMs),
      channel: q.channel,
      userId: q.userId,
    });
    if (!q.verified && !c.verifiedBefore) {
      if (c.count >= VERIFY_LIMITS.perCode.max && c.oldest) {
        return { locked: true, until: new Date(c.oldest.getTime() + VERIFY_LIMITS.perCode.windowMs), scope: 'code' };
      }
      remaining = Math.min(remaining, VERIFY_LIMITS.perCode.max - c.count);
    }
  }
  return { locked: false, remaining };
}

export type VerifyResult =
  | { ok: true; dossier: DossierRow }
  /** `failed`: this attempt was wrong and used the last try; otherwise the lock was already on. */
  | { ok: false; locked: true; until: Date; scope: 'resident' | 'code'; failed: boolean }
  | { ok: false; locked: false; remaining: number };

/**
 * Check the last four phone digits for a code. "No such code" and "wrong
 * digits" are the same outcome, counted the same way, answered the same way,
 * and reached through the same statements and the same comparison, so neither
 * the reply nor its timing tells which codes exist. Attempts are counted per
 * resident per hour and, for typed digits, per code per day (see
 * {@link verificationLock}).
 */
export async function verifyDossierAccess(
  db: Db,
  q: VerificationQuery & { code: string; digits: string },
  deps: Pick<DossierServiceDeps, 'phoneKey'>,
): Promise<VerifyResult> {
  await repo.lockCodeForVerification(db, q.communeId, q.code);
  const lock = await verificationLock(db, q);
  if (lock.locked) return { ok: false, locked: true, until: lock.until, scope: lock.scope, failed: false };
  const stored = await repo.phoneHmacOf(db, q.communeId, q.code);
  const match = digitsMatch(stored, phoneDigitsHmac(deps.phoneKey, q.communeId, q.code, q.digits));
  await repo.insertAttempt(db, {
    communeId: q.communeId,
    code: q.code,
    channel: q.channel,
    userId: q.userId,
    success: match,
    at: q.now,
  });
  const dossier = match ? await repo.findDossierByCode(db, q.communeId, q.code) : undefined;
  if (dossier) return { ok: true, dossier };
  const after = await verificationLock(db, q);
  if (after.locked) return { ok: false, locked: true, until: after.until, scope: after.scope, failed: true };
  return { ok: false, locked: false, remaining: after.remaining };
}

/** One constant-time comparison whether or not a hash is stored (a missing code is compared with zeros). */
export function digitsMatch(storedHex: string | undefined, givenHex: string): boolean {
  const given = Buffer.from(givenHex, 'hex');
  const stored = storedHex === undefined ? undefined : Buffer.from(storedHex, 'hex');
  const usable = stored !== undefined && stored.length === given.length;
  const equal = timingSafeEqual(usable ? stored : Buffer.alloc(given.length), given);
  return equal && usable;
}

export interface UnlockResult {
  /** Unverified failures that counted towards the code's lock and no longer do. */
  cleared: number;
  /** Whether the code was locked for typed digits before the unlock. */
  wasLocked: boolean;
}

/**
 * Staff lift a code's lock (a resident called: strangers' guesses locked their dossier). Earlier failures stay
 * recorded but stop counting; the per-resident limits are untouched (they lock only the guesser). Audited with
 * the count, never the residents who guessed.
 */
export async function unlockDossierVerification(
  db: Db,
  q: { communeId: number; code: string; actor: string; now: Date },
): Promise<UnlockResult> {
  return db.transaction(async (tx) => {
    await repo.lockCodeForVerification(tx, q.communeId, q.code);
    const before = await repo.codeAttempts(tx, {
      communeId: q.communeId,
      code: q.code,
      since: new Date(q.now.getTime() - VERIFY_LIMITS.perCode.windowMs),
      channel: repo.STAFF_UNLOCK_CHANNEL,
      userId: q.actor,
    });
    await repo.insertAttempt(tx, {
      communeId: q.communeId,
      code: q.code,
      channel: repo.STAFF_UNLOCK_CHANNEL,
      userId: q.actor,
      success: true,
      at: q.now,
    });
    await repo.writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'dossier.verification_unlocked',
      subject: q.code,
      details: { cleared: before.count, wasLocked: before.count >= VERIFY_LIMITS.perCode.max },
    });
    return { cleared: before.count, wasLocked: before.count >= VERIFY_LIMITS.perCode.max };
  });
}
