import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
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
  TG,
  ZALO,
} from '../helpers/process-platform.js';
import {
  createProcessDatabase,
  killAll,
  startRoundRobinProxy,
  startServerProcess,
  waitUntil,
} from '../helpers/process-server.js';
import { addStaff, signIn } from '../helpers/staff.js';

/**
 * Issue 20, item 6: two server processes on one PostgreSQL database behind a
 * round-robin proxy, as a province would run N instances. Consecutive
 * messages of one chat land on different instances; the per-conversation
 * advisory lock and the outbox's per-chat order must keep each conversation
 * in order, the unique external id must keep each update processed once, the
 * notice deliveries' key must send a notice once per subscriber, and the
 * token lock must spend the single-use Zalo refresh token once.
 * PGlite is one process by design, so this runs only with TEST_DATABASE_URL.
 */
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  await killAll();
  for (const c of cleanups.reverse()) await c();
});

if (!onPostgres) console.info('two-instances.test.ts skipped: set TEST_DATABASE_URL to run two servers on one PostgreSQL');

describe.skipIf(!onPostgres)('two server processes on one PostgreSQL behind a round-robin proxy', () => {
  it('keeps conversations in order, processes each update once, sends a notice once, refreshes the Zalo token once', async () => {
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
      // Long enough that both instances ask for a token while the first refresh is under way.
      refreshDelayMs: 300,
    });
    cleanups.push(
      () => tg.close(),
      () => zalo.close(),
    );
    const pg = await createProcessDatabase(process.env.TEST_DATABASE_URL!, 't_two');
    cleanups.push(() => pg.drop());
    const env: Record<string, string> = {
      ...channelEnv(tg.apiRoot, zalo.apiBase),
      DATABASE_URL: pg.url,
      DATABASE_POOL_MAX: '5',
      SEED_CATALOG: 'false',
      DELIVERY_POLL_MS: '50',
      COMMUNE_SLUG: 'xa-thu-hai-may',
      COMMUNE_NAME: 'Xã Thử Hai Máy',
    };
    // The first start migrates; the second finds the schema in place (a rolling start).
    const a = await startServerProcess(env);
    const b = await startServerProcess(env);
    const proxy = await startRoundRobinProxy([a.baseUrl, b.baseUrl]);
    cleanups.push(() => proxy.close());

    // 30 Telegram chats and 15 Zalo users, 6 messages each, every chat's messages alternating between the instances.
    const updates = planUpdates(2, 30, 15, 6);
    await deliverWebhooks(() => proxy.url, updates, { ratePerS: 80, deadlineMs: 120_000 });
    // Telegram and Zalo redeliver what they are unsure of: every third update again, to whichever instance is next.
    const again = updates.filter((_, i) => i % 3 === 0).map((u) => ({ ...u, acked: false, attempts: 0 }));
    await deliverWebhooks(() => proxy.url, again, { ratePerS: 80, deadlineMs: 60_000 });

    const perChat = new Map<string, number>();
    for (const u of updates) perChat.set(`${u.channel}:${u.chatId}`, (perChat.get(`${u.channel}:${u.chatId}`) ?? 0) + 1);
    const database = await createDatabase({ url: pg.url, poolMax: 2 });
    cleanups.push(() => database.close());
    await waitUntil(
      'every reply at the platform and nothing left to send',
      () => settled(tg, zalo, perChat, database.db),
      90_000,
    );

    const report = await reconcile(database.db, updates, acceptedMessages(tg, zalo));
    expect(report.acknowledged).toBe(updates.length);
    expect(report.notProcessed).toEqual([]);
    expect(report.notOneReply).toEqual([]);
    expect(report.notDelivered).toEqual([]);
    expect(report.outOfOrder).toEqual([]);
    // No process died, so nothing may be sent twice.
    expect(report.duplicates).toEqual([]);
    // Both instances took webhooks, and each took messages of the same chats.
    expect([...proxy.counts().values()].every((n) => n > updates.length / 3)).toBe(true);
    const [{ n: inbound }] = await execRows<{ n: number }>(database.db, sql`select count(*)::int as n from inbound_messages`);
    expect(inbound).toBe(updates.length);

    // One refresh of the Zalo token for both processes: the seeded pair has no known expiry, so each
    // instance's first send wants a refresh, and the second must find the first one's pair under the lock.
    expect(zalo.requests.filter((r) => r.path === '/v4/oa/access_token')).toHaveLength(1);
    expect(zalo.refreshCalls(ZALO.oaId)).toHaveLength(1);

    // A notice to every chat above: both instances run the broadcast worker.
    const [{ id: communeId }] = await execRows<{ id: number }>(
      database.db,
      sql`select id from communes where slug = 'xa-thu-hai-may'`,
    );
    const chats = [...new Map(updates.map((u) => [`${u.channel}:${u.chatId}`, u])).values()];
    for (const u of chats) {
      await execRows(
        database.db,
        sql`insert into notice_subscriptions (commune_id, channel, chat_id, user_id) values (${communeId}, ${u.channel}, ${u.chatId}, ${u.chatId})`,
      );
    }
    await addStaff(database, 'haimay.quantri', 'admin', communeId, 'Nguyễn Văn Thử');
    const admin = await signIn(proxy.url, 'haimay.quantri');
    const api = (path: string, body?: unknown) =>
      fetch(`${proxy.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          cookie: admin.cookie,
          ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': admin.csrf }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const created = await api('/api/v1/notices', { title: 'Thông báo thử hai máy', text: 'Lịch tiếp công dân thử nghiệm.' });
    expect(created.status).toBe(201);
    const noticeId = ((await created.json()) as { notice: { id: number } }).notice.id;
    expect((await api(`/api/v1/notices/${noticeId}/send`, {})).status).toBe(202);
    const done = await waitUntil(
      'the notice sent to every subscriber',
      async () => {
        const r = (await (await api(`/api/v1/notices/${noticeId}`)).json()) as { report: { sent: number } };
        return r.report.sent >= chats.length ? r : undefined;
      },
      90_000,
    );
    expect(done.report).toMatchObject({ recipients: chats.length, sent: chats.length, pending: 0, failed: 0 });
    const noticed = new Map<string, number>();
    for (const m of acceptedMessages(tg, zalo)) {
      if (m.text.includes('Thông báo thử hai máy')) noticed.set(m.chat, (noticed.get(m.chat) ?? 0) + 1);
    }
    expect(noticed.size).toBe(chats.length);
    expect([...noticed.values()].every((n) => n === 1)).toBe(true);
    expect(tg.sent({ token: TG.token }).length + zalo.sent().length).toBe(updates.length + chats.length);

    expect(await a.kill('SIGTERM')).toBe(0);
    expect(await b.kill('SIGTERM')).toBe(0);
  }, 300_000);
});
