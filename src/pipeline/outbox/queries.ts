import { and, asc, desc, eq, gt, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { ChannelName, Reply, StoredReply } from '../../core/types.js';
import { isFileRef } from './file-refs.js';
import { isUnconfirmed } from './delivery-store.js';
import { execRows, type Db } from '../../db/client.js';
import { outboundMessages } from '../../db/schema/index.js';

/**
 * Replies that could not be delivered (Zalo 7-day window, blocked bot…),
 * newest first: staff follow them up by phone.
 */
export async function listUndelivered(db: Db, communeId: number) {
  return db
    .select({
      id: outboundMessages.id,
      channel: outboundMessages.channel,
      chatId: outboundMessages.chatId,
      status: outboundMessages.status,
      lastError: outboundMessages.lastError,
      createdAt: outboundMessages.createdAt,
      text: sql<string | null>`${outboundMessages.payload}->>'text'`,
    })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.communeId, communeId), inArray(outboundMessages.status, ['undeliverable', 'failed'])))
    .orderBy(desc(outboundMessages.id))
    .limit(200);
}

/**
 * Replies queued for a chat of a pull channel after `afterId` (notifications,
 * staff answers): the web page pulls them, as its replies are never pushed.
 */
export async function listPulledReplies(
  db: Db,
  q: { communeId: number; channel: ChannelName; chatId: string; afterId: number },
): Promise<{ id: number; reply: Reply }[]> {
  const rows = await db
    .select({ id: outboundMessages.id, payload: outboundMessages.payload })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.communeId, q.communeId),
        eq(outboundMessages.channel, q.channel),
        eq(outboundMessages.chatId, q.chatId),
        gt(outboundMessages.id, q.afterId),
      ),
    )
    .orderBy(asc(outboundMessages.id))
    .limit(50);
  return rows.map((r) => ({ id: r.id, reply: pulled(r.payload) }));
}

/** The replies already queued for one inbound message, in order (a redelivered web chat message gets them again). */
export async function listRepliesTo(db: Db, inboundId: number): Promise<{ id: number; reply: Reply }[]> {
  const rows = await db
    .select({ id: outboundMessages.id, payload: outboundMessages.payload })
    .from(outboundMessages)
    .where(eq(outboundMessages.inboundId, inboundId))
    .orderBy(asc(outboundMessages.id));
  return rows.map((r) => ({ id: r.id, reply: pulled(r.payload) }));
}

/**
 * The texts of the newest `limit` replies queued for one chat strictly before
 * `before` (the conversation staff read above a resident's question).
 */
export async function listChatRepliesBefore(
  db: Db,
  q: { communeId: number; channel: string; chatId: string; before: Date; limit: number },
): Promise<{ text: string; at: Date }[]> {
  const rows = await db
    .select({ text: sql<string | null>`${outboundMessages.payload}->>'text'`, at: outboundMessages.createdAt })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.communeId, q.communeId),
        eq(outboundMessages.channel, q.channel as ChannelName), // a feature keeps the channel as plain text
        eq(outboundMessages.chatId, q.chatId),
        lt(outboundMessages.createdAt, q.before),
      ),
    )
    .orderBy(desc(outboundMessages.id))
    .limit(q.limit);
  return rows.filter((r): r is { text: string; at: Date } => typeof r.text === 'string' && r.text !== '');
}

/**
 * A refusal because the resident has not written for too long (Zalo OA's
 * 7-day consultation window: errors -230 and -232, as the delivery worker
 * records them), told apart from a blocked bot.
 */
const OUTSIDE_WINDOW_ERROR = sql`last_error ~ 'error -23[02]:'`;

/** How many of the outbox rows a subquery selects (`select <id> …`) stand in each status, per channel. */
export async function countOutboxStatuses(
  db: Db,
  ids: SQL,
): Promise<{ channel: string; status: string; outsideWindow: boolean; unconfirmed: boolean; n: number }[]> {
  const rows = await execRows<{ channel: string; status: string; outside_window: boolean; unconfirmed: boolean; n: number }>(
    db,
    sql`select channel, status, coalesce(status = 'undeliverable' and ${OUTSIDE_WINDOW_ERROR}, false) as outside_window,
               ${isUnconfirmed()} as unconfirmed,
               count(*)::int as n
        from outbound_messages where id in (${ids})
        group by 1, 2, 3, 4`,
  );
  return rows.map((r) => ({
    channel: r.channel,
    status: r.status,
    outsideWindow: r.outside_window,
    unconfirmed: r.unconfirmed,
    n: Number(r.n),
  }));
}

/**
 * A pull channel's reply as stored: its rows are marked sent when queued and
 * never pass the delivery worker, which alone drops a delivered file's content
 * and resolves a referenced one (features queue links for pull channels, so a
 * referenced file here is left out rather than handed over without content).
 */
function pulled(payload: StoredReply): Reply {
  if (isFileRef(payload.file)) {
    const { file: _ref, ...rest } = payload;
    return rest;
  }
  return payload as Reply;
}

/** How many messages wait to be sent, and how long the oldest has waited (seconds): the metrics' outbox gauges. */
export async function outboxPendingStats(db: Db): Promise<{ depth: number; age: number }> {
  const [row] = await execRows<{ depth: number; age: number }>(
    db,
    sql`select count(*)::int as depth,
               coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age
        from outbound_messages where status = 'pending'`,
  );
  return { depth: Number(row?.depth ?? 0), age: Number(row?.age ?? 0) };
}

/**
 * Empty the content of replies that left the outbox (sent, undeliverable or
 * given up; never a pending one): those queued before `before` (retention,
 * at most `limit` per call) or every one of a chat (a resident's erasure).
 * The rows stay, as `{"text": ""}`. Returns how many were emptied.
 */
export async function eraseReplyContents(
  db: Db,
  q: { before: Date; limit: number } | { chat: { communeId: number; channel: string; chatId: string } },
): Promise<number> {
  const which =
    'chat' in q
      ? sql`commune_id = ${q.chat.communeId} and channel = ${q.chat.channel} and chat_id = ${q.chat.chatId}`
      : sql`id in (select id from outbound_messages
                   where created_at < ${q.before.toISOString()}::timestamptz and status <> 'pending'
                     and payload <> '{"text": ""}'::jsonb
                   limit ${q.limit})`;
  const rows = await execRows<{ id: number }>(
    db,
    sql`update outbound_messages set payload = '{"text": ""}'::jsonb
        where ${which} and status <> 'pending' and payload <> '{"text": ""}'::jsonb returning id`,
  );
  return rows.length;
}
