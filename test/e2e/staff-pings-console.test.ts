import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, staffPingLinks } from '../../src/db/schema/index.js';
import { startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/** "Báo tin qua chat" in the console: a code to link one's own chat, shown once, and unlinking (issue 15). */
let env: Awaited<ReturnType<typeof startTestRuntime>>;
beforeAll(async () => {
  env = await startTestRuntime();
  await addStaff(env.runtime.database, 'motcua', 'officer', env.runtime.defaultCommune.id, 'Trần Một Cửa');
}, 120_000);
afterAll(() => env?.close());

const form = (session: { cookie: string; csrf: string }, fields: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
});

describe('the console page for staff pings', () => {
  it('gives a one-time code that the bot accepts, and unlinks', async () => {
    const session = await signIn(env.baseUrl, 'motcua');
    const page = await (await fetch(`${env.baseUrl}/console/pings`, { headers: { cookie: session.cookie } })).text();
    expect(page).toContain('Báo tin qua chat');
    expect(page).toContain('Tạo mã liên kết');

    // Without the CSRF token nothing happens.
    const forged = await fetch(`${env.baseUrl}/console/pings/code`, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(forged.status).toBe(403);

    const withCode = await (await fetch(`${env.baseUrl}/console/pings/code`, form(session))).text();
    const code = /id="link-code">([2-9A-Z]{8})</.exec(withCode)?.[1];
    expect(code).toBeDefined();
    const [row] = await env.runtime.database.db.select().from(staffPingLinks);
    expect(row.codeHash).not.toContain(code!); // only its hash is kept

    // The bot, in the staff member's own chat (the CLI channel stands in for a push channel here: it is pull, so refused).
    const refused = await env.runtime.dispatcher.handle({
      channel: 'cli',
      communeId: env.runtime.defaultCommune.id,
      chatId: 'staff-cli',
      userId: 'staff-cli',
      externalId: 'link-1',
      text: `/lienket ${code}`,
    });
    expect(refused.replies[0].text).toContain('chỉ dùng được trong Telegram hoặc Zalo');

    const unlinked = await (await fetch(`${env.baseUrl}/console/pings/unlink`, form(session))).text();
    expect(unlinked).toContain('Đã ngừng nhận báo tin qua chat.');
    expect(await env.runtime.database.db.select().from(staffPingLinks)).toEqual([]);
    expect((await env.runtime.database.db.select().from(auditLog).where(eq(auditLog.action, 'staff.ping-unlinked'))).length).toBe(
      1,
    );
  }, 60_000);
});
