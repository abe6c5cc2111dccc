import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { sql } from 'drizzle-orm';
import express from 'express';
import { Agent, request } from 'undici';
import { loadConfig } from '../../src/config.js';
import { execRows, type Database } from '../../src/db/client.js';
import { channelAccounts, communes } from '../../src/db/schema/index.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import type { Bot } from './load.js';

export const WEBHOOK_SECRET = 'bench_webhook_secret-0123456789';

/**
 * The province's communes, each with its own Telegram bot (a row in
 * channel_accounts), created before the runtime starts: it loads one adapter
 * per account row at start.
 */
export async function createCommunes(database: Database, count: number, apiRoot: string): Promise<Bot[]> {
  const bots: Bot[] = [];
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(3, '0');
    const [c] = await database.db
      .insert(communes)
      .values({
        slug: `xa-bench-${n}`,
        name: `Xã Thử Tải ${n}`,
        province: 'Tỉnh Thử Tải',
        address: `Trung tâm Phục vụ hành chính công xã ${n}`,
        phone: `0200 000 ${n}`,
        hoursText: 'Thứ Hai – Thứ Sáu: sáng 7:30–11:30, chiều 13:30–17:00',
      })
      .returning({ id: communes.id });
    const botId = String(8_100_000_000 + i);
    const token = `${botId}:BENCH-token-${n}`;
    await database.db.insert(channelAccounts).values({
      communeId: c.id,
      channel: 'telegram',
      accountKey: botId,
      config: { token, secret: WEBHOOK_SECRET, apiRoot },
    });
    bots.push({ botId, token, communeId: c.id });
  }
  return bots;
}

/** Point every bot at another Bot API root (the fault proxy); takes effect at the next runtime start. */
export async function setApiRoot(database: Database, apiRoot: string): Promise<void> {
  await execRows(
    database.db,
    sql`update channel_accounts set config = jsonb_set(config, '{apiRoot}', to_jsonb(${apiRoot}::text)) where channel = 'telegram'`,
  );
}

export interface RunningServer {
  baseUrl: string;
  stop(): Promise<void>;
}

/** The real server: createRuntime with the real catalog, listening on loopback. */
export async function startPipeline(
  database: Database,
  env: { poolMax: number; deliveryPollMs?: number },
): Promise<RunningServer & { runtime: Runtime }> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    SEED_CATALOG: 'true',
    DATABASE_POOL_MAX: String(env.poolMax),
    ...(env.deliveryPollMs ? { DELIVERY_POLL_MS: String(env.deliveryPollMs) } : {}),
  });
  const runtime = await createRuntime(config, { database });
  await runtime.start();
  const server = await runtime.listen(0, '127.0.0.1');
  return { runtime, baseUrl: baseUrlOf(server), stop: () => runtime.stop() };
}

/**
 * The baseline: a bare Express 5 handler that parses the update and calls
 * sendMessage on the same fake directly (no database, no queue, no retry),
 * replying to the resident's message so replies can be matched. It uses the
 * same HTTP client as the server's Telegram client (undici, pooled keep-alive).
 */
export async function startBaseline(bots: Bot[], apiRoot: string): Promise<RunningServer> {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const byId = new Map(bots.map((b) => [b.botId, b]));
  const app = express();
  app.post('/webhooks/telegram/:botId', express.json(), async (req, res) => {
    const bot = byId.get(String(req.params.botId));
    if (!bot) {
      res.status(404).json({ error: 'unknown bot' });
      return;
    }
    if (req.get('x-telegram-bot-api-secret-token') !== WEBHOOK_SECRET) {
      res.status(401).json({ error: 'invalid secret' });
      return;
    }
    const m = (req.body as { message?: { message_id: number; chat: { id: number }; text?: string } }).message;
    if (!m) {
      res.json({ ok: true });
      return;
    }
    try {
      const r = await request(`${apiRoot}/bot${bot.token}/sendMessage`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          chat_id: m.chat.id,
          text: `Đã nhận: ${m.text ?? ''}`,
          reply_parameters: { message_id: m.message_id },
        }),
      });
      await r.body.arrayBuffer();
    } catch {
      // A bare handler does not retry: a failed send is a lost reply, which the report counts.
    }
    res.json({ ok: true });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    baseUrl: baseUrlOf(server),
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      await dispatcher.close();
    },
  };
}

function baseUrlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
