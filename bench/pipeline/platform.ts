import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startFakeTelegram, type FakeTelegram, type RecordedTelegramRequest } from '../../test/fakes/telegram-server.js';

/** One request as the fake Bot API saw it, stamped on the benchmark's clock (performance.now()). */
export interface Arrival {
  at: number;
  rec: RecordedTelegramRequest;
}

export interface Platform {
  tg: FakeTelegram;
  /** Every request that reached the fake, in arrival order. */
  arrivals: Arrival[];
  close(): Promise<void>;
}

/**
 * The fake Telegram Bot API with real flood limits (≈30 messages/s per bot,
 * 1/s per chat with a burst of 3). Arrivals are stamped on our own clock the
 * moment the fake has read the request (the same moment it records it), so
 * latency is "webhook sent -> reply at the platform" on one clock.
 */
export async function startPlatform(): Promise<Platform> {
  const tg = await startFakeTelegram({ rateLimit: true });
  const arrivals: Arrival[] = [];
  const push = tg.requests.push.bind(tg.requests);
  tg.requests.push = (...recs: RecordedTelegramRequest[]) => {
    const at = performance.now();
    for (const rec of recs) arrivals.push({ at, rec });
    return push(...recs);
  };
  return { tg, arrivals, close: () => tg.close() };
}

/** What the reports need of one Bot API call (plain data: it crosses from the platform thread). */
export interface ArrivalRecord {
  at: number;
  token: string;
  method: string;
  chatId: string;
  /** HTTP status the fake answered; 0 while the fake still holds it. */
  status: number;
  /** Set when the platform accepted a sendMessage: the message exists for the resident. */
  messageId?: number;
  /** reply_parameters.message_id (the baseline replies to the question). */
  replyTo?: number;
}

export function toArrivalRecord({ at, rec }: Arrival): ArrivalRecord {
  const id = (rec.response as { result?: { message_id?: number } } | undefined)?.result?.message_id;
  const replyTo = (rec.payload.reply_parameters as { message_id?: number } | undefined)?.message_id;
  return {
    at,
    token: rec.token,
    method: rec.method,
    chatId: String(rec.payload.chat_id ?? ''),
    status: rec.status,
    ...(rec.method === 'sendMessage' && rec.status === 200 && typeof id === 'number' ? { messageId: id } : {}),
    ...(typeof replyTo === 'number' ? { replyTo } : {}),
  };
}

export type FaultKind = 'pass' | 'http502' | 'api500' | 'tooMany' | 'reset' | 'timeout' | 'lostResponse';

/**
 * Share of sendMessage calls per failure, 20 % in all. `timeout` never reaches
 * the platform and is held until the client gives up; `lostResponse` reaches
 * it (the message IS delivered) but the answer never comes back, so the
 * client times out and retries: the at-least-once duplicate.
 */
export const DEFAULT_FAULT_MIX: Record<Exclude<FaultKind, 'pass'>, number> = {
  http502: 0.05,
  api500: 0.03,
  tooMany: 0.05,
  reset: 0.03,
  timeout: 0.02,
  lostResponse: 0.02,
};

/** The same 20 % without the two failures that hold a request until the client's 15 s timeout (smoke runs). */
export const QUICK_FAULT_MIX: Record<Exclude<FaultKind, 'pass'>, number> = {
  http502: 0.07,
  api500: 0.04,
  tooMany: 0.06,
  reset: 0.03,
  timeout: 0,
  lostResponse: 0,
};

export interface FaultProxy {
  apiRoot: string;
  counts: Record<FaultKind, number>;
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the fake that fails a random share of
 * sendMessage calls (other methods pass). The fake's own `fail()` counts
 * calls in order; random failures spread over all bots and chats are closer
 * to a platform having a bad minute.
 */
export async function startFaultProxy(
  upstream: string,
  mix: Record<Exclude<FaultKind, 'pass'>, number> = DEFAULT_FAULT_MIX,
  random = Math.random,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const counts: Record<FaultKind, number> = { pass: 0, http502: 0, api500: 0, tooMany: 0, reset: 0, timeout: 0, lostResponse: 0 };
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  const entries = Object.entries(mix) as [Exclude<FaultKind, 'pass'>, number][];

  const pick = (): FaultKind => {
    let r = random();
    for (const [kind, share] of entries) {
      if (r < share) return kind;
      r -= share;
    }
    return 'pass';
  };
  const hold = (res: ServerResponse) => {
    held.add(res);
    res.on('close', () => held.delete(res));
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const method = /^\/bot[^/]+\/([A-Za-z]+)/.exec(req.url ?? '')?.[1];
      const fault = method === 'sendMessage' ? pick() : 'pass';
      counts[fault]++;
      switch (fault) {
        case 'http502':
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body>502 Bad Gateway</body></html>');
          return;
        case 'api500':
          return json(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
        case 'tooMany':
          return json(res, 429, {
            ok: false,
            error_code: 429,
            description: 'Too Many Requests: retry after 1',
            parameters: { retry_after: 1 },
          });
        case 'reset':
          req.socket.destroy();
          return;
        case 'timeout':
          hold(res);
          return;
        default:
          break;
      }
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: target.host, 'content-length': String(body.length) },
          agent,
        },
        (upRes) => {
          if (fault === 'lostResponse') {
            upRes.resume();
            hold(res);
            return;
          }
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      for (const res of held) res.destroy();
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
