import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime.js';
import { createTestDatabase } from './db.js';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

/** A full runtime on a fresh test database, listening on a free loopback port. */
export async function startTestRuntime(
  env: Record<string, string> = {},
  opts: RuntimeOptions = {},
): Promise<{ runtime: Runtime; baseUrl: string; close: () => Promise<void> }> {
  const ownDatabase = !opts.database;
  const database = opts.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    COMMUNE_SLUG: 'xa-thu-nghiem',
    COMMUNE_NAME: 'Xã Thử Nghiệm',
    SEED_CATALOG: 'true',
    DELIVERY_POLL_MS: '50',
    // Tests post far faster than a person; the limits themselves are tested with low values.
    WEB_CHAT_MESSAGES_PER_MINUTE: '100000',
    WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP: '1000000',
    WEB_CHAT_SESSIONS_PER_HOUR_PER_IP: '1000000',
    WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP: '1000000',
    ...env,
  });
  const runtime = await createRuntime(config, { log: silentLogger, ...opts, database });
  await runtime.start();
  const server = await runtime.listen(0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  return {
    runtime,
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      await runtime.stop();
      if (ownDatabase) await database.close();
    },
  };
}

/** Server-issued web chat sessions of each test server, by the name a test gives them. */
const webSessions = new Map<string, Map<string, string>>();

/** A new signed session from the server (`POST /api/v1/chat/session`). */
export async function newWebSession(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/chat/session`, { method: 'POST', headers });
  const json = (await res.json()) as { sessionId?: string; error?: string };
  if (!res.ok || !json.sessionId) throw new Error(`no web session: ${res.status} ${json.error ?? ''}`);
  return json.sessionId;
}

/**
 * The signed session a test calls `name` (obtained from the server on first use, then reused), so tests keep
 * naming their residents ('dossier-session-a') while the server sees only sessions it issued. A value that is
 * already a token (three dot-separated parts) is returned as it is.
 */
export async function webSession(baseUrl: string, name: string): Promise<string> {
  if (name.split('.').length === 3) return name;
  let sessions = webSessions.get(baseUrl);
  if (!sessions) webSessions.set(baseUrl, (sessions = new Map()));
  let token = sessions.get(name);
  if (!token) sessions.set(name, (token = await newWebSession(baseUrl)));
  return token;
}

/** The chat id the server keeps for the session a test calls `name` (the token's random part). */
export async function webChatId(baseUrl: string, name: string): Promise<string> {
  return (await webSession(baseUrl, name)).split('.')[0];
}

/** `GET /api/v1/chat/updates` for the session a test calls `name`. */
export async function chatUpdates(baseUrl: string, name: string, after = 0, query = ''): Promise<Response> {
  const token = await webSession(baseUrl, name);
  return fetch(`${baseUrl}/api/v1/chat/updates?sessionId=${encodeURIComponent(token)}&after=${after}${query}`);
}

/** `POST /api/v1/chat`; a `sessionId` in the body names a session of {@link webSession} (a string body is sent as is). */
export async function chat(baseUrl: string, body: unknown, query = ''): Promise<{ status: number; json: any }> {
  let sent = body;
  if (body && typeof body === 'object' && typeof (body as { sessionId?: unknown }).sessionId === 'string') {
    const b = body as { sessionId: string };
    sent = { ...b, sessionId: await webSession(baseUrl, b.sessionId) };
  }
  const res = await fetch(`${baseUrl}/api/v1/chat${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof sent === 'string' ? sent : JSON.stringify(sent),
  });
  return { status: res.status, json: await res.json() };
}
