import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditLog, communes, inquiries } from '../../src/db/schema/index.js';
import { createApiKey } from '../../src/staff/accounts.js';
import { chat, startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let communeA: number;
let communeB: number;
let codeA: string;
let codeB: string;

/** A resident of commune `slug` asks staff a question in the web chat; returns the inquiry code. */
async function askStaff(slug: string | undefined, session: string, question: string): Promise<string> {
  const q = slug ? `?commune=${slug}` : '';
  await chat(env.baseUrl, { sessionId: session, text: 'gặp cán bộ' }, q);
  const done = await chat(env.baseUrl, { sessionId: session, text: question }, q);
  return /HD-[A-Z0-9]{5}/.exec(done.json.replies[0].text)![0];
}

beforeAll(async () => {
  env = await startTestRuntime();
  const db = env.runtime.database.db;
  communeA = env.runtime.defaultCommune.id;
  const [b] = await db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
  communeB = b.id;
  await addStaff(env.runtime.database, 'quantri-a', 'admin', communeA, 'Quản Trị A');
  await addStaff(env.runtime.database, 'motcua-a', 'officer', communeA, 'Một Cửa A');
  await addStaff(env.runtime.database, 'lanhdao-a', 'leader', communeA, 'Lãnh Đạo A');
  await addStaff(env.runtime.database, 'quantri-b', 'admin', communeB, 'Quản Trị B');
  await addStaff(env.runtime.database, 'tinh', 'admin', null, 'Quản Trị Tỉnh');
  codeA = await askStaff(undefined, 'staff-api-a', 'Cho hỏi lịch tiếp dân tuần này (xã A)');
  codeB = await askStaff('xa-ben-canh', 'staff-api-b', 'Cho hỏi lịch tiêm chủng (xã B)');
}, 120_000);
afterAll(async () => env?.close());

const get = (path: string, headers: Record<string, string>) => fetch(`${env.baseUrl}${path}`, { headers });
const codes = async (res: Response) => ((await res.json()) as any).inquiries.map((i: { code: string }) => i.code);

describe('staff API with console sessions', () => {
  it('shows a commune officer only her own commune, whatever ?commune= says', async () => {
    const { cookie } = await signIn(env.baseUrl, 'motcua-a');
    const own = await get('/api/v1/inquiries', { cookie });
    expect(own.status).toBe(200);
    const list = await codes(own);
    expect(list).toContain(codeA);
    expect(list).not.toContain(codeB);
    const other = await get('/api/v1/inquiries?commune=xa-ben-canh', { cookie });
    expect(other.status).toBe(404);
    const adminB = await signIn(env.baseUrl, 'quantri-b');
    expect(await codes(await get('/api/v1/inquiries', { cookie: adminB.cookie }))).toEqual([codeB]);
  });

  it('lets a province administrator pick the commune', async () => {
    const { cookie } = await signIn(env.baseUrl, 'tinh');
    expect(await codes(await get('/api/v1/inquiries?commune=xa-ben-canh', { cookie }))).toContain(codeB);
  });

  it('keeps the leader to statistics', async () => {
    const { cookie } = await signIn(env.baseUrl, 'lanhdao-a');
    expect((await get('/api/v1/inquiries', { cookie })).status).toBe(403);
    expect((await get('/api/v1/stats/dossiers', { cookie })).status).toBe(200);
  });

  it('refuses a state-changing request without the session CSRF token, and audits the answer with the account', async () => {
    const { cookie, csrf } = await signIn(env.baseUrl, 'motcua-a');
    const post = (headers: Record<string, string>) =>
      fetch(`${env.baseUrl}/api/v1/inquiries/${codeA}/answer`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ answer: 'Thứ Năm tuần này, từ 8 giờ.' }),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-csrf-token': 'wrong' })).status).toBe(403);
    const [before] = await env.runtime.database.db.select().from(inquiries).where(eq(inquiries.code, codeA));
    expect(before.status).toBe('open');
    expect((await post({ 'x-csrf-token': csrf })).status).toBe(200);
    const me = (await (await get('/api/v1/staff/me', { cookie })).json()) as any;
    expect(me.username).toBe('motcua-a');
    const audit = await env.runtime.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'inquiry.answered'), eq(auditLog.subject, codeA)));
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toMatch(/^staff:\d+$/);
    expect(audit[0].communeId).toBe(communeA);
  });

  it('keeps the bootstrap key working for every commune, and refuses no credentials', async () => {
    expect((await get('/api/v1/inquiries', {})).status).toBe(401);
    const res = await get('/api/v1/inquiries?commune=xa-ben-canh', { authorization: `Bearer ${TEST_ADMIN_KEY}` });
    expect(await codes(res)).toContain(codeB);
  });

  it("binds a commune's integration key to that commune and to dossier work", async () => {
    const { key } = await createApiKey(env.runtime.database.db, { communeId: communeB, name: 'Một cửa', createdBy: null });
    const auth = { authorization: `Bearer ${key}` };
    expect((await get('/api/v1/inquiries', auth)).status).toBe(403);
    const stats = await get('/api/v1/stats/dossiers', auth);
    expect(stats.status).toBe(200);
    expect((await get('/api/v1/stats/dossiers?commune=xa-thu-nghiem', auth)).status).toBe(404);
  });
});
