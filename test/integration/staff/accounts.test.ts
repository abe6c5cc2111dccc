import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { communes, staffAccounts, staffSessions } from '../../../src/db/schema/index.js';
import {
  checkLogin,
  createApiKey,
  createSession,
  createStaffAccount,
  deviceProof,
  LOCK_MS,
  resolveApiKey,
  resolveSession,
  revokeApiKey,
  setDisabled,
  setPassword,
  StaffInputError,
} from '../../../src/staff/accounts.js';
import { hashPassword, verifyPassword } from '../../../src/staff/passwords.js';
import { createTestDatabase } from '../../helpers/db.js';

const SECRET = 'test-device-secret-not-a-real-one-0123';
const POLICY = { idleMs: 30 * 60_000, absoluteMs: 8 * 3_600_000 };
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const [c] = await database.db.insert(communes).values({ slug: 'xa-tai-khoan', name: 'Xã Tài Khoản' }).returning();
  communeId = c.id;
});
afterAll(async () => database?.close());

describe('staff passwords', () => {
  it('hashes with scrypt, verifies the right password only, and salts each hash', async () => {
    const a = await hashPassword('mật khẩu thử nghiệm');
    const b = await hashPassword('mật khẩu thử nghiệm');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('mật khẩu thử nghiệm', a)).toBe(true);
    expect(await verifyPassword('mật khẩu thử nghiệm ', a)).toBe(false);
    expect(await verifyPassword('anything', 'not-a-hash')).toBe(false);
  });
});

describe('staff accounts', () => {
  it('refuses a weak password, a bad username, an unknown role and a taken username, in Vietnamese', async () => {
    const base = { username: 'can-bo-mot', password: 'Mat-khau-du-dai-1', role: 'officer', communeId };
    await expect(createStaffAccount(database.db, { ...base, password: 'ngan' })).rejects.toThrow(/ít nhất 10 ký tự/);
    await expect(createStaffAccount(database.db, { ...base, username: 'a b' })).rejects.toThrow(StaffInputError);
    await expect(createStaffAccount(database.db, { ...base, role: 'root' })).rejects.toThrow(/Vai trò/);
    await createStaffAccount(database.db, base);
    await expect(createStaffAccount(database.db, { ...base, username: 'CAN-BO-MOT' })).rejects.toThrow(/đã có người dùng/);
  });

  it('pauses an account after five wrong passwords, but not for a browser that signed in to it before', async () => {
    const account = await createStaffAccount(database.db, {
      username: 'bi-khoa',
      password: 'Dung-mat-khau-9',
      role: 'officer',
      communeId,
    });
    const now = new Date('2026-12-01T02:00:00Z');
    const attempt = (password: string, extra: { deviceProof?: string; now?: Date } = {}) =>
      checkLogin(database.db, { username: 'bi-khoa', password, secret: SECRET, now, ...extra });
    for (let i = 0; i < 4; i++) expect(await attempt('sai-mat-khau')).toEqual({ ok: false, reason: 'invalid' });
    const fifth = await attempt('sai-mat-khau');
    expect(fifth).toMatchObject({ ok: false, reason: 'locked' });
    // The right password is refused while paused…
    expect(await attempt('Dung-mat-khau-9')).toMatchObject({ ok: false, reason: 'locked' });
    // …except from her own browser, so a stranger cannot keep her out.
    const own = await attempt('Dung-mat-khau-9', { deviceProof: deviceProof(SECRET, account.id) });
    expect(own.ok).toBe(true);
    // A forged device proof does not help.
    await database.db
      .update(staffAccounts)
      .set({ failedLogins: 5, lockedUntil: new Date(now.getTime() + LOCK_MS) })
      .where(eq(staffAccounts.id, account.id));
    expect(await attempt('Dung-mat-khau-9', { deviceProof: `${account.id}.forged` })).toMatchObject({ reason: 'locked' });
    // The pause is short: five minutes later the right password works.
    expect((await attempt('Dung-mat-khau-9', { now: new Date(now.getTime() + LOCK_MS + 1000) })).ok).toBe(true);
  });

  it('answers an unknown username exactly like a wrong password', async () => {
    expect(await checkLogin(database.db, { username: 'khong-co', password: 'x', secret: SECRET })).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('refuses a disabled account and ends its sessions', async () => {
    const account = await createStaffAccount(database.db, {
      username: 'nghi-viec',
      password: 'Mat-khau-nghi-1',
      role: 'officer',
      communeId,
    });
    const { token } = await createSession(database.db, account.id, POLICY);
    expect(await resolveSession(database.db, token, POLICY)).toBeDefined();
    await setDisabled(database.db, account.id, true);
    expect(await resolveSession(database.db, token, POLICY)).toBeUndefined();
    expect(await checkLogin(database.db, { username: 'nghi-viec', password: 'Mat-khau-nghi-1', secret: SECRET })).toMatchObject({
      reason: 'disabled',
    });
  });
});

describe('staff sessions', () => {
  it('stores only a hash of the token, and ends after the idle time and after the absolute time', async () => {
    const account = await createStaffAccount(database.db, {
      username: 'phien-lam-viec',
      password: 'Mat-khau-phien-1',
      role: 'registrar',
      communeId,
    });
    const t0 = new Date('2026-12-01T01:00:00Z');
    const { token, csrfToken } = await createSession(database.db, account.id, POLICY, t0);
    const rows = await database.db.select().from(staffSessions).where(eq(staffSessions.staffId, account.id));
    expect(rows.map((r) => r.id)).not.toContain(token);
    const later = (ms: number) => new Date(t0.getTime() + ms);
    expect((await resolveSession(database.db, token, POLICY, later(20 * 60_000)))?.csrfToken).toBe(csrfToken);
    // Active every 20 minutes: still signed in after 2 hours…
    for (let m = 40; m <= 120; m += 20) expect(await resolveSession(database.db, token, POLICY, later(m * 60_000))).toBeDefined();
    // …idle for 31 minutes: signed out.
    expect(await resolveSession(database.db, token, POLICY, later(151 * 60_000))).toBeUndefined();
    const second = await createSession(database.db, account.id, POLICY, t0);
    expect(
      await resolveSession(
        database.db,
        second.token,
        { idleMs: 24 * 3_600_000, absoluteMs: POLICY.absoluteMs },
        later(8 * 3_600_000 + 1),
      ),
    ).toBeUndefined();
    expect(await resolveSession(database.db, 'not-a-token', POLICY)).toBeUndefined();
  });

  it('ends every session of an account when its password changes', async () => {
    const account = await createStaffAccount(database.db, {
      username: 'doi-mat-khau',
      password: 'Mat-khau-cu-123',
      role: 'officer',
      communeId,
    });
    const { token } = await createSession(database.db, account.id, POLICY);
    await setPassword(database.db, account.id, 'Mat-khau-moi-456', account.username);
    expect(await resolveSession(database.db, token, POLICY)).toBeUndefined();
    expect((await checkLogin(database.db, { username: 'doi-mat-khau', password: 'Mat-khau-moi-456', secret: SECRET })).ok).toBe(
      true,
    );
  });
});

describe('integration keys', () => {
  it('resolve to their commune until revoked, and are stored only as a hash', async () => {
    const { id, key } = await createApiKey(database.db, { communeId, name: 'Một cửa tỉnh', createdBy: null });
    expect(key).toMatch(/^txk_/);
    expect(await resolveApiKey(database.db, key)).toEqual({ id, communeId });
    expect(await resolveApiKey(database.db, `${key}x`)).toBeUndefined();
    expect(await revokeApiKey(database.db, communeId + 999, id)).toBe(false);
    expect(await revokeApiKey(database.db, communeId, id)).toBe(true);
    expect(await resolveApiKey(database.db, key)).toBeUndefined();
  });
});
