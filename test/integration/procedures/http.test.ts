import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { setPrincipal } from '../../../src/core/staff.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { auditLog, communes, procedureAliases, procedureOverrides } from '../../../src/db/schema/index.js';
import { addAlias } from '../../../src/features/procedures/aliases.js';
import { createProceduresApi } from '../../../src/features/procedures/http.js';
import { importCatalogFolder } from '../../../src/features/procedures/importer/import.js';
import { createTestDatabase } from '../../helpers/db.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/catalog', import.meta.url));
const STAFF = { authorization: 'Bearer staff-secret' };

/** The staff guard of these tests: one staff member, signed in with a header (the real guard has its own tests). */
const requireStaff = (): RequestHandler => (req, res, next) => {
  if (req.get('authorization') !== STAFF.authorization) {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  setPrincipal(req, { kind: 'staff', staffId: 7, username: 'test', displayName: 'Cán bộ Thử', role: 'officer', communeId: null });
  next();
};

describe('procedures HTTP API', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: Server;
  let base: string;
  let communeId: number;

  type JsonResponse = Omit<Response, 'json'> & { json(): Promise<any> };
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    database = await createTestDatabase();
    await importCatalogFolder(database.db, FIXTURES);
    const [c] = await database.db
      .insert(communes)
      .values({
        slug: 'xa-an-binh',
        name: 'Xã An Bình',
        address: 'Số 1 đường Trung tâm, xã An Bình',
        phone: '0203 111 222',
        hoursText: 'Thứ Hai – Thứ Sáu, 7:30–17:00',
      })
      .returning();
    communeId = c.id;
    const app = express();
    app.use(
      createProceduresApi({
        db: database.db,
        requireStaff,
        resolveCommuneId: () => communeId,
        posterLinks: () => ({
          publicUrl: 'https://troly.example.vn',
          telegramBot: 'TroLyAnBinhBot',
          zaloOaId: '1234567890123456789',
        }),
      }),
    );
    app.get('/api/v1/procedures/search', (_req, res) => {
      res.json({ results: [], served: 'search router' });
    });
    server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await database?.close();
  });

  it('serves a procedure publicly as structured JSON', async () => {
    const res = await call('GET', '/api/v1/procedures/1.001193');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ code: '1.001193', shortName: 'Đăng ký khai sinh', origin: 'national', levels: ['xã'] });
    expect(body.override).toBeUndefined();
  });

  it('answers 404 with a JSON error for an unknown code, and leaves /search to its own router', async () => {
    const res = await call('GET', '/api/v1/procedures/9.999999');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toContain('9.999999');
    const search = await call('GET', '/api/v1/procedures/search?q=khai+sinh');
    expect(await search.json()).toMatchObject({ served: 'search router' });
  });

  it('lets only staff set an override', async () => {
    const res = await call('PUT', '/api/v1/procedures/2.000635/override', { fee: '8.000 đồng/bản' });
    expect(res.status).toBe(401);
  });

  it('rejects a bad override with 422 and field errors', async () => {
    const res = await call(
      'PUT',
      '/api/v1/procedures/2.000635/override',
      { phone: 'gọi tôi', onlineUrl: 'ftp://x', colour: 'red' },
      STAFF,
    );
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error).toBeTruthy();
    expect(Object.keys(body.fieldErrors)).toEqual(expect.arrayContaining(['phone', 'onlineUrl']));
    const empty = await call('PUT', '/api/v1/procedures/2.000635/override', {}, STAFF);
    expect(empty.status).toBe(422);
  });

  it('sets, shows and deletes an override', async () => {
    const put = await call(
      'PUT',
      '/api/v1/procedures/2.000635/override',
      {
        fee: '8.000 đồng/bản sao',
        note: 'Nhận kết quả trong ngày nếu nộp trước 15 giờ.',
        onlineUrl: 'https://dichvucong.gov.vn/p/home.html',
      },
      STAFF,
    );
    expect(put.status).toBe(200);
    const shown = await (await call('GET', '/api/v1/procedures/2.000635')).json();
    expect(shown.override).toMatchObject({ fee: '8.000 đồng/bản sao', note: 'Nhận kết quả trong ngày nếu nộp trước 15 giờ.' });
    expect(shown.channels[0]).toMatchObject({ feeText: '8.000 đồng/bản sao', feeAmounts: [8000] });

    expect((await call('DELETE', '/api/v1/procedures/2.000635/override', undefined, STAFF)).status).toBe(204);
    expect((await (await call('GET', '/api/v1/procedures/2.000635')).json()).override).toBeUndefined();
    expect((await call('DELETE', '/api/v1/procedures/2.000635/override', undefined, STAFF)).status).toBe(404);
  });

  it('answers 404 when overriding an unknown procedure', async () => {
    const res = await call('PUT', '/api/v1/procedures/9.999999/override', { note: 'x' }, STAFF);
    expect(res.status).toBe(404);
  });

  it('creates a local procedure, refuses a duplicate, and serves it', async () => {
    const payload = {
      name: 'Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội',
      field: 'Bảo trợ xã hội',
      channels: [{ channel: 'truc_tiep', timeText: '3 Ngày làm việc', feeText: 'Miễn phí' }],
      documentGroups: [
        { title: 'Giấy tờ phải nộp', documents: [{ name: 'Tờ khai đề nghị hỗ trợ chi phí mai táng', quantity: '1 bản chính' }] },
      ],
    };
    expect((await call('POST', '/api/v1/procedures/local', payload)).status).toBe(401);
    const res = await call('POST', '/api/v1/procedures/local', payload, STAFF);
    expect(res.status).toBe(201);
    const { code } = await res.json();
    expect(code).toBe('local.ho-tro-chi-phi-mai-tang-cho-doi-tuong');
    expect(Buffer.byteLength(`proc:legal:${code}`)).toBeLessThanOrEqual(64);
    expect((await call('POST', '/api/v1/procedures/local', payload, STAFF)).status).toBe(409);
    const got = await (await call('GET', `/api/v1/procedures/${code}`)).json();
    expect(got).toMatchObject({ origin: 'local', channels: [{ free: true, time: { value: 3, unit: 'ngày làm việc' } }] });
    const bad = await call('POST', '/api/v1/procedures/local', { name: 'x', slug: 'Có Dấu' }, STAFF);
    expect(bad.status).toBe(422);
    expect(Object.keys((await bad.json()).fieldErrors)).toEqual(expect.arrayContaining(['name', 'slug']));
  });

  it('audits creating, replacing and deleting a local procedure, and the delete takes its override and aliases', async () => {
    const payload = { name: 'Xác nhận hộ làm nghề thủ công truyền thống', field: 'Kinh tế' };
    const res = await call('POST', '/api/v1/procedures/local', payload, STAFF);
    expect(res.status).toBe(201);
    const { code } = await res.json();
    const slug = code.replace(/^local\./, '');
    expect((await call('PUT', `/api/v1/procedures/local/${slug}`, { ...payload, field: 'Nông nghiệp' }, STAFF)).status).toBe(200);
    expect((await call('PUT', `/api/v1/procedures/${code}/override`, { fee: '10.000 đồng' }, STAFF)).status).toBe(200);
    await addAlias(database.db, { communeId, code, alias: 'giấy làng nghề', actor: 'staff:test' });
    expect((await call('DELETE', `/api/v1/procedures/local/${slug}`, undefined, STAFF)).status).toBe(204);
    const db = database.db;
    const actions = (
      await db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.subject, code), like(auditLog.action, 'procedure.local_%')))
    ).map((r) => [r.action, r.actor]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ['procedure.local_created', 'staff:7'],
        ['procedure.local_updated', 'staff:7'],
        ['procedure.local_deleted', 'staff:7'],
      ]),
    );
    expect(await db.select().from(procedureOverrides).where(eq(procedureOverrides.code, code))).toEqual([]);
    expect(await db.select().from(procedureAliases).where(eq(procedureAliases.code, code))).toEqual([]);
    expect((await call('DELETE', `/api/v1/procedures/local/${slug}`, undefined, STAFF)).status).toBe(404);
  });

  it('imports overrides from CSV in one go', async () => {
    const csv =
      'code,fee,hours,note\n1.001193,Miễn phí,"Sáng 7:30–11:30, chiều 13:30–17:00",Đăng ký đúng hạn không mất phí\n2.000942,"2.000 đồng/trang",,\n';
    const res = await call('POST', '/api/v1/procedures/overrides/import', csv, { ...STAFF, 'content-type': 'text/csv' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ total: 2, created: 2, updated: 0 });
    const p = await (await call('GET', '/api/v1/procedures/1.001193')).json();
    expect(p.override).toMatchObject({ hours: 'Sáng 7:30–11:30, chiều 13:30–17:00', note: 'Đăng ký đúng hạn không mất phí' });
  });

  it('rejects a JSON import with one bad row and applies none of it', async () => {
    const res = await call(
      'POST',
      '/api/v1/procedures/overrides/import',
      [
        { code: '2.000635', fee: '8.000 đồng' },
        { code: '9.999999', fee: '1 đồng' },
      ],
      STAFF,
    );
    expect(res.status).toBe(422);
    expect((await res.json()).fieldErrors).toHaveProperty(['rows[1].code']);
    expect((await (await call('GET', '/api/v1/procedures/2.000635')).json()).override).toBeUndefined();

    const invalid = await call('POST', '/api/v1/procedures/overrides/import', [{ code: '2.000635', phone: 'abc' }], STAFF);
    expect(invalid.status).toBe(422);
    expect((await invalid.json()).fieldErrors).toHaveProperty(['rows[0].phone']);
  });

  it('prints a poster with QR codes for Zalo, Telegram and the web chat', async () => {
    const res = await call('GET', '/posters/1.001193');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Đăng ký khai sinh');
    expect(html).toContain('https://t.me/TroLyAnBinhBot?start=p_1_001193');
    expect(html).toContain('https://troly.example.vn/?p=1.001193');
    expect(html).toContain('https://zalo.me/1234567890123456789');
    expect(html.match(/<svg/g)).toHaveLength(3);
    expect((await call('GET', '/posters/9.999999')).status).toBe(404);
  });
});
