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

export async function chat(baseUrl: string, body: unknown, query = ''): Promise<{ status: number; json: any }> {
  const res = await fetch(`${baseUrl}/api/v1/chat${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
