import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { staffAccounts } from '../db/schema/index.js';
import { LOCK_AFTER_FAILURES, LOCK_MS, type StaffAccount } from './accounts.js';
import { matchTotp, openSecret, sealSecret, storedAad } from './totp.js';

/**
 * Accept a code once: the step is recorded only if it is newer than the last
 * accepted one, in the same statement, so two requests with one code cannot
 * both pass.
 */
async function claimStep(db: Db, staffId: number, step: number): Promise<boolean> {
  const rows = await db
    .update(staffAccounts)
    .set({ totpLastStep: step })
    .where(and(eq(staffAccounts.id, staffId), or(isNull(staffAccounts.totpLastStep), lt(staffAccounts.totpLastStep, step))))
    .returning({ id: staffAccounts.id });
  return rows.length > 0;
}

/** The account's plain TOTP secret, or undefined when it has none (or it cannot be read with this data secret). */
export function storedTotpSecret(dataSecret: string, account: StaffAccount): string | undefined {
  return account.totpSecret ? openSecret(dataSecret, account.totpSecret, storedAad(account.id)) : undefined;
}

/** Switch the second factor on, once the first code from the app proves the secret was saved. */
export async function enableTotp(
  db: Db,
  dataSecret: string,
  staffId: number,
  plainSecret: string,
  code: string,
  now = Date.now(),
): Promise<boolean> {
  const step = matchTotp(plainSecret, code, { now });
  if (step === undefined) return false;
  await db
    .update(staffAccounts)
    .set({ totpSecret: sealSecret(dataSecret, plainSecret, storedAad(staffId)), totpLastStep: step })
    .where(eq(staffAccounts.id, staffId));
  return true;
}

/** Check a code of the account's app (and spend it); used to switch the factor off. */
export async function checkTotpCode(
  db: Db,
  dataSecret: string,
  account: StaffAccount,
  code: string,
  now = Date.now(),
): Promise<boolean> {
  const plain = storedTotpSecret(dataSecret, account);
  if (!plain) return false;
  const step = matchTotp(plain, code, { now, lastStep: account.totpLastStep });
  return step !== undefined && (await claimStep(db, account.id, step));
}

/** Switch the second factor off (by the member with a code, or by an admin for a colleague who lost the phone). */
export async function disableTotp(db: Db, staffId: number): Promise<void> {
  await db.update(staffAccounts).set({ totpSecret: null, totpLastStep: null }).where(eq(staffAccounts.id, staffId));
}

export type TotpLoginResult = { ok: true } | { ok: false; reason: 'invalid' | 'locked'; lockedUntil?: Date };

/**
 * The second step of a sign-in. Wrong codes count towards the same short
 * pause as wrong passwords (whoever types them already has the password), and
 * only the right code clears the count.
 */
export async function checkTotpLogin(
  db: Db,
  dataSecret: string,
  account: StaffAccount,
  code: string,
  now = new Date(),
): Promise<TotpLoginResult> {
  if (account.lockedUntil && account.lockedUntil > now) return { ok: false, reason: 'locked', lockedUntil: account.lockedUntil };
  if (await checkTotpCode(db, dataSecret, account, code, now.getTime())) {
    await db.update(staffAccounts).set({ failedLogins: 0, lockedUntil: null }).where(eq(staffAccounts.id, account.id));
    return { ok: true };
  }
  const failures = account.failedLogins + 1;
  const locks = failures % LOCK_AFTER_FAILURES === 0;
  const lockedUntil = locks ? new Date(now.getTime() + LOCK_MS) : account.lockedUntil;
  await db.update(staffAccounts).set({ failedLogins: failures, lockedUntil }).where(eq(staffAccounts.id, account.id));
  return locks ? { ok: false, reason: 'locked', lockedUntil: lockedUntil! } : { ok: false, reason: 'invalid' };
}
