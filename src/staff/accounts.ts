import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { STAFF_ROLES, type StaffRole } from '../core/staff.js';
import type { Db } from '../db/client.js';
import { apiKeys, communes, staffAccounts, staffSessions } from '../db/schema/index.js';
import { dummyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js';

/** Consecutive wrong passwords before the account pauses. */
export const LOCK_AFTER_FAILURES = 5;
/**
 * How long the pause lasts. Short on purpose: whoever knows a colleague's
 * username can trigger it, so it only slows guessing (5 tries per 5 minutes),
 * and a browser that has signed in to the account before is not paused at all.
 */
export const LOCK_MS = 5 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export type StaffAccount = typeof staffAccounts.$inferSelect;

export class StaffInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

function checkUsername(username: string): string {
  const u = normalizeUsername(username);
  if (!/^[a-z0-9][a-z0-9._-]{2,39}$/.test(u))
    throw new StaffInputError(
      'Tên đăng nhập gồm 3–40 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.',
      'username',
    );
  return u;
}

export async function createStaffAccount(
  db: Db,
  input: { username: string; password: string; role: string; displayName?: string; communeId: number | null },
): Promise<StaffAccount> {
  const username = checkUsername(input.username);
  if (!STAFF_ROLES.includes(input.role as StaffRole))
    throw new StaffInputError(`Vai trò phải là một trong: ${STAFF_ROLES.join(', ')}.`, 'role');
  const problem = passwordProblem(input.password, username);
  if (problem) throw new StaffInputError(problem, 'password');
  const displayName = (input.displayName ?? '').trim() || username;
  if (displayName.length > 100) throw new StaffInputError('Họ tên dài quá 100 ký tự.', 'displayName');
  const rows = await db
    .insert(staffAccounts)
    .values({
      username,
      displayName,
      role: input.role,
      communeId: input.communeId,
      passwordHash: await hashPassword(input.password),
    })
    .onConflictDoNothing()
    .returning();
  if (!rows[0]) throw new StaffInputError('Tên đăng nhập này đã có người dùng.', 'username');
  return rows[0];
}

export async function findStaff(db: Db, id: number): Promise<StaffAccount | undefined> {
  const [row] = await db.select().from(staffAccounts).where(eq(staffAccounts.id, id));
  return row;
}

/** The staff of one commune (or, for a province administrator, of every commune), by name. */
export async function listStaff(db: Db, communeId: number | null): Promise<StaffAccount[]> {
  return db
    .select()
    .from(staffAccounts)
    .where(communeId === null ? undefined : eq(staffAccounts.communeId, communeId))
    .orderBy(asc(staffAccounts.username));
}

/**
 * A "known device" proof: a browser that signed in to this account before
 * carries it, and the lockout does not apply to it, so a stranger cannot
 * keep a colleague out by typing wrong passwords for her username.
 */
export function deviceProof(secret: string, staffId: number): string {
  return `${staffId}.${createHmac('sha256', secret).update(`staff-device:${staffId}`).digest('base64url')}`;
}

function isKnownDevice(secret: string, staffId: number, proof: string | undefined): boolean {
  if (!proof) return false;
  const expected = Buffer.from(deviceProof(secret, staffId));
  const given = Buffer.from(proof);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type LoginResult =
  | { ok: true; account: StaffAccount; needsTotp: boolean }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled'; lockedUntil?: Date };

/**
 * Check a username and password. A wrong password counts towards the short
 * lockout unless it comes from a known device; an unknown username costs the
 * same time as a wrong password.
 */
export async function checkLogin(
  db: Db,
  input: { username: string; password: string; secret: string; deviceProof?: string; now?: Date },
): Promise<LoginResult> {
  const now = input.now ?? new Date();
  const [account] = await db
    .select()
    .from(staffAccounts)
    .where(eq(staffAccounts.username, normalizeUsername(input.username)));
  if (!account) {
    await verifyPassword(input.password, await dummyHash());
    return { ok: false, reason: 'invalid' };
  }
  const known = isKnownDevice(input.secret, account.id, input.deviceProof);
  if (!known && account.lockedUntil && account.lockedUntil > now)
    return { ok: false, reason: 'locked', lockedUntil: account.lockedUntil };
  const good = await verifyPassword(input.password, account.passwordHash);
  if (!good) {
    if (known) return { ok: false, reason: 'invalid' };
    const failures = account.failedLogins + 1;
    const lockedUntil = failures % LOCK_AFTER_FAILURES === 0 ? new Date(now.getTime() + LOCK_MS) : account.lockedUntil;
    await db.update(staffAccounts).set({ failedLogins: failures, lockedUntil }).where(eq(staffAccounts.id, account.id));
    return failures % LOCK_AFTER_FAILURES === 0
      ? { ok: false, reason: 'locked', lockedUntil: lockedUntil! }
      : { ok: false, reason: 'invalid' };
  }
  if (account.disabledAt) return { ok: false, reason: 'disabled' };
  // With a second factor the failures are cleared by the right code, not by the password alone:
  // whoever has the password cannot reset the count between guesses at the code.
  if (!account.totpSecret && (account.failedLogins !== 0 || account.lockedUntil))
    await db.update(staffAccounts).set({ failedLogins: 0, lockedUntil: null }).where(eq(staffAccounts.id, account.id));
  return { ok: true, account, needsTotp: Boolean(account.totpSecret) };
}

export async function setPassword(db: Db, staffId: number, password: string, username: string): Promise<void> {
  const problem = passwordProblem(password, username);
  if (problem) throw new StaffInputError(problem, 'password');
  await db
    .update(staffAccounts)
    .set({ passwordHash: await hashPassword(password), passwordChangedAt: new Date(), failedLogins: 0, lockedUntil: null })
    .where(eq(staffAccounts.id, staffId));
  // Every other session of the account ends with the old password.
  await db.delete(staffSessions).where(eq(staffSessions.staffId, staffId));
}

export async function setDisabled(db: Db, staffId: number, disabled: boolean): Promise<void> {
  await db
    .update(staffAccounts)
    .set({ disabledAt: disabled ? new Date() : null })
    .where(eq(staffAccounts.id, staffId));
  if (disabled) await db.delete(staffSessions).where(eq(staffSessions.staffId, staffId));
}

export async function setRole(db: Db, staffId: number, role: StaffRole): Promise<void> {
  await db.update(staffAccounts).set({ role }).where(eq(staffAccounts.id, staffId));
}

/** Session lifetimes: idle (since the last request) and absolute (since sign-in). */
export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export async function createSession(db: Db, staffId: number, policy: SessionPolicy, now = new Date()) {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await db.insert(staffSessions).values({
    id: sha256(token),
    staffId,
    csrfToken,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + policy.absoluteMs),
  });
  // Housekeeping: sessions that ended stay no longer than a day.
  await db.delete(staffSessions).where(lt(staffSessions.expiresAt, new Date(now.getTime() - 86_400_000)));
  return { token, csrfToken };
}

export interface ResolvedSession {
  sessionId: string;
  csrfToken: string;
  account: StaffAccount;
}

/** The live session of a cookie token: not expired, not idle too long, its account not disabled. */
export async function resolveSession(
  db: Db,
  token: string,
  policy: SessionPolicy,
  now = new Date(),
): Promise<ResolvedSession | undefined> {
  if (!token || token.length > 100) return undefined;
  const id = sha256(token);
  const [row] = await db
    .select({ session: staffSessions, account: staffAccounts })
    .from(staffSessions)
    .innerJoin(staffAccounts, eq(staffAccounts.id, staffSessions.staffId))
    .where(
      and(
        eq(staffSessions.id, id),
        gt(staffSessions.expiresAt, now),
        gt(staffSessions.lastSeenAt, new Date(now.getTime() - policy.idleMs)),
        isNull(staffAccounts.disabledAt),
      ),
    );
  if (!row) return undefined;
  // One write a minute at most, not one per request.
  if (now.getTime() - row.session.lastSeenAt.getTime() > 60_000)
    await db.update(staffSessions).set({ lastSeenAt: now }).where(eq(staffSessions.id, id));
  return { sessionId: id, csrfToken: row.session.csrfToken, account: row.account };
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(staffSessions).where(eq(staffSessions.id, sessionId));
}

/** A new integration key for a commune; the key itself is returned once and stored only as a hash. */
export async function createApiKey(db: Db, input: { communeId: number; name: string; createdBy: number | null }) {
  const name = input.name.trim();
  if (!name || name.length > 100) throw new StaffInputError('Tên khóa cần từ 1 đến 100 ký tự.', 'name');
  const key = `txk_${randomBytes(24).toString('base64url')}`;
  const [row] = await db
    .insert(apiKeys)
    .values({ communeId: input.communeId, name, prefix: key.slice(0, 10), keyHash: sha256(key), createdBy: input.createdBy })
    .returning({ id: apiKeys.id });
  return { id: row.id, key };
}

export async function listApiKeys(db: Db, communeId: number) {
  return db
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.communeId, communeId))
    .orderBy(asc(apiKeys.id));
}

export async function revokeApiKey(db: Db, communeId: number, id: number): Promise<boolean> {
  const rows = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), eq(apiKeys.communeId, communeId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

/** The commune of a live integration key (its last use is recorded at most once a minute). */
export async function resolveApiKey(
  db: Db,
  key: string,
  now = new Date(),
): Promise<{ id: number; communeId: number } | undefined> {
  if (!key.startsWith('txk_') || key.length > 100) return undefined;
  const [row] = await db
    .select({ id: apiKeys.id, communeId: apiKeys.communeId, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, sha256(key)), isNull(apiKeys.revokedAt)));
  if (!row) return undefined;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now))));
  return { id: row.id, communeId: row.communeId };
}

/** Communes a principal may pick (a province administrator: all; others: their own). */
export async function communesVisibleTo(db: Db, communeId: number | null) {
  return db
    .select({ id: communes.id, slug: communes.slug, name: communes.name })
    .from(communes)
    .where(communeId === null ? sql`true` : eq(communes.id, communeId))
    .orderBy(asc(communes.name));
}
