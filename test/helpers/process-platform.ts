import { sql } from 'drizzle-orm';
import { signZaloEvent } from '../../src/channels/zalo/verify.js';
import { execRows, type Db } from '../../src/db/client.js';
import type { FakeTelegram } from '../fakes/telegram-server.js';
import type { FakeZalo } from '../fakes/zalo-server.js';

/**
 * The platforms' side of a fault test: signed Telegram and Zalo OA webhooks
 * posted the way the platforms post them (each chat's updates one after the
 * other, an update not acknowledged with a 2xx posted again after a pause),
 * and the reconciliation of what was acknowledged, recorded, processed and
 * delivered. Synthetic ids and texts only.
 */
export const TG = { token: '900000001:fault-test-token-abcdefghij', secret: 'fault-test-webhook-secret-01' };
export const ZALO = {
  oaId: '3662729500000000777',
  appId: '2553928400000000777',
  appSecret: 'fault-test-app-secret-0777',
  oaSecret: 'fault-test-oa-secret-0777',
  accessToken: 'AT_fault_seed',
  refreshToken: 'RT_fault_seed',
};

/** Server settings for both channels against the fakes. */
export function channelEnv(tgApiRoot: string, zaloBase: string): Record<string, string> {
  return {
    TELEGRAM_BOT_TOKEN: TG.token,
    TELEGRAM_WEBHOOK_SECRET: TG.secret,
    TELEGRAM_API_ROOT: tgApiRoot,
    ZALO_APP_ID: ZALO.appId,
    ZALO_APP_SECRET: ZALO.appSecret,
    ZALO_OA_ID: ZALO.oaId,
    ZALO_OA_SECRET_KEY: ZALO.oaSecret,
    ZALO_OA_ACCESS_TOKEN: ZALO.accessToken,
    ZALO_OA_REFRESH_TOKEN: ZALO.refreshToken,
    ZALO_API_BASE: zaloBase,
    ZALO_OAUTH_BASE: zaloBase,
  };
}

/** Replies of one message each and no conversation state: any order of them is a valid conversation. */
export const TEXTS = ['giờ làm việc', 'cảm ơn'];

export interface PlannedUpdate {
  channel: 'telegram' | 'zalo';
  chatId: string;
  /** update_id (Telegram) or msg_id (Zalo): the inbound row's external id. */
  externalId: string;
  /** Position in its chat. */
  seq: number;
  body: string;
  headers: Record<string, string>;
  path: string;
  status?: number;
  acked: boolean;
  attempts: number;
  /** Date.now() when the post now waiting for its answer was sent (undefined when none waits). */
  inFlightSince?: number;
}

/** `chats` Telegram chats and `users` Zalo users, `perChat` messages each. Ids are disjoint per `run`. */
export function planUpdates(run: number, chats: number, users: number, perChat: number): PlannedUpdate[] {
  const list: PlannedUpdate[] = [];
  for (let c = 0; c < chats; c++) {
    const chatId = 900_000_000 + run * 10_000 + c;
    for (let k = 0; k < perChat; k++) {
      const updateId = run * 1_000_000 + c * 100 + k;
      const body = JSON.stringify({
        update_id: updateId,
        message: {
          message_id: updateId,
          from: { id: chatId, is_bot: false, first_name: 'Thử' },
          chat: { id: chatId, type: 'private', first_name: 'Thử' },
          date: 1_767_225_600 + k,
          text: TEXTS[(c + k) % TEXTS.length],
        },
      });
      list.push({
        channel: 'telegram',
        chatId: String(chatId),
        externalId: String(updateId),
        seq: k,
        body,
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG.secret },
        path: '/webhooks/telegram',
        acked: false,
        attempts: 0,
      });
    }
  }
  for (let u = 0; u < users; u++) {
    const userId = `61424948000${String(run).padStart(2, '0')}${String(u).padStart(6, '0')}`;
    for (let k = 0; k < perChat; k++) {
      const msgId = `fault${run}u${u}m${k}`;
      const body = JSON.stringify({
        event_name: 'user_send_text',
        app_id: ZALO.appId,
        sender: { id: userId },
        recipient: { id: ZALO.oaId },
        message: { text: TEXTS[(u + k) % TEXTS.length], msg_id: msgId },
        // Zalo's timestamp is checked against a replay window: now (ids keep events apart).
        timestamp: String(Date.now()),
      });
      list.push({
        channel: 'zalo',
        chatId: userId,
        externalId: msgId,
        seq: k,
        body,
        headers: {
          'content-type': 'application/json',
          'x-zevent-signature': `mac=${signZaloEvent(body, ZALO.appId, ZALO.oaSecret)}`,
        },
        path: '/webhooks/zalo',
        acked: false,
        attempts: 0,
      });
    }
  }
  return list;
}

/**
 * Post every update to `baseUrl` like the platforms do: chats in parallel,
 * each chat's updates in order, an update retried (after `retryMs`) until a
 * 2xx; at most `ratePerS` posts a second overall. Resolves when all are
 * acknowledged, rejects after `deadlineMs`.
 */
export async function deliverWebhooks(
  baseUrl: () => string,
  updates: PlannedUpdate[],
  opts: { ratePerS: number; retryMs?: number; deadlineMs: number },
): Promise<void> {
  const byChat = new Map<string, PlannedUpdate[]>();
  for (const u of updates) {
    const key = `${u.channel}:${u.chatId}`;
    byChat.set(key, [...(byChat.get(key) ?? []), u]);
  }
  const gap = 1000 / opts.ratePerS;
  let nextSlot = Date.now();
  const slot = async () => {
    const at = Math.max(nextSlot, Date.now());
    nextSlot = at + gap;
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
  const deadline = Date.now() + opts.deadlineMs;
  await Promise.all(
    [...byChat.values()].map(async (chat) => {
      for (const u of chat) {
        while (!u.acked) {
          if (Date.now() > deadline) throw new Error(`update ${u.externalId} not acknowledged in ${opts.deadlineMs} ms`);
          await slot();
          u.attempts++;
          u.inFlightSince = Date.now();
          try {
            const r = await fetch(`${baseUrl()}${u.path}`, { method: 'POST', headers: u.headers, body: u.body });
            await r.arrayBuffer();
            u.status = r.status;
            u.acked = r.status >= 200 && r.status < 300;
          } catch {
            u.status = 0; // connection reset by a dying server
          }
          u.inFlightSince = undefined;
          if (!u.acked) await new Promise((r) => setTimeout(r, opts.retryMs ?? 300));
        }
      }
    }),
  );
}

/** A message the fake platform accepted, in platform arrival order. */
interface Accepted {
  key: string;
  chat: string;
  text: string;
  index: number;
}

export function acceptedMessages(tg: FakeTelegram, zalo: FakeZalo): Accepted[] {
  const out: Accepted[] = [];
  for (const r of tg.sent({ token: TG.token })) {
    const mid = String((r.response as { result?: { message_id?: number } }).result?.message_id);
    const chat = `telegram:${r.payload.chat_id}`;
    out.push({ key: `${chat}:${mid}`, chat, text: String(r.payload.text ?? ''), index: out.length });
  }
  for (const m of zalo.sent({ oaId: ZALO.oaId })) {
    const chat = `zalo:${m.userId}`;
    out.push({ key: `${chat}:${m.messageId}`, chat, text: String(m.message.text ?? ''), index: out.length });
  }
  return out;
}

/** Per chat, how many messages the platform has accepted. */
export function acceptedPerChat(tg: FakeTelegram, zalo: FakeZalo): Map<string, number> {
  const n = new Map<string, number>();
  for (const a of acceptedMessages(tg, zalo)) n.set(a.chat, (n.get(a.chat) ?? 0) + 1);
  return n;
}

/**
 * Whether every chat has at least as many messages at the platform as it needs and, when a database can be read
 * while the server runs (PostgreSQL), nothing is left to process or send. A duplicate counts at the platform too,
 * so the counts alone can be reached while a chat's last reply is still pending; reading the platform then and
 * the database later made a reply look "sent, but not at the platform" (fault-postgres, CI of 2026-12-07).
 */
export async function settled(
  tg: FakeTelegram,
  zalo: FakeZalo,
  needPerChat: ReadonlyMap<string, number>,
  db?: Db,
): Promise<boolean> {
  const got = acceptedPerChat(tg, zalo);
  if (![...needPerChat].every(([chat, n]) => (got.get(chat) ?? 0) >= n)) return false;
  if (!db) return true;
  const [left] = await execRows<{ n: number }>(
    db,
    sql`select (select count(*) from outbound_messages where status = 'pending')
             + (select count(*) from inbound_messages where status = 'received') as n`,
  ).catch(() => [{ n: 1 }]);
  return Number(left.n) === 0;
}

export interface Reconciliation {
  updates: number;
  acknowledged: number;
  /** Webhook posts that got no 2xx (the server was down or dying) and were posted again. */
  redeliveries: number;
  /** Acknowledged updates with no inbound row, or one still 'received'. */
  notProcessed: string[];
  /** Inbound rows with other than exactly one reply row (processed twice would give two). */
  notOneReply: string[];
  /** Reply rows not 'sent', or 'sent' with a platform id the platform never accepted. */
  notDelivered: string[];
  /** Chats whose replies reached the platform out of the order of their messages. */
  outOfOrder: string[];
  /** Accepted platform messages no reply row refers to: sent again after a crash. */
  duplicates: Accepted[];
  /** Duplicates that are not a copy of a reply the same chat also got (never expected). */
  strayDuplicates: Accepted[];
  /**
   * Chats with more duplicates than reply rows claimed more than once (a claim counts an attempt):
   * a resend needs a second claim, after the lease of the first was released or ran out.
   */
  unclaimedDuplicates: string[];
}

interface Row {
  channel: string;
  external_id: string;
  chat_id: string;
  status: string;
  oid: number | null;
  ostatus: string | null;
  platform_message_ids: string[] | null;
  attempts: number | null;
}

/** Match every planned update to its inbound row, its reply rows and the platform's accepted messages. */
export async function reconcile(db: Db, updates: PlannedUpdate[], accepted: Accepted[]): Promise<Reconciliation> {
  const rows = await execRows<Row>(
    db,
    sql`select i.channel, i.external_id, i.chat_id, i.status, o.id as oid, o.status as ostatus, o.platform_message_ids, o.attempts
        from inbound_messages i left join outbound_messages o on o.inbound_id = i.id
        order by i.id, o.id`,
  );
  const byExternal = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.channel}:${r.external_id}`;
    byExternal.set(k, [...(byExternal.get(k) ?? []), r]);
  }
  const acceptedByKey = new Map(accepted.map((a) => [a.key, a]));
  const referenced = new Set<string>();
  const result: Reconciliation = {
    updates: updates.length,
    acknowledged: updates.filter((u) => u.acked).length,
    redeliveries: updates.reduce((n, u) => n + u.attempts - 1, 0),
    notProcessed: [],
    notOneReply: [],
    notDelivered: [],
    outOfOrder: [],
    duplicates: [],
    strayDuplicates: [],
    unclaimedDuplicates: [],
  };
  const reclaimed = new Map<string, number>();
  const lastIndexOfChat = new Map<string, number>();
  // Planned updates are in chat order already.
  for (const u of updates) {
    if (!u.acked) continue;
    const list = byExternal.get(`${u.channel}:${u.externalId}`);
    const chat = `${u.channel}:${u.chatId}`;
    if (!list || list[0].status === 'received') {
      result.notProcessed.push(u.externalId);
      continue;
    }
    if (list.length !== 1 || list[0].oid === null) {
      result.notOneReply.push(`${u.externalId} (${list[0].oid === null ? 0 : list.length} rows)`);
      continue;
    }
    const r = list[0];
    if (Number(r.attempts) >= 2) reclaimed.set(chat, (reclaimed.get(chat) ?? 0) + 1);
    const ids = r.platform_message_ids ?? [];
    const found = ids.map((mid) => acceptedByKey.get(`${chat}:${mid}`));
    if (r.ostatus !== 'sent' || !ids.length || found.some((a) => !a)) {
      result.notDelivered.push(`${u.externalId} (${r.ostatus})`);
      continue;
    }
    for (const a of found) {
      referenced.add(a!.key);
      const last = lastIndexOfChat.get(chat) ?? -1;
      if (a!.index < last && !result.outOfOrder.includes(chat)) result.outOfOrder.push(chat);
      lastIndexOfChat.set(chat, a!.index);
    }
  }
  const referencedTexts = new Set(accepted.filter((a) => referenced.has(a.key)).map((a) => `${a.chat}\u0000${a.text}`));
  for (const a of accepted) {
    if (referenced.has(a.key)) continue;
    result.duplicates.push(a);
    if (!referencedTexts.has(`${a.chat}\u0000${a.text}`)) result.strayDuplicates.push(a);
  }
  const dupPerChat = new Map<string, number>();
  for (const d of result.duplicates) dupPerChat.set(d.chat, (dupPerChat.get(d.chat) ?? 0) + 1);
  for (const [chat, n] of dupPerChat) if (n > (reclaimed.get(chat) ?? 0)) result.unclaimedDuplicates.push(`${chat}: ${n}`);
  return result;
}
