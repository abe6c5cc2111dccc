import type { Database } from '../../src/db/client.js';
import { createStaffAccount } from '../../src/staff/accounts.js';

export const STAFF_PASSWORD = 'Mat-khau-thu-nghiem-1';

/** A staff account for tests (synthetic; the password is the same for all). */
export async function addStaff(
  database: Database,
  username: string,
  role: string,
  communeId: number | null,
  displayName?: string,
) {
  return createStaffAccount(database.db, { username, password: STAFF_PASSWORD, role, communeId, displayName });
}

/** Sign in through the console's form, as a browser does; returns the session cookie and the CSRF token. */
export async function signIn(baseUrl: string, username: string, password = STAFF_PASSWORD) {
  const res = await fetch(`${baseUrl}/console/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const cookie = (res.headers.getSetCookie?.() ?? [])
    .map((c) => c.split(';')[0])
    .filter((c) => c.startsWith('txa_session='))
    .join('; ');
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
  const me = (await (await fetch(`${baseUrl}/api/v1/staff/me`, { headers: { cookie } })).json()) as { csrfToken: string };
  return { cookie, csrf: me.csrfToken };
}
