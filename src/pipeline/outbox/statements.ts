import { sql, type SQL } from 'drizzle-orm';
import type { ChannelName, Reply } from '../../core/types.js';
import { PULL_CHANNELS } from './enqueue.js';

/**
 * The columns a queued reply is written with, in this order, by every raw
 * insert into the outbox (the processing statements below); `enqueueMessages`
 * writes the same columns through Drizzle. A reply to a message carries its
 * `inbound_id`; a proactive message (a notification, a staff answer) has none.
 */
const QUEUED_COLUMNS = sql.raw('commune_id, channel, chat_id, user_id, conversation_id, inbound_id, payload, status, sent_at');

/**
 * The insert that queues one message's replies, for the single-message
 * processing statement (a CTE body: it returns the ids in reply order).
 * Replies on pull channels (web, CLI) are handed over in the response, so
 * they are stored as sent.
 */
export function queueRepliesOf(m: {
  communeId: number;
  channel: string;
  chatId: string;
  userId: string;
  conversationId: number;
  inboundId: number;
  replies: Reply[];
}): SQL {
  const pull = PULL_CHANNELS.has(m.channel);
  return sql`insert into outbound_messages (${QUEUED_COLUMNS})
                select ${m.communeId}, ${m.channel}, ${m.chatId}, ${m.userId}, ${m.conversationId}, ${m.inboundId}, r.value,
                       ${pull ? 'sent' : 'pending'}, ${pull ? sql`now()` : sql`null`}
                from jsonb_array_elements(${JSON.stringify(m.replies)}::jsonb) with ordinality as r(value, n)
                order by r.n
                returning id`;
}

/** An outbox row leased to this process at insert time, ready to send without a claim. */
export interface LeasedOutbound {
  id: number;
  commune_id: number;
  channel: ChannelName;
  chat_id: string;
  user_id: string;
  payload: Reply;
  attempts: number;
  parts_sent: number;
}

/** One reply of a batch, as the batch's closing statement queues it. */
export interface BatchReplyRow {
  ord: number;
  commune_id: number;
  channel: ChannelName;
  chat_id: string;
  user_id: string;
  conversation_id: number;
  inbound_id: number;
  payload: Reply;
  pull: boolean;
}

/**
 * The outbox part of a batch's closing statement: three CTEs, `replies` (the
 * rows), `free_chats` (chats with nothing else pending) and `queued` (the
 * insert, returning `id` and `leased`). With `lease`, a reply to a free chat
 * is inserted already leased to this process for `leaseMs`, so it is sent
 * without a claim. A broadcast waiting for the chat (priority 1) does not make
 * it busy: replies go first.
 */
export function queueBatchReplies(rows: BatchReplyRow[], opts: { lease: boolean; leaseMs: number }): SQL {
  return sql`replies as materialized (
                  select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
                    as r(ord int, commune_id int, channel text, chat_id text, user_id text, conversation_id bigint,
                         inbound_id bigint, payload jsonb, pull boolean)
                ), free_chats as (
                  -- A correlated probe per chat on the per-chat pending index (as an anti-join the planner
                  -- may hash every pending row of the outbox, dead index entries included).
                  select distinct r.commune_id, r.channel, r.chat_id from replies r
                  where not r.pull and ${opts.lease ? sql`true` : sql`false`} and (
                    select 1 from outbound_messages p
                    where p.commune_id = r.commune_id and p.channel = r.channel and p.chat_id = r.chat_id
                      and p.status = 'pending' and p.priority = 0
                    limit 1) is null
                ), queued as (
                  insert into outbound_messages (${QUEUED_COLUMNS}, locked_until, attempts)
                  select r.commune_id, r.channel, r.chat_id, r.user_id, r.conversation_id, r.inbound_id, r.payload,
                         case when r.pull then 'sent' else 'pending' end,
                         case when r.pull then now() end,
                         case when f.chat_id is not null
                              then now() + ${sql.raw(`interval '${Math.ceil(opts.leaseMs / 1000)} seconds'`)} end,
                         case when f.chat_id is not null then 1 else 0 end
                  from replies r
                  left join free_chats f on f.commune_id = r.commune_id and f.channel = r.channel and f.chat_id = r.chat_id
                  order by r.ord
                  returning id, locked_until is not null as leased
                )`;
}
