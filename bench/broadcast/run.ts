/**
 * `npm run bench:broadcast [-- --json] [--subscribers N] [--scale N] [--no-kill]`
 *
 * Issue 17 item 5: a notice to 20,000 subscribers of one commune, sent through
 * the staff API as the console sends it, by the real server (`src/main.ts` as a
 * child process, on a throwaway PostgreSQL database), to fake platforms that
 * enforce the limits, while a few residents keep chatting with the bot through
 * signed webhooks. Time-scaled (default 10×) so a run takes about a minute:
 *
 *   Telegram  30 × scale messages/s per bot overall, 1 × scale per chat (burst 3),
 *             429 with retry_after past either (test/fakes/telegram-server.ts)
 *   Zalo OA   only within the window: a subscriber who has not written for 7 days
 *             is refused with -230 by the fake; the server should hold them instead
 *             (counted "held", never sent)
 *
 * Runs, in one invocation:
 *   baseline   a bare sender (no database, no queue) driving the same fake bot at
 *              exactly its limit for 10 s: the ceiling the fake allows on this machine
 *   broadcast  the routine notice to everyone; 10 s in, an urgent notice to one
 *              hamlet (issue 17 item 3: it must not wait behind the routine one)
 *   afterKill  another notice to everyone; the server is SIGKILLed when half of
 *              the Telegram copies are out and restarted on the same database
 *
 * Measured: achieved Telegram rate as a share of the enforced limit (copies of
 * every notice accepted for the bot / seconds from "send" to the last copy / limit), total seconds until
 * every reachable subscriber has the notice, duplicates (copies past the first
 * per chat and notice), losses (reachable subscribers with no copy at the end),
 * held (Zalo subscribers outside the window), and the chatting residents' reply
 * time (webhook posted → reply accepted by the fake) before and during the
 * broadcast. After the kill, each duplicate is checked against the database: its
 * outbox row must have been claimed again (attempts ≥ 2), i.e. the platform took
 * a send the killed process had not yet marked sent.
 *
 * `--pace N` sets the server's BROADCAST_PER_SECOND (default 28 × scale: its own default, time-scaled).
 * BENCH_DATABASE_URL names the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/test);
 * a bench_broadcast_<random> database is created there and dropped at the end.
 */
import os from 'node:os';
import { sql } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { createDatabase, execRows, type Database } from '../../src/db/client.js';
import { isUnconfirmed } from '../../src/pipeline/outbox/delivery-store.js';
import { startFakeTelegram, type FakeTelegram } from '../../test/fakes/telegram-server.js';
import { startFakeZalo, type FakeZalo } from '../../test/fakes/zalo-server.js';
import { channelEnv, TEXTS, TG, ZALO } from '../../test/helpers/process-platform.js';
import { createProcessDatabase, killAll, startServerProcess, type ServerProcess } from '../../test/helpers/process-server.js';
import { addStaff, signIn } from '../../test/helpers/staff.js';

const argv = process.argv.slice(2);
const has = (name: string) => argv.includes(name);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const asJson = has('--json');
const SCALE = num('--scale', 10);
const SUBSCRIBERS = num('--subscribers', 20_000);
/** Share of subscribers on Zalo OA, and of those, the share outside the 7-day window. */
const ZALO_SHARE = 0.2;
const ZALO_OUTSIDE_SHARE = 0.25;
const HAMLETS = 20;
const TG_LIMIT = 30 * SCALE;
const TG_PER_CHAT = 1 * SCALE;
/** What the server is told to pace a bot's broadcasts at: its default of 28 a second, time-scaled. */
const BROADCAST_PACE = num('--pace', 28 * SCALE);
/** Residents chatting meanwhile: each writes every CHAT_EVERY_MS (5 Telegram + 3 Zalo ≈ 4 messages/s). */
const CHATTERS_TG = 5;
const CHATTERS_ZALO = 3;
const CHAT_EVERY_MS = 2_000;
const URGENT_AFTER_MS = 10_000;
const DONE_TIMEOUT_MS = num('--timeout', 300) * 1000;
const BASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SLUG = 'xa-thu-phat-tin-tai';

const out = (line = '') => (asJson ? console.error(line) : console.log(line));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]);
}

// ---- Subscribers -----------------------------------------------------------------------------------

const zaloUser = (i: number) => `6142494900${String(i).padStart(9, '0')}`;
const N_ZALO = Math.round(SUBSCRIBERS * ZALO_SHARE);
const N_TG = SUBSCRIBERS - N_ZALO;
const N_ZALO_OUT = Math.round(N_ZALO * ZALO_OUTSIDE_SHARE);

async function seed(database: Database): Promise<{ communeId: number; hamletIds: number[] }> {
  await database.migrate();
  const db = database.db;
  const [{ id: communeId }] = await execRows<{ id: number }>(
    db,
    sql`insert into communes (slug, name) values (${SLUG}, 'Xã Thử Phát Tin Tải') returning id`,
  );
  const hamlets = await execRows<{ id: number }>(
    db,
    sql`insert into notice_hamlets (commune_id, name, position)
        select ${communeId}, 'Ấp Thử ' || g, g from generate_series(1, ${HAMLETS}) g returning id`,
  );
  const hamletIds = hamlets.map((h) => Number(h.id)).sort((a, b) => a - b);
  // Telegram subscribers, then Zalo ones; hamlets round-robin.
  await execRows(
    db,
    sql`insert into notice_subscriptions (commune_id, channel, chat_id, user_id, hamlet_id)
        select ${communeId}, 'telegram', (910000000 + g)::text, (910000000 + g)::text, ${hamletIds[0]} + (g % ${HAMLETS})
        from generate_series(0, ${N_TG - 1}) g`,
  );
  await execRows(
    db,
    sql`insert into notice_subscriptions (commune_id, channel, chat_id, user_id, hamlet_id)
        select ${communeId}, 'zalo', '6142494900' || lpad(g::text, 9, '0'), '6142494900' || lpad(g::text, 9, '0'),
               ${hamletIds[0]} + (g % ${HAMLETS})
        from generate_series(0, ${N_ZALO - 1}) g`,
  );
  // Zalo: the first N_ZALO_OUT last wrote 10 days ago (outside the window), the rest yesterday.
  await execRows(
    db,
    sql`insert into conversations (commune_id, channel, chat_id, user_id, last_inbound_at)
        select ${communeId}, 'zalo', '6142494900' || lpad(g::text, 9, '0'), '6142494900' || lpad(g::text, 9, '0'),
               now() - case when g < ${N_ZALO_OUT} then interval '10 days' else interval '1 day' end
        from generate_series(0, ${N_ZALO - 1}) g`,
  );
  await addStaff(database, 'phattin.tai', 'admin', communeId, 'Trần Thị Thử');
  return { communeId, hamletIds };
}

// ---- Platforms -----------------------------------------------------------------------------------

/** Copies of a notice accepted by the platforms, per chat, with the time of the last one. */
function copiesOf(tg: FakeTelegram, zalo: FakeZalo, title: string) {
  const tgCopies = new Map<string, number>();
  const zaloCopies = new Map<string, number>();
  let firstTg = Infinity;
  let lastTg = 0;
  let last = 0;
  for (const r of tg.requests) {
    if (r.method !== 'sendMessage' || r.status !== 200 || r.token !== TG.token) continue;
    if (!String(r.payload.text ?? '').includes(title)) continue;
    const chat = String(r.payload.chat_id);
    tgCopies.set(chat, (tgCopies.get(chat) ?? 0) + 1);
    firstTg = Math.min(firstTg, r.at);
    lastTg = Math.max(lastTg, r.at);
    last = Math.max(last, r.at);
  }
  for (const r of zalo.requests) {
    if (r.path !== '/v3.0/oa/message/cs' || (r.response as { error?: number })?.error !== 0) continue;
    if (!String(r.body.message?.text ?? '').includes(title)) continue;
    const chat = String(r.body.recipient?.user_id);
    zaloCopies.set(chat, (zaloCopies.get(chat) ?? 0) + 1);
    last = Math.max(last, r.at);
  }
  return { tgCopies, zaloCopies, firstTg, lastTg, last };
}

/**
 * Residents chatting with the bot: each chat posts a signed webhook every CHAT_EVERY_MS, posted again
 * after 300 ms while the server does not acknowledge it (as the platforms redeliver). Reply time is
 * webhook first posted → the chat's next non-notice message accepted by the fake (per-chat order holds).
 */
function startChatters(baseUrl: () => string, tg: FakeTelegram, zalo: FakeZalo) {
  const posted = new Map<string, number[]>(); // chat -> post times
  let stopped = false;
  let seq = 0;
  const one = async (key: string, make: () => { path: string; headers: Record<string, string>; body: string }) => {
    while (!stopped) {
      const started = Date.now();
      const req = make();
      const times = posted.get(key) ?? [];
      times.push(started);
      posted.set(key, times);
      for (;;) {
        try {
          const r = await fetch(`${baseUrl()}${req.path}`, { method: 'POST', headers: req.headers, body: req.body });
          await r.arrayBuffer();
          if (r.ok) break;
        } catch {
          // the server is down (the kill): post again, as the platform does
        }
        await sleep(300);
      }
      await sleep(Math.max(0, started + CHAT_EVERY_MS - Date.now()));
    }
  };
  const runs: Promise<void>[] = [];
  for (let c = 0; c < CHATTERS_TG; c++) {
    const chatId = 920_000_000 + c;
    runs.push(
      one(`telegram:${chatId}`, () => {
        const updateId = 50_000_000 + ++seq;
        return {
          path: '/webhooks/telegram',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG.secret },
          body: JSON.stringify({
            update_id: updateId,
            message: {
              message_id: updateId,
              from: { id: chatId, is_bot: false, first_name: 'Thử' },
              chat: { id: chatId, type: 'private', first_name: 'Thử' },
              date: Math.floor(Date.now() / 1000),
              text: TEXTS[seq % TEXTS.length],
            },
          }),
        };
      }),
    );
  }
  for (let u = 0; u < CHATTERS_ZALO; u++) {
    const userId = `61424949990000000${u}`;
    runs.push(
      one(`zalo:${userId}`, () => {
        const n = ++seq;
        const body = JSON.stringify({
          event_name: 'user_send_text',
          app_id: ZALO.appId,
          sender: { id: userId },
          recipient: { id: ZALO.oaId },
          message: { text: TEXTS[n % TEXTS.length], msg_id: `benchbcast${n}` },
          timestamp: String(Date.now()),
        });
        return {
          path: '/webhooks/zalo',
          headers: {
            'content-type': 'application/json',
            'x-zevent-signature': `mac=${signZaloEvent(body, ZALO.appId, ZALO.oaSecret)}`,
          },
          body,
        };
      }),
    );
  }
  /** Reply times (ms) of messages first posted within [from, to). */
  const replyTimes = (from: number, to: number): { times: number[]; unanswered: number } => {
    const replies = new Map<string, number[]>();
    const add = (key: string, at: number) => replies.set(key, [...(replies.get(key) ?? []), at]);
    for (const r of tg.requests)
      if (r.method === 'sendMessage' && r.status === 200 && Math.floor(Number(r.payload.chat_id) / 1000) === 920_000)
        add(`telegram:${r.payload.chat_id}`, r.at);
    for (const r of zalo.requests)
      if (r.path === '/v3.0/oa/message/cs' && (r.response as { error?: number })?.error === 0)
        add(`zalo:${r.body.recipient?.user_id}`, r.at);
    const times: number[] = [];
    let unanswered = 0;
    for (const [key, sent] of posted) {
      const got = replies.get(key) ?? [];
      sent.forEach((at, i) => {
        if (at < from || at >= to) return;
        if (got[i] === undefined) unanswered++;
        else times.push(got[i] - at);
      });
    }
    return { times, unanswered };
  };
  return {
    replyTimes,
    async stop() {
      stopped = true;
      await Promise.all(runs);
    },
  };
}

/** The bare sender: sendMessage paced at exactly the limit to distinct chats, no database. */
async function baseline(tg: FakeTelegram, seconds: number) {
  const token = '900000002:baseline-token-abcdefghij';
  const n = TG_LIMIT * seconds;
  const start = Date.now() + 50;
  let accepted = 0;
  let refused = 0;
  let last = 0;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = start + (i * 1000) / TG_LIMIT;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    sends.push(
      fetch(`${tg.apiRoot}/bot${token}/sendMessage`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chat_id: 930_000_000 + i, text: `Thử tải ${i}` }),
      }).then(async (r) => {
        await r.arrayBuffer();
        if (r.status === 200) {
          accepted++;
          last = Date.now();
        } else refused++;
      }),
    );
  }
  await Promise.all(sends);
  const secondsTaken = (last - start) / 1000;
  return { accepted, refused, seconds: secondsTaken, shareOfLimit: accepted / secondsTaken / TG_LIMIT };
}

// ---- One broadcast -------------------------------------------------------------------------------

interface RunResult {
  shareOfLimit: number;
  telegramPerS: number;
  seconds: number;
  duplicates: number;
  lost: number;
  /** After a kill: copies in flight at the kill, counted as sent unconfirmed and not sent again. */
  unconfirmed?: number;
  held: number;
  /** Sends the Zalo fake refused as outside the window (the server should never try). */
  refusedOutsideWindow: number;
  replyP50Ms: number | null;
  replyP99Ms: number | null;
  repliesMeasured: number;
  unanswered: number;
  platform429: number;
  urgent?: { recipients: number; secondsAfterItsSend: number; routineDoneAfterS: number } | null;
  kill?: { killedAfterS: number; telegramCopiesBeforeKill: number; restartS: number; duplicatesExplained: number };
}

async function main() {
  const t0 = Date.now();
  const cpus = os.cpus();
  out(
    `Machine: ${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, Node ${process.version}`,
  );
  out(
    `Subscribers: ${SUBSCRIBERS} (Telegram ${N_TG}, Zalo OA ${N_ZALO} of whom ${N_ZALO_OUT} outside the 7-day window), ${HAMLETS} hamlets; ` +
      `time scale ${SCALE}×: Telegram ${TG_LIMIT} msg/s per bot, ${TG_PER_CHAT}/s per chat, server paces broadcasts at ${BROADCAST_PACE}/s; ` +
      `${CHATTERS_TG + CHATTERS_ZALO} residents chatting, each every ${CHAT_EVERY_MS / 1000} s`,
  );

  const tg = await startFakeTelegram({
    rateLimit: { globalPerSecond: TG_LIMIT, perChatPerSecond: TG_PER_CHAT, perChatBurst: 3 },
  });
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
  for (let i = 0; i < N_ZALO_OUT; i++) zalo.setUserError(zaloUser(i), -230);

  out('… baseline: a bare sender at the fake bot’s limit for 10 s');
  const base = await baseline(tg, 10);
  tg.reset();
  tg.setRateLimit({ globalPerSecond: TG_LIMIT, perChatPerSecond: TG_PER_CHAT, perChatBurst: 3 });

  const pg = await createProcessDatabase(BASE_URL, 'bench_broadcast');
  const database = await createDatabase({ url: pg.url, poolMax: 2 });
  let server: ServerProcess | undefined;
  const env: Record<string, string> = {
    ...channelEnv(tg.apiRoot, zalo.apiBase),
    DATABASE_URL: pg.url,
    SEED_CATALOG: 'false',
    LOG_LEVEL: 'warn',
    COMMUNE_SLUG: SLUG,
    COMMUNE_NAME: 'Xã Thử Phát Tin Tải',
    // The server paces broadcasts to a bot at 28 of Telegram's 30 a second (src/config.ts), time-scaled here.
    BROADCAST_PER_SECOND: String(BROADCAST_PACE),
  };
  const results: { broadcast?: RunResult; afterKill?: RunResult } = {};
  try {
    out('… seeding the subscribers');
    const { hamletIds } = await seed(database);
    server = await startServerProcess({ ...env, LOG_LEVEL: 'info' });
    const srv = () => server!.baseUrl;
    const staff = await signIn(srv(), 'phattin.tai');
    const api = async (path: string, body: unknown) => {
      const r = await fetch(`${srv()}${path}`, {
        method: 'POST',
        headers: { cookie: staff.cookie, 'content-type': 'application/json', 'x-csrf-token': staff.csrf },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as { notice?: { id: number } };
      if (r.status >= 300) throw new Error(`${path}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    /** Compose and send, as the console does; returns the notice id and when "send" was answered. */
    const sendNotice = async (title: string, text: string, hamlets?: number[]) => {
      const created = await api('/api/v1/notices', { title, text, ...(hamlets ? { hamlets } : {}) });
      const id = created.notice!.id;
      await api(`/api/v1/notices/${id}/send`, {});
      return { id, at: Date.now() };
    };
    const chatters = startChatters(srv, tg, zalo);
    out('… residents chatting for 8 s before any notice (the reply time without a broadcast)');
    const quietFrom = Date.now();
    await sleep(8_000);
    const quietTo = Date.now();

    const reachableTg = N_TG;
    const reachableZalo = N_ZALO - N_ZALO_OUT;
    const waitAll = async (
      title: string,
      expectTg: number,
      expectZalo: number,
      onProgress?: (c: ReturnType<typeof copiesOf>) => Promise<void>,
      settled?: () => Promise<boolean>,
    ) => {
      const deadline = Date.now() + DONE_TIMEOUT_MS;
      for (;;) {
        const c = copiesOf(tg, zalo, title);
        if (onProgress) await onProgress(c);
        if ((c.tgCopies.size >= expectTg && c.zaloCopies.size >= expectZalo) || Date.now() > deadline) return c;
        // Nothing left to send (a copy in flight at a kill is settled, not sent again): what arrived is all.
        if (settled && (await settled())) return copiesOf(tg, zalo, title);
        await sleep(200);
      }
    };
    const heldOf = async (noticeId: number) =>
      Number(
        (
          await execRows<{ n: number }>(
            database.db,
            sql`select count(*)::int as n from notice_deliveries where notice_id = ${noticeId} and outbound_id is null`,
          )
        )[0].n,
      );
    const refused = () =>
      zalo.requests.filter((r) => r.path === '/v3.0/oa/message/cs' && (r.response as { error?: number })?.error === -230).length;
    const count429 = (from: number) => tg.requests.filter((r) => r.at >= from && r.status === 429).length;

    // --- The broadcast, with an urgent notice to one hamlet 10 s in -------------------------------
    {
      const title = 'Thông báo thử lịch tiếp dân tháng';
      const urgentTitle = 'Cảnh báo thử bão khẩn cấp';
      out(`… broadcast: "${title}" to ${SUBSCRIBERS} subscribers`);
      const refused0 = refused();
      const sent = await sendNotice(title, 'Lịch tiếp công dân tháng này (thử nghiệm tải, không có thật).');
      await sleep(URGENT_AFTER_MS);
      const urgentHamlet = hamletIds[0];
      out(`… broadcast: urgent "${urgentTitle}" to one hamlet`);
      const urgent = await sendNotice(urgentTitle, 'Bão thử nghiệm: không có thật, chỉ để đo.', [urgentHamlet]);
      const urgentTg = Math.ceil(N_TG / HAMLETS);
      const urgentZalo = Math.ceil(N_ZALO / HAMLETS) - Math.ceil(N_ZALO_OUT / HAMLETS);
      let urgentDoneAt: number | null = null;
      const c = await waitAll(title, reachableTg, reachableZalo, async () => {
        if (urgentDoneAt) return;
        const u = copiesOf(tg, zalo, urgentTitle);
        if (u.tgCopies.size >= urgentTg && u.zaloCopies.size >= urgentZalo) urgentDoneAt = u.last;
      });
      // The routine one is done: wait for the urgent one too, if it is still going.
      if (!urgentDoneAt) await waitAll(urgentTitle, urgentTg, urgentZalo);
      const u = copiesOf(tg, zalo, urgentTitle);
      if (!urgentDoneAt) urgentDoneAt = u.last;
      const replies = chatters.replyTimes(sent.at, c.last);
      const dups = (m: Map<string, number>) => [...m.values()].reduce((a, n) => a + n - 1, 0);
      // The bot's rate counts the urgent notice's copies too: they share the bot's limit.
      const tgPerS = (c.tgCopies.size + u.tgCopies.size) / ((Math.max(c.lastTg, u.lastTg) - sent.at) / 1000);
      results.broadcast = {
        shareOfLimit: Math.round((tgPerS / TG_LIMIT) * 1000) / 1000,
        telegramPerS: Math.round(tgPerS),
        seconds: Math.round((c.last - sent.at) / 100) / 10,
        duplicates: dups(c.tgCopies) + dups(c.zaloCopies) + dups(u.tgCopies) + dups(u.zaloCopies),
        lost:
          reachableTg -
          c.tgCopies.size +
          (reachableZalo - c.zaloCopies.size) +
          (urgentTg - u.tgCopies.size) +
          (urgentZalo - u.zaloCopies.size),
        held: await heldOf(sent.id),
        refusedOutsideWindow: refused() - refused0,
        replyP50Ms: percentile(replies.times, 50),
        replyP99Ms: percentile(replies.times, 99),
        repliesMeasured: replies.times.length,
        unanswered: replies.unanswered,
        platform429: count429(sent.at),
        urgent: {
          recipients: urgentTg + urgentZalo,
          secondsAfterItsSend: Math.round((urgentDoneAt - urgent.at) / 100) / 10,
          routineDoneAfterS: Math.round((c.last - urgent.at) / 100) / 10,
        },
      };
    }
    const quiet = chatters.replyTimes(quietFrom, quietTo);

    // --- The same, with the server killed halfway ---------------------------------------------------
    if (!has('--no-kill')) {
      const title = 'Thông báo thử chi trả chính sách';
      out(`… afterKill: "${title}" to ${SUBSCRIBERS} subscribers, SIGKILL at half the Telegram copies`);
      const refused0 = refused();
      const sent = await sendNotice(title, 'Lịch chi trả trợ cấp tháng này (thử nghiệm tải, không có thật).');
      let kill: RunResult['kill'] | undefined;
      const c = await waitAll(
        title,
        reachableTg,
        reachableZalo,
        async (p) => {
          if (kill || p.tgCopies.size < reachableTg / 2) return;
          const killedAt = Date.now();
          await server!.kill('SIGKILL');
          const before = copiesOf(tg, zalo, title).tgCopies.size;
          out(
            `… afterKill: killed after ${((killedAt - sent.at) / 1000).toFixed(1)} s (${before} Telegram copies out); restarting`,
          );
          server = await startServerProcess({ ...env, LOG_LEVEL: 'info' });
          kill = {
            killedAfterS: Math.round((killedAt - sent.at) / 100) / 10,
            telegramCopiesBeforeKill: before,
            restartS: Math.round((Date.now() - killedAt) / 100) / 10,
            duplicatesExplained: 0,
          };
        },
        async () => {
          if (!kill) return false;
          const [r] = await execRows<{ n: number }>(
            database.db,
            sql`select count(*)::int as n from notice_deliveries d join outbound_messages o on o.id = d.outbound_id
              where d.notice_id = ${sent.id} and o.status = 'pending'`,
          );
          return Number(r.n) === 0;
        },
      );
      // Copies in flight at the kill: counted as sent, unconfirmed, never sent again (issue 17).
      const [{ n: unconfirmed }] = await execRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from notice_deliveries d join outbound_messages o on o.id = d.outbound_id
            where d.notice_id = ${sent.id} and ${isUnconfirmed('o')}`,
      );
      const replies = chatters.replyTimes(sent.at, c.last);
      // Each second copy must be a row the restarted server claimed again (attempts >= 2).
      const attempts = await execRows<{ chat_id: string; attempts: number }>(
        database.db,
        sql`select d.chat_id, o.attempts from notice_deliveries d join outbound_messages o on o.id = d.outbound_id
            where d.notice_id = ${sent.id}`,
      );
      const attemptsOf = new Map(attempts.map((r) => [r.chat_id, Number(r.attempts)]));
      let duplicates = 0;
      let explained = 0;
      for (const m of [c.tgCopies, c.zaloCopies])
        for (const [chat, n] of m) {
          if (n < 2) continue;
          duplicates += n - 1;
          if ((attemptsOf.get(chat) ?? 0) >= n) explained += n - 1;
        }
      if (kill) kill.duplicatesExplained = explained;
      const tgPerS = c.tgCopies.size / ((c.lastTg - sent.at) / 1000);
      results.afterKill = {
        shareOfLimit: Math.round((tgPerS / TG_LIMIT) * 1000) / 1000,
        telegramPerS: Math.round(tgPerS),
        seconds: Math.round((c.last - sent.at) / 100) / 10,
        duplicates,
        lost: reachableTg - c.tgCopies.size + (reachableZalo - c.zaloCopies.size),
        unconfirmed: Number(unconfirmed),
        held: await heldOf(sent.id),
        refusedOutsideWindow: refused() - refused0,
        replyP50Ms: percentile(replies.times, 50),
        replyP99Ms: percentile(replies.times, 99),
        repliesMeasured: replies.times.length,
        unanswered: replies.unanswered,
        platform429: count429(sent.at),
        kill,
      };
    }
    await chatters.stop();

    // --- Report -------------------------------------------------------------------------------------
    out();
    out(
      `Load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (the machine is shared: read figures as this run's)`,
    );
    const rows: [string, (r: RunResult) => string | number][] = [
      ['share of limit (Telegram)', (r) => `${Math.round(r.shareOfLimit * 1000) / 10} %`],
      ['Telegram msg/s', (r) => r.telegramPerS],
      ['seconds', (r) => r.seconds],
      ['duplicates', (r) => r.duplicates],
      ['lost', (r) => r.lost],
      ['in flight at the kill (not resent)', (r) => (r.unconfirmed === undefined ? '–' : r.unconfirmed)],
      ['held (Zalo, outside window)', (r) => r.held],
      ['sent outside window (-230)', (r) => r.refusedOutsideWindow],
      ['429 from the fake', (r) => r.platform429],
      ['reply p50 / p99 ms', (r) => `${r.replyP50Ms} / ${r.replyP99Ms} (${r.repliesMeasured})`],
    ];
    const runs = Object.entries(results) as [string, RunResult][];
    const cells = [
      ['', ...runs.map(([k]) => k), 'baseline'],
      ...rows.map(([name, f]) => [name, ...runs.map(([, r]) => String(f(r))), '']),
    ];
    cells[1][cells[1].length - 1] = `${Math.round(base.shareOfLimit * 1000) / 10} %`;
    cells[2][cells[2].length - 1] = String(Math.round(base.accepted / base.seconds));
    cells[3][cells[3].length - 1] = String(Math.round(base.seconds * 10) / 10);
    cells[9][cells[9].length - 1] = String(base.refused);
    const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
    for (const [n, row] of cells.entries()) {
      out(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
      if (n === 0) out(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    out(
      `Reply time with no broadcast: p50 ${percentile(quiet.times, 50)} ms, p99 ${percentile(quiet.times, 99)} ms (${quiet.times.length} replies)`,
    );
    const u = results.broadcast?.urgent;
    if (u)
      out(
        `Urgent notice to one hamlet (${u.recipients} recipients), sent ${URGENT_AFTER_MS / 1000} s into the broadcast: all delivered ${u.secondsAfterItsSend} s after its send (the routine one finished ${u.routineDoneAfterS} s after it)`,
      );
    const k = results.afterKill?.kill;
    if (k)
      out(
        `Kill: SIGKILL ${k.killedAfterS} s in (${k.telegramCopiesBeforeKill} Telegram copies out), restarted in ${k.restartS} s; ${results.afterKill!.unconfirmed ?? 0} copies were in flight at the kill (counted as sent, not sent again); ${k.duplicatesExplained} of ${results.afterKill!.duplicates} duplicates are rows claimed again after the kill`,
      );
    out(`Total ${Math.round((Date.now() - t0) / 1000)} s`);
    if (asJson) {
      const b = results.broadcast!;
      const a = results.afterKill;
      console.log(
        JSON.stringify({
          machine: { cpu: cpus[0]?.model, cpus: cpus.length, node: process.version, loadAverage: os.loadavg() },
          subscribers: SUBSCRIBERS,
          scale: SCALE,
          telegramLimitPerS: TG_LIMIT,
          broadcastPacePerS: BROADCAST_PACE,
          shareOfLimit: b.shareOfLimit,
          seconds: b.seconds,
          duplicates: b.duplicates,
          lost: b.lost,
          held: b.held,
          replyP99Ms: b.replyP99Ms,
          quietReplyP99Ms: percentile(quiet.times, 99),
          broadcast: b,
          afterKill: a ?? null,
          baseline: base,
        }),
      );
    }
  } finally {
    await killAll();
    await database.close().catch(() => {});
    await pg.drop().catch(() => {});
    await tg.close();
    await zalo.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
