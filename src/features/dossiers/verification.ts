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

export type LockState = { locked: false; remaining: number } | { locked: true; until: Date };

/** Is this resident or this code (existing or not) locked out right now? */
export async function verificationLock(
  db: Db,
  q: { communeId: number; channel: string; userId: string; code?: string; now: Date },
): Promise<LockState> {
  const r = await repo.residentFailures(db, {
    communeId: q.communeId,
    channel: q.channel,
    userId: q.userId,
    since: new Date(q.now.getTime() - VERIFY_LIMITS.perResident.windowMs),
  });
  const untils: Date[] = [];
  if (r.count >= VERIFY_LIMITS.perResident.max && r.oldest) {
    untils.push(new Date(r.oldest.getTime() + VERIFY_LIMITS.perResident.windowMs));
  }
  let remaining = VERIFY_LIMITS.perResident.max - r.count;
  if (q.code) {
    const c = await repo.codeFailures(db, {
      communeId: q.communeId,
      code: q.code,
      since: new Date(q.now.getTime() - VERIFY_LIMITS.perCode.windowMs),
    });
    if (c.count >= VERIFY_LIMITS.perCode.max && c.oldest) {
      untils.push(new Date(c.oldest.getTime() + VERIFY_LIMITS.perCode.windowMs));
    }
    remaining = Math.min(remaining, VERIFY_LIMITS.perCode.max - c.count);
  }
  if (untils.length) return { locked: true, until: new Date(Math.max(...untils.map((u) => u.getTime()))) };
  return { locked: false, remaining };
}

export type VerifyResult =
  | { ok: true; dossier: DossierRow }
  /** `failed`: this attempt was wrong and used the last try; otherwise the lock was already on. */
  | { ok: false; locked: true; until: Date; failed: boolean }
  | { ok: false; locked: false; remaining: number };

const DUMMY_HMAC = '0'.repeat(64);

/**
 * Check the last four phone digits for a code. "No such code" and "wrong
 * digits" are the same outcome, counted the same way (per resident per hour,
 * per code per day), so replies cannot be used to discover which codes exist.
 */
export async function verifyDossierAccess(
  db: Db,
  q: { communeId: number; channel: string; userId: string; code: string; digits: string; now: Date },
  deps: Pick<DossierServiceDeps, 'phoneKey'>,
): Promise<VerifyResult> {
  await repo.lockCodeForVerification(db, q.communeId, q.code);
  const lock = await verificationLock(db, q);
  if (lock.locked) return { ok: false, locked: true, until: lock.until, failed: false };
  const dossier = await repo.findDossierByCode(db, q.communeId, q.code);
  const given = Buffer.from(phoneDigitsHmac(deps.phoneKey, q.communeId, q.code, q.digits), 'hex');
  const expected = Buffer.from(dossier?.phoneLast4Hmac ?? DUMMY_HMAC, 'hex');
  const match = Boolean(dossier) && expected.length === given.length && timingSafeEqual(expected, given);
  await repo.insertAttempt(db, {
    communeId: q.communeId,
    code: q.code,
    channel: q.channel,
    userId: q.userId,
    success: match,
    at: q.now,
  });
  if (match && dossier) return { ok: true, dossier };
  const after = await verificationLock(db, q);
  if (after.locked) return { ok: false, locked: true, until: after.until, failed: true };
  return { ok: false, locked: false, remaining: after.remaining };
}
