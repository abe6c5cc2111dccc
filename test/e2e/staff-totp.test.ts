import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, communes, staffAccounts } from '../../src/db/schema/index.js';
import { enableTotp } from '../../src/staff/second-factor.js';
import { base32Decode, hotp, newTotpSecret, totpStep } from '../../src/staff/totp.js';
import { resolveDataSecret } from '../../src/wiring/data-secret.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn, STAFF_PASSWORD } from '../helpers/staff.js';

/** The TOTP second factor through HTTP, as a browser posts the console's forms. */
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeA: number;

/** The code of the app at the current step + `offset`. */
const codeOf = (secret: string, offset = 0) => hotp(base32Decode(secret), totpStep(Date.now()) + offset);
const cookiesOf = (res: Response) => (res.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]);

async function post(path: string, form: Record<string, string>, cookie = '') {
  return fetch(`${env.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: env.baseUrl, cookie },
    body: new URLSearchParams(form).toString(),
  });
}

/** The password step: the code page and its pending cookie, no session yet. */
async function passwordStep(username: string) {
  const res = await post('/console/login', { username, password: STAFF_PASSWORD });
  const cookies = cookiesOf(res);
  return { res, body: await res.text(), pending: cookies.find((c) => c.startsWith('txa_totp=')) ?? '', cookies };
}

const dataSecret = () => resolveDataSecret(env.runtime.database, env.runtime.config);
const account = async (username: string) =>
  (await env.runtime.database.db.select().from(staffAccounts).where(eq(staffAccounts.username, username)))[0];
const audited = async (action: string, subject: string) =>
  env.runtime.database.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.subject, subject)));

beforeAll(async () => {
  env = await startTestRuntime();
  communeA = env.runtime.defaultCommune.id;
  const [b] = await env.runtime.database.db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
  await addStaff(env.runtime.database, 'quantri-a', 'admin', communeA, 'Nguyễn Quản Trị');
  await addStaff(env.runtime.database, 'motcua-a', 'officer', communeA, 'Trần Văn Thử');
  await addStaff(env.runtime.database, 'hotich-a', 'registrar', communeA, 'Lê Thị Thử');
  await addStaff(env.runtime.database, 'khoa-a', 'officer', communeA, 'Đỗ Văn Thử');
  await addStaff(env.runtime.database, 'quantri-b', 'admin', b.id, 'Phạm Quản Trị B');
}, 120_000);
afterAll(async () => env?.close());

describe('TOTP second factor', () => {
  it('is switched on from the account page only after a first code, stored sealed, then asked at every sign-in, and off with a code', async () => {
    const { cookie, csrf } = await signIn(env.baseUrl, 'motcua-a');
    const page = await (await fetch(`${env.baseUrl}/console/account/totp`, { headers: { cookie } })).text();
    expect(page).toContain('data:image/png;base64,');
    const secret = /data-totp-secret>([A-Z2-7 ]+)</.exec(page)![1].replace(/ /g, '');
    const pending = /name="pending" value="([^"]+)"/.exec(page)![1];

    const wrong = await post('/console/account/totp/enable', { _csrf: csrf, pending, code: '000000' }, cookie);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('Mã không đúng');
    expect((await account('motcua-a')).totpSecret).toBeNull();
    // Without the CSRF token nothing changes.
    expect((await post('/console/account/totp/enable', { pending, code: codeOf(secret) }, cookie)).status).toBe(403);
    // Another session cannot use this form's sealed secret.
    const other = await signIn(env.baseUrl, 'motcua-a');
    expect(
      (await post('/console/account/totp/enable', { _csrf: other.csrf, pending, code: codeOf(secret) }, other.cookie)).status,
    ).toBe(400);

    const ok = await post('/console/account/totp/enable', { _csrf: csrf, pending, code: codeOf(secret, -1) }, cookie);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Đã bật xác thực hai bước.');
    const stored = (await account('motcua-a')).totpSecret!;
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain(secret);
    expect(await audited('staff.totp_enabled', 'motcua-a')).toHaveLength(1);

    // Sign-in: the password alone gives the code page, no session.
    const step = await passwordStep('motcua-a');
    expect(step.res.status).toBe(200);
    expect(step.body).toContain('Nhập mã xác thực');
    expect(step.cookies.some((c) => c.startsWith('txa_session='))).toBe(false);
    expect(step.pending).not.toBe('');
    const bad = await post('/console/login/totp', { code: '123456' }, step.pending);
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('Mã xác thực không đúng');
    // No code page cookie: back to the password.
    expect((await post('/console/login/totp', { code: codeOf(secret) })).headers.get('location')).toBe(
      '/console/login?expired=1',
    );
    const code = codeOf(secret);
    const good = await post('/console/login/totp', { code, next: '/console/account' }, step.pending);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/console/account');
    const session = cookiesOf(good).find((c) => c.startsWith('txa_session=') && c.length > 'txa_session='.length)!;
    expect((await fetch(`${env.baseUrl}/console/account`, { headers: { cookie: session }, redirect: 'manual' })).status).toBe(
      200,
    );
    // The same code is never accepted twice.
    const again = await passwordStep('motcua-a');
    expect((await post('/console/login/totp', { code }, again.pending)).status).toBe(401);

    const me = (await (await fetch(`${env.baseUrl}/api/v1/staff/me`, { headers: { cookie: session } })).json()) as any;
    const off = await post('/console/account/totp/disable', { _csrf: me.csrfToken, code: codeOf(secret, 1) }, session);
    expect(await off.text()).toContain('Đã tắt xác thực hai bước.');
    expect((await account('motcua-a')).totpSecret).toBeNull();
    expect(await audited('staff.totp_disabled', 'motcua-a')).toHaveLength(1);
    expect((await passwordStep('motcua-a')).res.status).toBe(303);
  });

  it('pauses the account after five wrong codes, and the right password does not clear the count', async () => {
    const secret = newTotpSecret();
    const { id } = await account('khoa-a');
    expect(await enableTotp(env.runtime.database.db, await dataSecret(), id, secret, codeOf(secret, -1))).toBe(true);
    const step = await passwordStep('khoa-a');
    for (let i = 0; i < 3; i++) expect((await post('/console/login/totp', { code: '000000' }, step.pending)).status).toBe(401);
    // The right password again does not start the count afresh.
    const again = await passwordStep('khoa-a');
    expect((await account('khoa-a')).failedLogins).toBe(3);
    expect((await post('/console/login/totp', { code: '000000' }, again.pending)).status).toBe(401);
    const fifth = await post('/console/login/totp', { code: '000000' }, again.pending);
    expect(await fifth.text()).toContain('tạm khóa 5 phút');
    // Paused: even the right code waits.
    const right = await post('/console/login/totp', { code: codeOf(secret) }, again.pending);
    expect(right.status).toBe(401);
    expect(cookiesOf(right).some((c) => /^txa_session=./.test(c))).toBe(false);
    expect((await audited('staff.login_failed', 'totp-locked')).length).toBeGreaterThan(0);
  });

  it("lets the commune's admin switch a colleague's second factor off (audited), never another commune's admin", async () => {
    const secret = newTotpSecret();
    const { id } = await account('hotich-a');
    expect(await enableTotp(env.runtime.database.db, await dataSecret(), id, secret, codeOf(secret))).toBe(true);
    const b = await signIn(env.baseUrl, 'quantri-b');
    expect((await post(`/console/staff/${id}/totp-reset`, { _csrf: b.csrf }, b.cookie)).status).toBe(404);
    expect((await account('hotich-a')).totpSecret).not.toBeNull();
    const a = await signIn(env.baseUrl, 'quantri-a');
    const staffPage = await (await fetch(`${env.baseUrl}/console/staff`, { headers: { cookie: a.cookie } })).text();
    expect(staffPage).toContain(`/console/staff/${id}/totp-reset`);
    expect(staffPage).toContain('<span class="muted">Xác thực hai bước</span>');
    const res = await post(`/console/staff/${id}/totp-reset`, { _csrf: a.csrf }, a.cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Đã tắt xác thực hai bước của Lê Thị Thử.');
    expect((await account('hotich-a')).totpSecret).toBeNull();
    const [row] = await audited('staff.totp_reset', 'hotich-a');
    expect(row.actor).toMatch(/^staff:\d+$/);
    expect(row.communeId).toBe(communeA);
    expect((await passwordStep('hotich-a')).res.status).toBe(303);
  });
});
