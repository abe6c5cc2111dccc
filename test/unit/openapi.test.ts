import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiRoute, apiRoutesOf } from '../../src/core/api-route.js';
import { httpErrors } from '../../src/core/http-errors.js';
import { buildOpenApiDocument, openApiPath, registeredRoutes } from '../../src/server/openapi.js';

const router = express.Router();
const seen: unknown[] = [];
apiRoute(
  router,
  {
    method: 'post',
    path: '/api/v1/things/:id',
    summary: 'Change a thing',
    tags: ['things'],
    auth: 'staff',
    permission: 'things',
    params: z.object({ id: z.coerce.number().int().positive() }),
    query: z.object({ dryRun: z.enum(['yes', 'no']).optional() }),
    body: z.object({ name: z.string().trim().min(1, 'bắt buộc').max(20) }),
    invalid: { status: 422, error: (fe) => (fe.name ? 'Tên chưa hợp lệ.' : 'Dữ liệu chưa hợp lệ.') },
    responses: { 200: { description: 'Changed.', schema: z.object({ id: z.number(), name: z.string() }) } },
  },
  express.json(),
  (_req, res, { params, query, body }) => {
    seen.push({ params, query, body });
    res.json({ id: params.id, name: body.name });
  },
);
router.use(httpErrors());

let base = '';
let close: () => void;
beforeAll(async () => {
  const app = express().use(router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

const post = (path: string, body: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('apiRoute', () => {
  it('hands the handler the parsed params, query and body', async () => {
    const res = await post('/api/v1/things/7?dryRun=no', { name: '  Cầu  ' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 7, name: 'Cầu' });
    expect(seen.at(-1)).toEqual({ params: { id: 7 }, query: { dryRun: 'no' }, body: { name: 'Cầu' } });
  });

  it('answers input that fails the schemas with the declared status, message and field errors', async () => {
    const bad = await post('/api/v1/things/7', { name: '' });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ error: 'Tên chưa hợp lệ.', fieldErrors: { name: 'bắt buộc' } });
    const badId = await post('/api/v1/things/abc', { name: 'x' });
    expect(badId.status).toBe(422);
    expect(((await badId.json()) as any).fieldErrors).toHaveProperty('id');
    const badQuery = await post('/api/v1/things/7?dryRun=maybe', { name: 'x' });
    expect(badQuery.status).toBe(422);
    expect(((await badQuery.json()) as any).error).toBe('Dữ liệu chưa hợp lệ.');
  });
});

describe('the OpenAPI document', () => {
  const doc = buildOpenApiDocument(apiRoutesOf(router), { title: 't', version: '1' }) as any;
  const op = doc.paths['/api/v1/things/{id}'].post;

  it('is generated from the same schemas: path, query and body, responses, security', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(op.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 } },
      { name: 'dryRun', in: 'query', required: false, schema: { type: 'string', enum: ['yes', 'no'] } },
    ]);
    expect(op.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { name: { type: 'string', minLength: 1, maxLength: 20 } },
      required: ['name'],
    });
    expect(op.responses['200'].content['application/json'].schema.required).toEqual(['id', 'name']);
    expect(op.responses['422'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(op.responses).toHaveProperty('401');
    expect(op.security).toEqual([{ staffSession: [] }, { staffKey: [] }]);
    expect(op.description).toContain('`things`');
  });

  it('names paths as OpenAPI does and finds the routes express registered', () => {
    expect(openApiPath('/api/v1/reports/:id/photos/:file')).toBe('/api/v1/reports/{id}/photos/{file}');
    expect(registeredRoutes(router)).toEqual([{ method: 'post', path: '/api/v1/things/:id' }]);
  });
});
