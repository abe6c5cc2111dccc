import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath, registeredRoutes } from '../../src/server/openapi.js';
import { startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;
let doc: any;

beforeAll(async () => {
  env = await startTestRuntime();
  const res = await fetch(`${env.baseUrl}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
}, 120_000);
afterAll(async () => env?.close());

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** `GET /api/v1/x/{id}` for every route the running app registered under /api/v1. */
function registered(): Set<string> {
  const app = env.runtime.app as unknown as { router: object };
  return new Set(
    registeredRoutes(app.router)
      .filter((r) => r.path.startsWith('/api/v1/') || r.path === '/api/v1')
      .map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`),
  );
}

function documented(): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) if (METHODS.includes(method)) out.add(`${method.toUpperCase()} ${path}`);
  }
  return out;
}

describe('GET /api/v1/openapi.json', () => {
  it('documents every /api/v1 route the app serves, and only those', () => {
    const served = registered();
    const listed = documented();
    expect(served.size).toBeGreaterThan(40);
    expect([...served].filter((r) => !listed.has(r)).sort()).toEqual([]);
    expect([...listed].filter((r) => !served.has(r)).sort()).toEqual([]);
  });

  it('is an OpenAPI 3.1 document: info, paths, security schemes, and responses on every operation', () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.securitySchemes).toMatchObject({
      staffSession: { type: 'apiKey', in: 'cookie', name: 'txa_session' },
      staffKey: { type: 'http', scheme: 'bearer' },
      integrationKey: { type: 'http', scheme: 'bearer' },
    });
    const operationIds = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      expect(path).not.toContain(':');
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        for (const r of Object.values(op.responses) as any[]) expect(r.description).toBeTruthy();
        expect(operationIds.has(op.operationId), op.operationId).toBe(false);
        operationIds.add(op.operationId);
        const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const pathParams = (op.parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect(pathParams.sort(), `${method} ${path}`).toEqual(names.sort());
      }
    }
  });

  it('describes bodies and queries from the routes’ own schemas', () => {
    const put = doc.paths['/api/v1/dossiers/{code}'].put;
    expect(put.security).toEqual([{ integrationKey: [] }]);
    expect(put.requestBody.content['application/json'].schema.properties.status).toMatchObject({ type: 'integer' });
    const list = doc.paths['/api/v1/reports'].get;
    expect(list.security).toEqual([{ staffSession: [] }, { staffKey: [] }]);
    expect(list.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['status', 'limit', 'before', 'hamlet']));
    const calendar = doc.paths['/api/v1/calendar'].get;
    expect(calendar.security).toEqual([]);
    expect(calendar.parameters.find((p: any) => p.name === 'year')).toMatchObject({ in: 'query', required: false });
  });
});

describe('documented permissions', () => {
  it('name what the route checks, and where the service decides further, the rule it applies', () => {
    const resend = doc.paths['/api/v1/notices/{id}/resend-unconfirmed'].post;
    // The guard admits whoever reads notices; sending (or approving, where the commune requires it) decides.
    expect(resend.description).toContain('Staff permission: `notices-read`.');
    expect(resend.description).toMatch(/`notices`, or, where the commune requires approval, `notices-approve`/);
  });
});

describe('a request that fails a documented schema', () => {
  const staff = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
  const cases: [string, string, string, Record<string, string>, string | undefined, number][] = [
    ['calendar year', 'GET', '/api/v1/calendar?year=abc', {}, undefined, 400],
    ['calendar instant', 'GET', '/api/v1/calendar/next-open?at=yesterday', {}, undefined, 400],
    ['reports paging', 'GET', '/api/v1/reports?limit=0', staff, undefined, 400],
    ['inquiries paging', 'GET', '/api/v1/inquiries?before=-3', staff, undefined, 422],
    ['inquiry answer', 'POST', '/api/v1/inquiries/HD-1/answer', staff, JSON.stringify({ answer: 42 }), 422],
    ['notice id', 'GET', '/api/v1/notices/not-a-number', staff, undefined, 404],
    ['civil-record status', 'GET', '/api/v1/civil-record-requests?status=lost', staff, undefined, 422],
    ['civil-record rejection', 'POST', '/api/v1/civil-record-requests/1/reject', staff, JSON.stringify({}), 422],
    ['dossier event', 'POST', '/api/v1/dossiers/000.33.12.H56-260715-0007/events', staff, JSON.stringify({ status: 'x' }), 422],
    ['local procedure', 'POST', '/api/v1/procedures/local', staff, JSON.stringify({ name: 1 }), 422],
    ['chat updates', 'GET', '/api/v1/chat/updates?after=-1', {}, undefined, 422],
    ['chat message', 'POST', '/api/v1/chat', { 'content-type': 'application/json' }, JSON.stringify({ sessionId: 'x' }), 422],
  ];
  it.each(cases)('%s: a 4xx with a message, never a 500', async (_name, method, path, headers, body, status) => {
    const res = await fetch(`${env.baseUrl}${path}`, { method, headers, body });
    const json = (await res.json()) as any;
    expect(res.status).toBe(status);
    expect(typeof json.error).toBe('string');
  });
});
