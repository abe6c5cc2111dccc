import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, communes } from '../../src/db/schema/index.js';
import { loadConfig } from '../../src/config.js';
import { ensureDefaultCommune } from '../../src/wiring/communes.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/** "Thông tin xã": a commune's admin edits what the bot tells residents; the environment only seeds it. */
let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeA: number;
let communeB: number;

const NEW = {
  name: 'Xã Thử Nghiệm Mới',
  address: 'Số 9 đường Thử Nghiệm, thôn Một',
  phone: '0900 000 123',
  hoursText: 'Thứ Hai – Thứ Sáu, 7:00–11:00 và 13:00–17:00',
};

async function post(path: string, form: Record<string, string>, cookie: string) {
  return fetch(`${env.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: env.baseUrl, cookie },
    body: new URLSearchParams(form).toString(),
  });
}
const row = async (id: number) => (await env.runtime.database.db.select().from(communes).where(eq(communes.id, id)))[0];

beforeAll(async () => {
  env = await startTestRuntime();
  communeA = env.runtime.defaultCommune.id;
  const [b] = await env.runtime.database.db
    .insert(communes)
    .values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh', address: 'Thôn Bên', phone: '0900000999', hoursText: 'Sáng thứ Hai' })
    .returning();
  communeB = b.id;
  await addStaff(env.runtime.database, 'quantri-a', 'admin', communeA, 'Nguyễn Quản Trị');
  await addStaff(env.runtime.database, 'motcua-a', 'officer', communeA, 'Trần Văn Thử');
  await addStaff(env.runtime.database, 'quantri-b', 'admin', communeB, 'Phạm Quản Trị B');
}, 120_000);
afterAll(async () => env?.close());

describe("the commune's settings", () => {
  it("are edited by the commune's admin (audited) and the bot's next answer uses them", async () => {
    // The bot has answered with the old facts, so the commune is cached.
    const before = await chat(env.baseUrl, { sessionId: 'settings-resident', text: 'số điện thoại của xã' });
    expect(before.json.replies[0].text).toContain('Xã Thử Nghiệm');
    expect(before.json.replies[0].text).not.toContain('0900 000 123');

    const { cookie, csrf } = await signIn(env.baseUrl, 'quantri-a');
    const page = await (await fetch(`${env.baseUrl}/console/settings`, { headers: { cookie } })).text();
    expect(page).toContain('value="Xã Thử Nghiệm"');
    const res = await post('/console/settings', { _csrf: csrf, ...NEW }, cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Đã lưu.');
    expect(await row(communeA)).toMatchObject(NEW);
    const [audit] = await env.runtime.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'commune.settings_changed'), eq(auditLog.communeId, communeA)));
    expect(audit.actor).toMatch(/^staff:\d+$/);
    expect(audit.details).toMatchObject({ phone: { to: '0900 000 123' } });

    const after = await chat(env.baseUrl, { sessionId: 'settings-resident', text: 'giờ làm việc của xã' });
    const text = after.json.replies[0].text as string;
    expect(text).toContain('Xã Thử Nghiệm Mới');
    expect(text).toContain('Số 9 đường Thử Nghiệm, thôn Một');
    expect(text).toContain('0900 000 123');
    expect(text).toContain('7:00–11:00');
  });

  it('refuses bad input with a Vietnamese message and writes nothing', async () => {
    const { cookie, csrf } = await signIn(env.baseUrl, 'quantri-a');
    const was = await row(communeA);
    for (const bad of [{ phone: 'gọi tôi' }, { name: 'X' }, { hoursText: '' }, { address: 'a'.repeat(301) }]) {
      const res = await post('/console/settings', { _csrf: csrf, ...NEW, ...bad }, cookie);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/cần từ|chỉ gồm chữ số/);
    }
    expect(await row(communeA)).toEqual(was);
    // Without the CSRF token: refused.
    expect((await post('/console/settings', { ...NEW, name: 'Xã Không Token' }, cookie)).status).toBe(403);
    expect((await row(communeA)).name).toBe(was.name);
  });

  it('is for admins only, and an admin edits only their own commune (a ?commune= of another is a 404)', async () => {
    const officer = await signIn(env.baseUrl, 'motcua-a');
    expect((await fetch(`${env.baseUrl}/console/settings`, { headers: { cookie: officer.cookie } })).status).toBe(403);
    expect((await post('/console/settings', { _csrf: officer.csrf, ...NEW, name: 'Xã Cán Bộ Sửa' }, officer.cookie)).status).toBe(
      403,
    );

    const b = await signIn(env.baseUrl, 'quantri-b');
    const pageB = await (await fetch(`${env.baseUrl}/console/settings`, { headers: { cookie: b.cookie } })).text();
    expect(pageB).toContain('value="Xã Bên Cạnh"');
    expect(pageB).not.toContain('Xã Thử Nghiệm');
    const aName = (await row(communeA)).name;
    const cross = await post(
      '/console/settings?commune=xa-thu-nghiem',
      { _csrf: b.csrf, ...NEW, name: 'Xã Bị Sửa Trộm' },
      b.cookie,
    );
    expect(cross.status).toBe(404);
    expect((await row(communeA)).name).toBe(aName);
    const own = await post('/console/settings', { _csrf: b.csrf, ...NEW, name: 'Xã Bên Cạnh Mới' }, b.cookie);
    expect(own.status).toBe(200);
    expect((await row(communeB)).name).toBe('Xã Bên Cạnh Mới');
    expect((await row(communeA)).name).toBe(aName);
  });

  it('survive a restart: the COMMUNE_* environment only seeds a commune the first time', async () => {
    const edited = await row(communeA);
    const info = await ensureDefaultCommune(
      env.runtime.database,
      loadConfig({ COMMUNE_SLUG: 'xa-thu-nghiem', COMMUNE_NAME: 'Xã Từ Môi Trường', COMMUNE_PHONE: '0900000555' }),
    );
    expect(info).toMatchObject({ id: communeA, name: edited.name, phone: edited.phone });
    expect(await row(communeA)).toEqual(edited);
  });
});
