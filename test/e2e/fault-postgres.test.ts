import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDatabase, execRows } from '../../src/db/client.js';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { startFakeZalo } from '../fakes/zalo-server.js';
import { onPostgres } from '../helpers/db.js';
import {
  acceptedMessages,
  channelEnv,
  deliverWebhooks,
  planUpdates,
  reconcile,
  settled,
  ZALO,
} from '../helpers/process-platform.js';
import {
  createProcessDatabase,
  killAll,
  startRoundRobinProxy,
  startServerProcess,
  waitUntil,
} from '../helpers/process-server.js';

/**
 * Issue 19: the database goes away under load. Every connection of the
 * server to its (throwaway) database is terminated three times during a load
 * of signed webhooks, which is what a PostgreSQL restart or fail-over does to
 * the application; the cluster itself, shared with other tests, is never
 * stopped. Only with TEST_DATABASE_URL (PGlite runs inside the process).
 * The server is run under a supervisor, as in production: what must hold is
 * that nothing acknowledged is lost and no operator step is needed.
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  await killAll();
  for (const c of cleanups.reverse()) await c();
});

if (!onPostgres) console.info('fault-postgres.test.ts skipped: set TEST_DATABASE_URL to cut the database connections under load');

// Runs with every PostgreSQL pass (FAULT_PG_CUT=0 skips it). History (issue 19): postgres.js left queries waiting
// for ever after a cut, so batches never ended and messages stayed 'received' (fixed in patches/; see
// test/integration/pipeline/connection-cut.test.ts). Later runs still saw, now and then, a recording statement or
// a processing transaction that never settled while every database session was idle (10 webhooks never
// acknowledged; one chat's messages never processed): the recording batcher and the processor now give such
// work up after 15 s / 60 s (core/time-box.ts), so the platform redelivers and recovery takes the conversation
// again. The old "reply marked 'sent' whose platform ids the platform had not given" was this test's own race:
// a duplicate let the per-chat counts be reached while a reply was still pending, and the platform was read
// before the database; it now waits until nothing is pending (CI showed the pending form of the same race).
const RUN_CUT = onPostgres && process.env.FAULT_PG_CUT !== '0';
if (onPostgres && !RUN_CUT) console.info('fault-postgres: skipped (FAULT_PG_CUT=0)');

describe.skipIf(!RUN_CUT)('PostgreSQL connections cut during load', () => {
  it('processes every acknowledged update, loses nothing and recovers without an operator', async () => {
    const tg = await startFakeTelegram();
    const zalo = await startFakeZalo({
      oas: [
        {
          oaId: ZALO.oaId,
          appId: ZALO.appId,
          appSecret: ZALO.appSecret,
          accessToken: ZALO.accessToken,
          refreshToken: ZALO.refreshToken,
        },
      ],
    });
    cleanups.push(
      () => tg.close(),
      () => zalo.close(),
    );
    const pg = await createProcessDatabase(process.env.TEST_DATABASE_URL!, 't_pgcut');
    cleanups.push(() => pg.drop());
    const env = {
      ...channelEnv(tg.apiRoot, zalo.apiBase),
      DATABASE_URL: pg.url,
      SEED_CATALOG: 'false',
      DELIVERY_POLL_MS: '50',
      COMMUNE_SLUG: 'xa-thu-mat-ket-noi',
      COMMUNE_NAME: 'Xã Thử Mất Kết Nối',
    };
    let server = await startServerProcess(env);
    const proxy = await startRoundRobinProxy([server.baseUrl]);
    cleanups.push(() => proxy.close());
    // The supervisor (docker compose's restart: unless-stopped, systemd's Restart=): a process that
    // exits is started again. Unpatched, postgres.js 3.4.9 throws an uncaught TypeError from nextWrite when
    // its socket is closed under it (porsager/postgres#1154, #1208), which ends the process; patches/
    // fixes it, so the supervisor must never have had to act.
    const crashes: string[] = [];
    let supervising = true;
    const supervise = (s: typeof server) =>
      void s.exited.then(async (code) => {
        if (!supervising) return;
        crashes.push(/TypeError[^\n]*/.exec(s.output())?.[0] ?? `exit ${code}`);
        proxy.setBackends([]);
        // A start cut by the next termination (during its migrations) is simply tried again.
        for (let attempt = 1; ; attempt++) {
          try {
            server = await startServerProcess(env);
            break;
          } catch (error) {
            if (attempt >= 5) throw error;
          }
        }
        proxy.setBackends([server.baseUrl]);
        supervise(server);
      });
    supervise(server);

    const updates = planUpdates(3, 40, 20, 5);
    const load = deliverWebhooks(() => proxy.url, updates, { ratePerS: 60, deadlineMs: 180_000 });
    const acked = () => updates.filter((u) => u.acked).length;
    // A webhook waiting 20 s for its answer means a recording statement that does not settle: report once what
    // every session of the database is doing and what the server logged, for whoever investigates.
    let stuckReported = false;
    const watchdog = setInterval(() => {
      const stuck = updates.filter((u) => u.inFlightSince !== undefined && Date.now() - u.inFlightSince > 20_000);
      if (!stuck.length || stuckReported) return;
      stuckReported = true;
      void pg.activity().then((rows) =>
        console.info(
          `fault-postgres: ${stuck.length} webhooks unanswered for 20 s (${stuck.map((u) => u.externalId).join(', ')});\n` +
            `sessions:\n${JSON.stringify(rows, null, 1)}\nserver errors:\n` +
            server
              .output()
              .split('\n')
              .filter((l) => /"level":(4|5)0|"level":"(warn|error)"/.test(l))
              .slice(-40)
              .join('\n'),
        ),
      );
    }, 2_000);
    cleanups.push(() => clearInterval(watchdog));
    let terminated = 0;
    for (const at of [60, 130, 200]) {
      await waitUntil(`${at} updates acknowledged`, () => acked() >= at, 120_000);
      terminated += await pg.terminateBackends();
    }
    await load;
    expect(terminated).toBeGreaterThan(0);

    const perChat = new Map<string, number>();
    for (const u of updates) perChat.set(`${u.channel}:${u.chatId}`, (perChat.get(`${u.channel}:${u.chatId}`) ?? 0) + 1);
    // Generous: a batch cut mid-transaction is picked up by the 30 s recovery, a claim cut before it
    // was marked sent waits for its 60 s lease.
    const lastCutAt = Date.now();
    // A duplicate counts at the platform too, so the counts alone can be reached while a chat's last reply is
    // still pending: wait until nothing is left to process or send as well. Only then is the platform read
    // (reconcile below), so no reply is marked sent between that snapshot and the database's rows (this race
    // was the old "marked sent, ids not at the platform" failure; CI saw the pending form of it).
    const settledDb = await createDatabase({ url: pg.url, poolMax: 1 });
    cleanups.push(() => settledDb.close());
    try {
      await waitUntil(
        'every reply at the platform and nothing left to send',
        () => settled(tg, zalo, perChat, settledDb.db),
        150_000,
      );
    } catch (error) {
      // What still waits, for whoever investigates: the rows, their states and their leases.
      const look = await createDatabase({ url: pg.url, poolMax: 1 });
      const waiting = await execRows(
        look.db,
        sql`select id, channel, chat_id, status, attempts, locked_until, next_attempt_at, created_at, last_error, now() as now
          from outbound_messages where status <> 'sent' order by id`,
      );
      const received = await execRows(
        look.db,
        sql`select id, channel, chat_id, status, attempts, received_at, now() as now from inbound_messages
          where status <> 'processed' order by id`,
      );
      await look.close();
      console.info(`fault-postgres: sessions at the failure:\n${JSON.stringify(await pg.activity(), null, 1)}`);
      console.info(
        `fault-postgres: server warnings and errors:\n${server
          .output()
          .split('\n')
          .filter((l) => /"level":(4|5)0|"level":"(warn|error)"/.test(l))
          .slice(-60)
          .join('\n')}`,
      );
      console.info(
        `fault-postgres: ${Math.round((Date.now() - lastCutAt) / 1000)} s after the load, outbox not sent:\n` +
          `${JSON.stringify(waiting, null, 1)}\ninbound not processed:\n${JSON.stringify(received, null, 1)}`,
      );
      throw error;
    }
    // Serving throughout: no process exit at any cut.
    expect(crashes).toEqual([]);
    await waitUntil('the server ready', async () => (await fetch(`${proxy.url}/readyz`).catch(() => undefined))?.ok, 120_000);

    const database = await createDatabase({ url: pg.url, poolMax: 2 });
    cleanups.push(() => database.close());
    const report = await reconcile(database.db, updates, acceptedMessages(tg, zalo));
    console.info(
      `fault-postgres: ${report.updates} updates, ${terminated} connections terminated, ` +
        `${report.redeliveries} webhook posts repeated, ${report.duplicates.length} duplicate replies, ` +
        `${crashes.length} process exits restarted by the supervisor (${[...new Set(crashes)].join('; ')}), ` +
        `${server.output().split('did not settle within').length - 1} stalled statements or batches given up`,
    );
    if (report.notDelivered.length) {
      // A reply not at the platform, or whose stored platform ids the platform never gave: its row and its chat's messages.
      const ids = report.notDelivered.map((x) => x.split(' ')[0]);
      const rows = await execRows(
        database.db,
        sql`select i.external_id, i.channel, i.chat_id, o.id, o.status, o.attempts, o.parts_sent, o.platform_message_ids,
                   o.last_error, o.created_at, o.sent_at
            from inbound_messages i left join outbound_messages o on o.inbound_id = i.id
            where i.external_id = any(${`{${ids.join(',')}}`}::text[])`,
      );
      const chats = new Set(rows.map((r) => `${String(r.channel)}:${String(r.chat_id)}`));
      const atPlatform = acceptedMessages(tg, zalo).filter((a) => chats.has(a.chat));
      console.info(
        `fault-postgres: not delivered:\n${JSON.stringify(rows, null, 1)}\nat the platform:\n${JSON.stringify(atPlatform, null, 1)}`,
      );
    }
    expect(report.acknowledged).toBe(updates.length);
    expect(report.notProcessed).toEqual([]);
    expect(report.notOneReply).toEqual([]);
    expect(report.notDelivered).toEqual([]);
    expect(report.outOfOrder).toEqual([]);
    // A duplicate is a reply the platform took while the connection that would mark it sent was cut
    // (or the process ended): a copy of a reply its chat also got, whose row was claimed again.
    expect(report.strayDuplicates).toEqual([]);
    expect(report.unclaimedDuplicates).toEqual([]);
    supervising = false;
    const exitCode = await server.kill('SIGTERM');
    if (exitCode !== 0) {
      // A shutdown that failed or overran its 15 s (src/main.ts): what the server said last, for whoever investigates.
      console.info(
        `fault-postgres: exit code ${exitCode} on SIGTERM; the server's last warnings and errors:\n${server
          .output()
          .split('\n')
          .filter((l) => /"level":(4|5)0|"level":"(warn|error)"|shutting down|shutdown/.test(l))
          .slice(-40)
          .join('\n')}`,
      );
    }
    expect(exitCode).toBe(0);
  }, 300_000);
});
