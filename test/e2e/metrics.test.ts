import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryZaloTokenRepo, createZaloTokenStore } from '../../src/channels/zalo/tokens.js';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { createLogger, silentLogger } from '../../src/core/logger.js';
import { noticeSubscriptions } from '../../src/db/schema/index.js';
import { createApp } from '../../src/server/app.js';
import { startFakeTelegram, tgFailures, type FakeTelegram } from '../fakes/telegram-server.js';
import { startFakeZalo, type FakeZalo } from '../fakes/zalo-server.js';
import { createTestDatabase } from '../helpers/db.js';
import { until } from '../helpers/until.js';
import { chat, startTestRuntime } from '../helpers/runtime.js';
import { addStaff, signIn } from '../helpers/staff.js';

/** /metrics as Prometheus scrapes it, and the access log, on the real server with a fake Telegram Bot API. */
const TOKEN = '7000000002:TEST-token-for-metrics';
const SECRET = 'metrics_webhook_secret-1';
const METRICS_TOKEN = 'metrics-token-0123456789';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/telegram/text.json', import.meta.url), 'utf8'));
const zaloText = JSON.parse(readFileSync(new URL('../fixtures/zalo/user_send_text.json', import.meta.url), 'utf8'));
const OA = {
  oaId: '3662729500000000733',
  appId: '2553928400000000733',
  appSecret: 'app-secret-metrics-0733',
  accessToken: 'AT_metrics_initial',
  refreshToken: 'RT_metrics_initial',
};
const OA_SECRET = 'oa-secret-key-metrics-0733';
/** The commune the test runtime seeds (COMMUNE_SLUG in test/helpers/runtime.ts). */
const COMMUNE = 'xa-thu-nghiem';

let tg: FakeTelegram;
let zf: FakeZalo;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Awaited<ReturnType<typeof startTestRuntime>>;
const logLines: string[] = [];

beforeAll(async () => {
  tg = await startFakeTelegram();
  zf = await startFakeZalo({ oas: [OA] });
  database = await createTestDatabase();
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  env = await startTestRuntime(
    {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: tg.apiRoot,
      ZALO_APP_ID: OA.appId,
      ZALO_APP_SECRET: OA.appSecret,
      ZALO_OA_ID: OA.oaId,
      ZALO_OA_SECRET_KEY: OA_SECRET,
      ZALO_OA_ACCESS_TOKEN: OA.accessToken,
      ZALO_OA_REFRESH_TOKEN: OA.refreshToken,
      ZALO_API_BASE: zf.apiBase,
      ZALO_OAUTH_BASE: zf.oauthBase,
      METRICS_TOKEN,
    },
    { database, log: createLogger('info', sink) },
  );
}, 120_000);
afterAll(async () => {
  await env?.close().catch(() => {});
  await database?.close();
  await tg?.close();
  await zf?.close();
});

async function scrape(): Promise<string> {
  const r = await fetch(`${env.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toContain('text/plain');
  return r.text();
}

/** Whether a series with these labels is in the scrape (a negative assertion on `sample` alone cannot tell). */
function hasSeries(text: string, name: string, labels: Record<string, string> = {}): boolean {
  return text
    .split('\n')
    .some(
      (line) =>
        (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) &&
        Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
    );
}

/** The value of one sample (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

/** A signed Zalo OA text event from `user`. */
function postZalo(user: string, msgId: string, text = 'menu') {
  const e = structuredClone(zaloText);
  Object.assign(e, { app_id: OA.appId, sender: { id: user }, recipient: { id: OA.oaId }, timestamp: String(Date.now()) });
  e.message = { text, msg_id: msgId };
  const raw = JSON.stringify(e);
  return fetch(`${env.baseUrl}/webhooks/zalo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-zevent-signature': `mac=${signZaloEvent(raw, OA.appId, OA_SECRET)}` },
    body: raw,
  });
}

function postUpdate(updateId: number, chatId: number, text = 'menu') {
  const u = structuredClone(fixture);
  u.update_id = updateId;
  u.message.chat.id = chatId;
  u.message.from.id = chatId;
  u.message.text = text;
  return fetch(`${env.baseUrl}/webhooks/telegram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET },
    body: JSON.stringify(u),
  });
}

describe('GET /metrics', () => {
  it('requires the bearer token', async () => {
    expect((await fetch(`${env.baseUrl}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${env.baseUrl}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
    expect(await wrong.text()).not.toContain('troly_');
  });

  it('is not served at all without METRICS_TOKEN', async () => {
    const app = createApp({
      log: silentLogger,
      ready: async () => true,
      channelRouters: [],
      routers: [],
      trustProxy: 'loopback',
    });
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const r = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(r.status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('exposes process, HTTP, message, delivery and outbox metrics', async () => {
    const text = await scrape();
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'troly_http_requests_total',
      'troly_http_request_duration_seconds',
      'troly_messages_received_total',
      'troly_messages_sent_total',
      'troly_delivery_failures_total',
      'troly_delivery_retries_total',
      'troly_outbox_pending_messages',
      'troly_outbox_oldest_pending_age_seconds',
      'troly_reply_latency_seconds',
      'troly_notice_recipients_total',
      'troly_notices_sending',
      'troly_token_refreshes_total',
    ])
      expect(text, name).toContain(`# TYPE ${name} `);
    // What each counts where they differ: notice copies on the web chat are in the notice counter only, and
    // the two channels' latencies are measured on different clocks.
    const help = (name: string) => text.split('\n').find((l) => l.startsWith(`# HELP ${name} `)) ?? '';
    expect(help('troly_messages_sent_total')).toContain('notice copies and other messages the page polls for are not counted');
    expect(help('troly_notice_recipients_total')).toContain('not in troly_messages_sent_total');
    expect(help('troly_reply_latency_seconds')).toContain('database server’s clock');
  });

  it('counts a web chat message in and its replies out', async () => {
    const before = await scrape();
    const r = await chat(env.baseUrl, { sessionId: 'metrics-web-1', text: 'menu' });
    expect(r.status).toBe(200);
    const after = await scrape();
    const web = { channel: 'web', commune: COMMUNE };
    expect(sample(after, 'troly_messages_received_total', web)).toBe(sample(before, 'troly_messages_received_total', web) + 1);
    expect(sample(after, 'troly_messages_sent_total', web)).toBe(
      sample(before, 'troly_messages_sent_total', web) + r.json.replies.length,
    );
    // Each reply handed over in the response is one latency observation, within the request's own time.
    const count = (t: string) => sample(t, 'troly_reply_latency_seconds_count', { channel: 'web' });
    const sum = (t: string) => sample(t, 'troly_reply_latency_seconds_sum', { channel: 'web' });
    expect(count(after)).toBe(count(before) + r.json.replies.length);
    expect(sum(after)).toBeGreaterThan(sum(before));
    expect(sum(after) - sum(before)).toBeLessThan(30 * r.json.replies.length);
    expect(sample(after, 'troly_http_requests_total', { method: 'POST', route: '/api/v1/chat', status: '200' })).toBe(
      sample(before, 'troly_http_requests_total', { method: 'POST', route: '/api/v1/chat', status: '200' }) + 1,
    );
  });

  it('counts a Telegram webhook in, its reply out once confirmed, a retry and a give-up; a redelivery is not a new message', async () => {
    const before = await scrape();
    const chatId = 5200000001;
    expect((await postUpdate(920001, chatId)).status).toBe(200);
    expect((await postUpdate(920001, chatId)).status).toBe(200); // redelivered by Telegram
    await until(() => tg.sent({ token: TOKEN, chatId }).find((s) => s.status === 200));
    const telegram = { channel: 'telegram', commune: COMMUNE };
    const sentBefore = sample(before, 'troly_messages_sent_total', telegram);
    // From the webhook's message recorded to the platform's confirmation: one observation per confirmed reply.
    const latency = (t: string, s: string) => sample(t, `troly_reply_latency_seconds_${s}`, { channel: 'telegram' });
    const afterOne = await until(async () => {
      const t = await scrape();
      const sent = sample(t, 'troly_messages_sent_total', telegram) - sentBefore;
      return sent > 0 && latency(t, 'count') - latency(before, 'count') === sent ? t : undefined;
    });
    expect(sample(afterOne, 'troly_messages_received_total', telegram)).toBe(
      sample(before, 'troly_messages_received_total', telegram) + 1,
    );
    expect(latency(afterOne, 'sum')).toBeGreaterThan(latency(before, 'sum'));
    expect(latency(afterOne, 'sum') - latency(before, 'sum')).toBeLessThan(30);
    // Every reply here came well within 30 s: the finite bucket holds them all (the +Inf one always would).
    expect(sample(afterOne, 'troly_reply_latency_seconds_bucket', { channel: 'telegram', le: '30' })).toBe(
      latency(afterOne, 'count'),
    );
    expect(sample(afterOne, 'troly_http_requests_total', { route: '/webhooks/telegram', status: '200' })).toBe(
      sample(before, 'troly_http_requests_total', { route: '/webhooks/telegram', status: '200' }) + 2,
    );

    // One 502 then a blocked bot: one retry, then given up as undeliverable.
    tg.fail(tgFailures.serverError(502), { times: 1, method: 'sendMessage' });
    tg.fail(tgFailures.blocked(), { times: 1, method: 'sendMessage' });
    expect((await postUpdate(920002, 5200000002)).status).toBe(200);
    const afterFailure = await until(async () => {
      const t = await scrape();
      return sample(t, 'troly_delivery_failures_total', { ...telegram, outcome: 'undeliverable' }) >
        sample(before, 'troly_delivery_failures_total', { ...telegram, outcome: 'undeliverable' })
        ? t
        : undefined;
    }, 30_000);
    expect(sample(afterFailure, 'troly_delivery_retries_total', telegram)).toBe(
      sample(before, 'troly_delivery_retries_total', telegram) + 1,
    );
  }, 60_000);

  it('reads the outbox depth and the oldest pending age at scrape time', async () => {
    tg.fail(tgFailures.serverError(502), { times: 1, method: 'sendMessage' });
    expect((await postUpdate(920003, 5200000003)).status).toBe(200);
    // The failed send is scheduled again a second later: meanwhile it waits in the outbox.
    const text = await until(async () => {
      const t = await scrape();
      return sample(t, 'troly_outbox_pending_messages') >= 1 ? t : undefined;
    });
    expect(hasSeries(text, 'troly_outbox_oldest_pending_age_seconds')).toBe(true);
    expect(sample(text, 'troly_outbox_oldest_pending_age_seconds')).toBeGreaterThan(0);
    await until(async () => (sample(await scrape(), 'troly_outbox_pending_messages') === 0 ? true : undefined), 30_000);
  }, 60_000);
});

describe('broadcast and token metrics', () => {
  function api(path: string, who: { cookie: string; csrf: string }, body?: unknown) {
    return fetch(`${env.baseUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie: who.cookie, 'content-type': 'application/json', 'x-csrf-token': who.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  it('follow a notice by channel and commune: queued, held outside the Zalo reply window, sent; the held copy is sent once the resident writes', async () => {
    const communeId = env.runtime.defaultCommune.id;
    const tgChat = 5200000101;
    const zaloUser = '6142494800000073301';
    await database.db.insert(noticeSubscriptions).values([
      { communeId, channel: 'telegram', chatId: String(tgChat), userId: String(tgChat) },
      { communeId, channel: 'web', chatId: 'metrics-notice-web', userId: 'metrics-notice-web' },
      // Has never written to the OA: outside its reply window, so the copy is held.
      { communeId, channel: 'zalo', chatId: zaloUser, userId: zaloUser },
    ]);
    await addStaff(env.runtime.database, 'metrics.quantri', 'admin', communeId, 'Trần Quản Trị');
    const admin = await signIn(env.baseUrl, 'metrics.quantri');
    const before = await scrape();
    const created = await api('/api/v1/notices', admin, { title: 'Lịch tiêm phòng', text: 'Sáng thứ Bảy tại trạm y tế xã.' });
    expect(created.status).toBe(201);
    const { notice } = (await created.json()) as { notice: { id: number } };
    expect((await api(`/api/v1/notices/${notice.id}/send`, admin, {})).status).toBe(202);
    await until(() => tg.sent({ token: TOKEN, chatId: tgChat }).find((s) => String(s.payload.text).includes('Lịch tiêm phòng')));

    const of = (t: string, channel: string, outcome: string) =>
      sample(t, 'troly_notice_recipients_total', { channel, commune: COMMUNE, outcome }) -
      sample(before, 'troly_notice_recipients_total', { channel, commune: COMMUNE, outcome });
    const after = await until(async () => {
      const t = await scrape();
      return of(t, 'telegram', 'sent') === 1 && sample(t, 'troly_notices_sending') === 0 ? t : undefined;
    });
    expect(of(after, 'telegram', 'queued')).toBe(1);
    expect(of(after, 'web', 'queued')).toBe(1);
    expect(of(after, 'web', 'sent')).toBe(1); // stored for the web chat's poll
    expect(of(after, 'zalo', 'held')).toBe(1);
    expect(of(after, 'zalo', 'queued')).toBe(0);
    expect(hasSeries(after, 'troly_notice_recipients_total', { channel: 'telegram', commune: COMMUNE, outcome: 'sent' })).toBe(
      true,
    );
    expect(of(after, 'telegram', 'failed') + of(after, 'telegram', 'undeliverable')).toBe(0);
    expect(of(after, 'zalo', 'sent')).toBe(0);

    // The Zalo subscriber writes (a question: "menu" is claimed by the assistant's menu handler, registered
    // before the notices' release): the held copy goes out before the answer, and is counted sent (not queued
    // again), so queued + held now equals sent.
    expect((await postZalo(zaloUser, 'metrics-zalo-held-1', 'làm giấy khai sinh')).status).toBe(200);
    await until(() => zf.sent({ oaId: OA.oaId, userId: zaloUser }).find((s) => JSON.stringify(s).includes('Lịch tiêm phòng')));
    const released = await until(async () => {
      const t = await scrape();
      return of(t, 'zalo', 'sent') === 1 ? t : undefined;
    });
    expect(of(released, 'zalo', 'queued')).toBe(0);
    expect(of(released, 'zalo', 'held')).toBe(1);
    const outcomes = ['sent', 'failed', 'undeliverable'];
    for (const channel of ['telegram', 'web', 'zalo'])
      expect(of(released, channel, 'queued') + of(released, channel, 'held'), channel).toBe(
        outcomes.reduce((n, o) => n + of(released, channel, o), 0),
      );
  }, 60_000);

  it('count Zalo OA token refreshes: the one a reply needs when Zalo rejects the token, and a refused one', async () => {
    // The runtime's Zalo adapter knows its commune: its refreshes carry the commune's slug.
    const ok = (t: string) => sample(t, 'troly_token_refreshes_total', { channel: 'zalo', commune: COMMUNE, outcome: 'ok' });
    const failed = (t: string) => sample(t, 'troly_token_refreshes_total', { channel: 'zalo', outcome: 'failed' });
    const before = await scrape();
    const callsBefore = zf.refreshCalls().length;
    zf.expireAccessToken(OA.oaId);
    const user = '6142494800000073302';
    expect((await postZalo(user, 'metrics-zalo-1')).status).toBe(200);
    await until(() => zf.sent({ oaId: OA.oaId, userId: user }).length || undefined);
    const after = await until(async () => {
      const t = await scrape();
      return ok(t) > ok(before) ? t : undefined;
    });
    expect(ok(after) - ok(before)).toBe(zf.refreshCalls().length - callsBefore);
    expect(failed(after)).toBe(failed(before));
    expect(sample(after, 'troly_messages_received_total', { channel: 'zalo', commune: COMMUNE })).toBe(
      sample(before, 'troly_messages_received_total', { channel: 'zalo', commune: COMMUNE }) + 1,
    );

    // A spent refresh token: Zalo refuses the exchange. The store knows its commune (each commune has its own OA).
    const store = createZaloTokenStore({
      repo: createMemoryZaloTokenRepo({ accessToken: 'AT_spent', refreshToken: 'RT_spent', expiresAt: new Date(0) }),
      appId: OA.appId,
      appSecret: OA.appSecret,
      oauthBase: zf.oauthBase,
      communeId: env.runtime.defaultCommune.id,
    });
    const failedHere = (t: string) =>
      sample(t, 'troly_token_refreshes_total', { channel: 'zalo', commune: COMMUNE, outcome: 'failed' });
    await expect(store.get()).rejects.toMatchObject({ code: 'zalo_auth' });
    const refused = await scrape();
    expect(failed(refused)).toBe(failed(before) + 1);
    expect(failedHere(refused)).toBe(failedHere(before) + 1);
    expect(ok(refused)).toBe(ok(after));
  }, 60_000);
});

describe('the access log', () => {
  it('has one line per request with its request id, an ISO time and the level name, and no query string or body', async () => {
    logLines.length = 0;
    await fetch(`${env.baseUrl}/api/v1/procedures/search?q=0912345678&limit=1`, { headers: { 'x-request-id': 'req-metrics-1' } });
    await chat(env.baseUrl, { sessionId: 'metrics-web-2', text: 'số điện thoại của tôi là 0987654321' });
    const records = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'request');
    const search = records.find((r) => r.requestId === 'req-metrics-1');
    expect(search).toMatchObject({ level: 'info', method: 'GET', route: '/api/v1/procedures/search', status: 200 });
    expect(String(search!.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(records.find((r) => r.route === '/api/v1/chat')).toBeDefined();
    const all = logLines.join('\n');
    expect(all).not.toContain('0912345678');
    expect(all).not.toContain('0987654321');
    expect(all).not.toContain('q=');
  });
});
