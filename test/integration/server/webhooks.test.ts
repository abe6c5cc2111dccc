import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import type { ChannelAdapter, InboundMessage } from '../../../src/core/types.js';
import { createWebhookListener, type WebhookRoute } from '../../../src/server/webhooks.js';

/**
 * The webhook listener on a real HTTP server: what is acknowledged when, what
 * is refused before anything is recorded, and what falls through to the app.
 * The route's adapter signs the exact bytes (HMAC over the raw body), so a
 * body changed on the way in fails verification.
 */
const KEY = 'test-signing-key';
const sign = (body: Buffer | string) => createHmac('sha256', KEY).update(body).digest('hex');

const adapter: ChannelAdapter = {
  channel: 'telegram',
  capabilities: { buttons: 'native', contactSharing: true, files: true, delivery: 'push' },
  verify: ({ rawBody, headers }) => headers['x-signature'] === sign(rawBody),
  parse: (raw, communeId) => {
    const u = raw as { id?: unknown; text?: unknown };
    if (typeof u.id !== 'string') throw new Error('not an update');
    return [{ channel: 'telegram', communeId, chatId: 'c1', userId: 'u1', externalId: u.id, text: String(u.text ?? '') }];
  },
  render: () => [],
  send: async () => ({ ok: true, platformIds: [] }) as never,
};

let recorded: InboundMessage[][] = [];
let acked: InboundMessage[][] = [];
let ingest: (messages: InboundMessage[]) => Promise<unknown> = async () => 'ok';
let fellThrough: string[] = [];

const route = (path: string): WebhookRoute => ({
  path,
  resolve: async ({ params }) => {
    if (params.accountKey === 'broken') throw new Error('account store unavailable');
    return params.accountKey === 'unknown' ? undefined : { adapter, communeId: 7 };
  },
  ingest: (messages) => {
    recorded.push(messages);
    return ingest(messages);
  },
  afterAck: (messages) => acked.push(messages),
});

let server: Server;
let port: number;
beforeAll(async () => {
  const listener = createWebhookListener(
    { log: silentLogger, webhooks: [route('/webhooks/telegram'), route('/webhooks/telegram/:accountKey')], bodyLimit: 4096 },
    (req, res) => {
      fellThrough.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    },
  );
  server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  recorded = [];
  acked = [];
  fellThrough = [];
  ingest = async () => 'ok';
});

function send(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const update = (id: string) => JSON.stringify({ id, text: 'làm giấy khai sinh' });
const signed = (body: string | Buffer, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-signature': sign(body),
  ...extra,
});

describe('webhook listener', () => {
  it('acknowledges only once the messages are recorded, then hands them on', async () => {
    let release!: () => void;
    ingest = () => new Promise<void>((resolve) => (release = resolve));
    const body = update('m-1');
    let answered = false;
    const pending = send('/webhooks/telegram', body, signed(body)).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(recorded).toHaveLength(1);
    expect(answered).toBe(false); // still recording: no acknowledgement yet
    expect(acked).toHaveLength(0);
    release();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ ok: true });
    expect(acked).toEqual([[expect.objectContaining({ externalId: 'm-1', communeId: 7, text: 'làm giấy khai sinh' })]]);
  });

  it('answers 503 when recording fails, so the platform delivers again', async () => {
    ingest = async () => {
      throw new Error('database down');
    };
    const body = update('m-2');
    const res = await send('/webhooks/telegram', body, signed(body));
    expect(res.status).toBe(503);
    expect(acked).toHaveLength(0);
  });

  it('refuses a bad signature, an unknown account and invalid JSON before recording anything', async () => {
    const body = update('m-3');
    expect((await send('/webhooks/telegram', body, { 'x-signature': sign('something else') })).status).toBe(401);
    expect((await send('/webhooks/telegram/unknown', body, signed(body))).status).toBe(404);
    expect((await send('/webhooks/telegram', '{not json', signed('{not json'))).status).toBe(400);
    expect(recorded).toHaveLength(0);
  });

  it('acknowledges a payload its adapter does not understand without recording it', async () => {
    const body = JSON.stringify({ something: 'else' });
    const res = await send('/webhooks/telegram', body, signed(body));
    expect(res).toMatchObject({ status: 200, json: { ok: true, ignored: true } });
    expect(recorded).toHaveLength(0);
  });

  it('refuses a body over the limit (declared or streamed) with 413, recording nothing', async () => {
    const big = JSON.stringify({ id: 'm-4', text: 'x'.repeat(5000) });
    expect((await send('/webhooks/telegram', big, signed(big))).status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/webhooks/telegram',
          method: 'POST',
          headers: { ...signed(big), 'transfer-encoding': 'chunked' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < big.length; i += 1000) req.write(big.slice(i, i + 1000));
      req.end();
    });
    expect(streamed).toBe(413);
    expect(recorded).toHaveLength(0);
  });

  it('verifies a compressed body over its inflated bytes, and refuses unknown encodings and inflation past the limit', async () => {
    const body = update('m-5');
    const res = await send('/webhooks/telegram', gzipSync(body), signed(body, { 'content-encoding': 'gzip' }));
    expect(res.status).toBe(200);
    expect(recorded.flat().map((m) => m.externalId)).toEqual(['m-5']);
    expect((await send('/webhooks/telegram', body, signed(body, { 'content-encoding': 'compress' }))).status).toBe(415);
    const bomb = JSON.stringify({ id: 'm-6', text: ' '.repeat(100_000) });
    expect((await send('/webhooks/telegram', gzipSync(bomb), signed(bomb, { 'content-encoding': 'gzip' }))).status).toBe(413);
    expect(recorded).toHaveLength(1);
  });

  it('inflates deflate and br too, and takes an empty Content-Encoding as none', async () => {
    const body = update('m-9');
    expect((await send('/webhooks/telegram', deflateSync(body), signed(body, { 'content-encoding': 'deflate' }))).status).toBe(
      200,
    );
    expect((await send('/webhooks/telegram', brotliCompressSync(body), signed(body, { 'content-encoding': 'br' }))).status).toBe(
      200,
    );
    expect((await send('/webhooks/telegram', body, signed(body, { 'content-encoding': '' }))).status).toBe(200);
    expect(recorded).toHaveLength(3);
  });

  it('refuses encodings named after object properties ("constructor", "__proto__") and keeps serving', async () => {
    const body = update('m-10');
    for (const encoding of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect((await send('/webhooks/telegram', body, signed(body, { 'content-encoding': encoding }))).status).toBe(415);
    }
    expect((await send('/webhooks/telegram', body, signed(body))).status).toBe(200);
  });

  it('records nothing when the client goes away mid-body, and serves the next request', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /webhooks/telegram HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":"m-1',
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(recorded).toHaveLength(0);
    const body = update('m-11');
    expect((await send('/webhooks/telegram', body, signed(body))).status).toBe(200);
  });

  it('answers 500 with a request id when the account lookup fails, recording nothing', async () => {
    const body = update('m-12');
    const res = await send('/webhooks/telegram/broken', body, signed(body, { 'x-request-id': 'req-500' }));
    expect(res.status).toBe(500);
    expect(res.json.requestId).toBe('req-500');
    expect(recorded).toHaveLength(0);
  });

  it('matches paths as Express did (any case, trailing slash, query string, decoded parameter) and leaves the rest to the app', async () => {
    const body = update('m-7');
    for (const path of ['/Webhooks/Telegram', '/webhooks/telegram/', '/webhooks/telegram?x=1', '/webhooks/telegram/bot%2D1']) {
      expect((await send(path, body, signed(body))).status).toBe(200);
    }
    expect(recorded).toHaveLength(4);
    expect((await send('/webhooks/telegram/a/b', body, signed(body))).status).toBe(404);
    expect((await send('/webhooks/telegram', '', {}, 'GET')).status).toBe(404);
    expect((await send('/webhooks//telegram', body, signed(body))).status).toBe(404);
    expect((await send('/webhooks/telegram//', body, signed(body))).status).toBe(404);
    expect(fellThrough).toEqual([
      'POST /webhooks/telegram/a/b',
      'GET /webhooks/telegram',
      'POST /webhooks//telegram',
      'POST /webhooks/telegram//',
    ]);
    expect((await send('/webhooks/telegram/%E0', body, signed(body))).status).toBe(400);
    expect(recorded).toHaveLength(4);
  });

  it("echoes the caller's request id, or gives one", async () => {
    const body = update('m-8');
    const mine = await send('/webhooks/telegram', body, signed(body, { 'x-request-id': 'req-123' }));
    expect(mine.headers['x-request-id']).toBe('req-123');
    const given = await send('/webhooks/telegram', body, signed(body));
    expect(String(given.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
  });
});
