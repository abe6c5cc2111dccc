import { errInfo, isDataRefusal, sqlStateOf } from '../core/log-error.js';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { cleanText } from '../core/text-input.js';
import type { Logger } from '../core/logger.js';
import { userMessageFor } from '../core/messages.js';
import type { BaseContext, CommuneInfo, Router } from '../core/router.js';
import type { ChannelName, ConversationState, InboundMessage, Reply } from '../core/types.js';
import { bigintArray, execRows, pipelinedTransaction, type Db } from '../db/client.js';
import { conversations, inboundMessages, outboundMessages } from '../db/schema/index.js';
import { createBatcher } from './batcher.js';
import { enqueueMessages, PULL_CHANNELS } from './outbox/index.js';

/** What every handler gets: the neutral context plus the transaction-bound database handle. */
export interface AppContext extends BaseContext {
  /**
   * The transaction of this message. Handlers must use it (never the root
   * handle): writes commit together with the state and the replies, and on
   * PGlite (one connection) the root handle would wait for this transaction.
   */
  db: Db;
}

export interface CommuneDirectory {
  get(id: number): Promise<CommuneInfo | undefined>;
}

export interface IngestResult {
  inboundId: number;
  conversationId: number;
  communeId: number;
  duplicate: boolean;
}

export interface ProcessedMessage {
  inboundId: number;
  channel: string;
  outboundIds: number[];
  replies: Reply[];
  failed: boolean;
}

/** An outbox row leased to this process at insert time, ready to send without a claim. */
export interface LeasedOutbound {
  id: number;
  commune_id: number;
  channel: string;
  chat_id: string;
  user_id: string;
  payload: Reply;
  attempts: number;
  parts_sent: number;
}

export interface BatchItem {
  conversationId: number;
  communeId: number;
}

export interface BatchOutcome {
  processed: ProcessedMessage[];
  /** Conversations with another message waiting behind the one just processed. */
  more: BatchItem[];
  /** Conversations another worker holds right now: try again shortly. */
  busy: BatchItem[];
}

const CONVERSATION_LOCK_BASE = 1n << 40n;

export interface DispatcherDeps {
  db: Db;
  router: Router<AppContext>;
  communes: CommuneDirectory;
  log: Logger;
  /** Called after replies are committed to the outbox (the delivery worker's fast path). */
  onOutbox?: (outboundIds: number[]) => void;
  /**
   * Called after a batch commits with the outbox rows it leased to this process
   * (their chat had nothing else pending): deliver them without a claim.
   */
  onLeased?: (rows: LeasedOutbound[]) => void;
  /** Lease of rows handed to onLeased (crash safety: another worker retries after it). */
  leaseMs?: number;
  /** Messages recorded per statement at most (webhooks arriving together share one). */
  ingestBatch?: number;
  /** Recording statements in flight at once. */
  ingestConcurrency?: number;
  /** Under load, how long a recording statement waits for more webhooks to join it (adds to the ack time). */
  ingestLingerMs?: number;
  /**
   * Channels that show buttons as a numbered list (Zalo) return the actions in
   * list order; a later message that is just that number taps the button.
   */
  numberedActions?: (channel: string, replies: Reply[]) => string[] | undefined;
  now?: () => Date;
}

/**
 * Records inbound messages durably (deduplicated), processes each
 * conversation's messages one at a time and in order (a PostgreSQL advisory
 * lock, so also across processes), runs handlers inside an error boundary and
 * writes replies to the outbox in the same transaction.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { db, router, communes, log } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const now = deps.now ?? (() => new Date());

  interface IngestRow {
    ord: number;
    commune_id: number;
    channel: string;
    external_id: string;
    chat_id: string;
    user_id: string;
    text: string | null;
    action: string | null;
    payload: Record<string, unknown>;
    request_id: string;
  }

  /**
   * Durably record messages, normally in one statement (recordRows): new
   * conversations and the inbound rows, in arrival order. A
   * redelivered message (same commune, channel and external id) is reported
   * as duplicate, also when both copies arrive in the same batch.
   */
  async function ingestMany(msgs: InboundMessage[]): Promise<IngestResult[]> {
    const keyOf = (m: { communeId: number; channel: string; externalId: string }) =>
      `${m.communeId}\u0000${m.channel}\u0000${m.externalId}`;
    const rowOf = new Map<string, IngestRow>();
    const rows: IngestRow[] = [];
    for (const msg of msgs) {
      const key = keyOf(msg);
      if (rowOf.has(key)) continue;
      const row: IngestRow = {
        ord: rows.length,
        commune_id: msg.communeId,
        channel: msg.channel,
        external_id: msg.externalId,
        chat_id: msg.chatId,
        user_id: msg.userId,
        text: msg.text !== undefined ? cleanText(msg.text) : null,
        action: msg.action ?? null,
        payload: { attachments: msg.attachments, contact: msg.contact, event: msg.event },
        request_id: randomUUID(),
      };
      rowOf.set(key, row);
      rows.push(row);
    }
    const recorded = await recordRows(rows, true);
    // A second copy in the same batch is a duplicate of the first.
    const seen = new Set<string>();
    return msgs.map((m) => {
      const key = keyOf(m);
      const r = recorded.get(rowOf.get(key)!.ord)!;
      if (seen.has(key)) return { ...r, duplicate: true };
      seen.add(key);
      return r;
    });
  }

  /**
   * One statement. A conversation that another transaction created after this
   * statement's snapshot is invisible to it (its insert waited and skipped):
   * those messages are recorded by a second statement, with a fresh snapshot.
   * Conversation rows are never locked here, so recording cannot deadlock
   * with the processing that updates them.
   */
  async function recordRows(rows: IngestRow[], retryMissing: boolean): Promise<Map<number, IngestResult>> {
    const found = await execRows<{ ord: number; conversation_id: number; inbound_id: number | null; existing_id: number | null }>(
      db,
      sql`with input as materialized (
            select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
              as x(ord int, commune_id int, channel text, external_id text, chat_id text, user_id text,
                   text text, action text, payload jsonb, request_id text)
          ), conv as (
            insert into conversations (commune_id, channel, chat_id, user_id, last_inbound_at)
            select distinct on (commune_id, channel, chat_id) commune_id, channel, chat_id, user_id, now()
            from input order by commune_id, channel, chat_id, ord
            on conflict (commune_id, channel, chat_id) do nothing
            returning id, commune_id, channel, chat_id
          ), known as (
            -- One index lookup per chat ("limit 1" keeps the planner from a hash join over the
            -- whole table, which it picks when its statistics lag behind a growing table).
            select c.id, c.commune_id, c.channel, c.chat_id
            from (select distinct commune_id, channel, chat_id from input) i
            cross join lateral (
              select c.id, c.commune_id, c.channel, c.chat_id from conversations c
              where c.commune_id = i.commune_id and c.channel = i.channel and c.chat_id = i.chat_id
              limit 1
            ) c
          ), convs as (
            select * from conv union all select * from known
          ), ins as (
            insert into inbound_messages
              (commune_id, channel, external_id, conversation_id, chat_id, user_id, text, action, payload, request_id)
            select i.commune_id, i.channel, i.external_id, c.id, i.chat_id, i.user_id, i.text, i.action, i.payload, i.request_id
            from input i
            join convs c on c.commune_id = i.commune_id and c.channel = i.channel and c.chat_id = i.chat_id
            order by i.ord
            on conflict (commune_id, channel, external_id) do nothing
            returning id, commune_id, channel, external_id
          )
          select i.ord, c.id as conversation_id, ins.id as inbound_id, m.id as existing_id
          from input i
          join convs c on c.commune_id = i.commune_id and c.channel = i.channel and c.chat_id = i.chat_id
          left join ins on ins.commune_id = i.commune_id and ins.channel = i.channel and ins.external_id = i.external_id
          left join inbound_messages m
            on ins.id is null and m.commune_id = i.commune_id and m.channel = i.channel and m.external_id = i.external_id
          order by i.ord`,
    );
    const results = new Map<number, IngestResult>();
    for (const f of found) {
      const row = rows[Number(f.ord)];
      const conversationId = Number(f.conversation_id);
      if (f.inbound_id !== null && f.inbound_id !== undefined) {
        results.set(row.ord, { inboundId: Number(f.inbound_id), conversationId, communeId: row.commune_id, duplicate: false });
        continue;
      }
      let existingId = f.existing_id;
      if (existingId === null || existingId === undefined) {
        // The same message was being recorded concurrently and committed after this statement's snapshot.
        const [again] = await db
          .select({ id: inboundMessages.id })
          .from(inboundMessages)
          .where(
            and(
              eq(inboundMessages.communeId, row.commune_id),
              eq(inboundMessages.channel, row.channel),
              eq(inboundMessages.externalId, row.external_id),
            ),
          );
        existingId = again.id;
      }
      results.set(row.ord, { inboundId: Number(existingId), conversationId, communeId: row.commune_id, duplicate: true });
    }
    const missing = rows.filter((r) => !results.has(r.ord));
    if (missing.length) {
      // Nothing of these was written: safe to fail them (the platform redelivers) if the retry misses too.
      if (!retryMissing) throw new Error('conversation not visible after a second attempt');
      const again = await recordRows(missing.map((r, i) => ({ ...r, ord: i })), false);
      missing.forEach((r, i) => results.set(r.ord, again.get(i)!));
    }
    return results;
  }

  const ingestBatched = createBatcher<InboundMessage, IngestResult>({
    run: ingestMany,
    maxBatch: deps.ingestBatch ?? 64,
    maxConcurrent: deps.ingestConcurrency ?? 2,
    lingerMs: deps.ingestLingerMs ?? 3,
  });

  /** Durably record one message; messages recorded at the same moment share a statement. */
  function ingest(msg: InboundMessage): Promise<IngestResult> {
    return ingestBatched(msg);
  }

  type InboundRow = typeof inboundMessages.$inferSelect;

  /** The handler context of a recorded message; a bare number taps the numbered button it names (Zalo). */
  function contextFor(
    row: InboundRow,
    conv: { flow: string | null; data: Record<string, unknown> | null },
    commune: CommuneInfo,
    tx: Db,
  ): { ctx: AppContext; state: ConversationState } {
    const state: ConversationState = { flow: conv.flow, data: { ...(conv.data ?? {}) } };
    const payload = (row.payload ?? {}) as Record<string, unknown>;
    let action = row.action ?? undefined;
    let text = row.text ?? '';
    const numbered = state.data.numberedActions as string[] | undefined;
    const digit = /^\s*(\d{1,2})\s*$/.exec(text);
    if (!action && digit && numbered && numbered[Number(digit[1]) - 1]) {
      action = numbered[Number(digit[1]) - 1];
      text = '';
    }
    const msg: InboundMessage = {
      channel: row.channel as InboundMessage['channel'],
      communeId: row.communeId,
      chatId: row.chatId,
      userId: row.userId,
      externalId: row.externalId,
      text: text || undefined,
      action,
      attachments: payload.attachments as InboundMessage['attachments'],
      contact: payload.contact as InboundMessage['contact'],
      event: payload.event as InboundMessage['event'],
    };
    const ctx: AppContext = {
      msg,
      commune,
      state,
      text,
      actionArgs: [],
      commandArg: '',
      requestId: row.requestId,
      now: now(),
      log: log.child({ requestId: row.requestId, channel: row.channel, communeId: row.communeId }),
      db: tx,
    };
    return { ctx, state };
  }

  function rememberNumbered(channel: string, replies: Reply[], state: ConversationState): void {
    if (!deps.numberedActions) return;
    const list = replies.length ? deps.numberedActions(channel, replies) : undefined;
    if (list && list.length) state.data.numberedActions = list;
    else if (replies.length) delete state.data.numberedActions;
  }

  /**
   * Process every unprocessed message of a conversation, oldest first. Stops
   * when none was left behind the last one: a message recorded later starts
   * its own call, which waits for the conversation lock.
   */
  async function processConversation(conversationId: number, communeId?: number): Promise<ProcessedMessage[]> {
    const done: ProcessedMessage[] = [];
    for (;;) {
      const result = await processNext(conversationId, communeId);
      if (!result) return done;
      done.push(result.processed);
      if (!result.more) return done;
    }
  }

  async function processNext(
    conversationId: number,
    knownCommuneId?: number,
  ): Promise<{ processed: ProcessedMessage; more: boolean } | null> {
    let failure: { inboundId: number; requestId: string; error: unknown } | null = null;
    /** The message this transaction is processing, once read. */
    let current: { inboundId: number; requestId: string } | null = null;
    let result: ProcessedMessage | null = null;
    let more = false;
    // Resolve the tenant before the transaction: on PGlite the root handle must not be used inside it.
    let communeId = knownCommuneId;
    if (communeId === undefined) {
      const [convRow] = await db
        .select({ communeId: conversations.communeId })
        .from(conversations)
        .where(eq(conversations.id, conversationId));
      if (!convRow) return null;
      communeId = convRow.communeId;
    }
    const commune = await communes.get(communeId);
    if (!commune) throw new Error(`unknown commune ${communeId}`);
    try {
      result = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${CONVERSATION_LOCK_BASE + BigInt(conversationId)})`);
        // The oldest unprocessed message (and whether another waits), with the conversation's state.
        const [first, next] = await tx
          .select({ row: inboundMessages, flow: conversations.flow, data: conversations.data })
          .from(inboundMessages)
          .innerJoin(conversations, eq(conversations.id, inboundMessages.conversationId))
          .where(and(eq(inboundMessages.conversationId, conversationId), eq(inboundMessages.status, 'received')))
          .orderBy(asc(inboundMessages.id))
          .limit(2);
        if (!first) return null;
        more = next !== undefined;
        const row = first.row;
        current = { inboundId: row.id, requestId: row.requestId };
        const { ctx, state } = contextFor(row, { flow: first.flow, data: first.data }, commune, tx as unknown as Db);
        let replies: Reply[];
        try {
          replies = await router.handle(ctx);
        } catch (error) {
          failure = { inboundId: row.id, requestId: row.requestId, error };
          throw error;
        }
        rememberNumbered(row.channel, replies, state);
        // Save the state, queue the replies and mark the message processed in one statement.
        const pull = PULL_CHANNELS.has(row.channel);
        const outbox = await execRows<{ id: number }>(
          tx as unknown as Db,
          sql`with saved_state as (
                update conversations set flow = ${state.flow ?? null}, data = ${JSON.stringify(state.data)}::jsonb, updated_at = now()
                where id = ${conversationId}
              ), done as (
                update inbound_messages set status = 'processed', processed_at = now(), attempts = attempts + 1
                where id = ${row.id}
              ), queued as (
                insert into outbound_messages (commune_id, channel, chat_id, user_id, conversation_id, inbound_id, payload, status, sent_at)
                select ${row.communeId}, ${row.channel}, ${row.chatId}, ${row.userId}, ${conversationId}, ${row.id}, r.value,
                       ${pull ? 'sent' : 'pending'}, ${pull ? sql`now()` : sql`null`}
                from jsonb_array_elements(${JSON.stringify(replies)}::jsonb) with ordinality as r(value, n)
                order by r.n
                returning id
              )
              select id from queued order by id`,
        );
        const outboundIds = outbox.map((o) => Number(o.id));
        return { inboundId: row.id, channel: row.channel, outboundIds, replies, failed: false };
      });
    } catch (error) {
      // The database refusing what this message produced (a value jsonb cannot hold, say) would
      // happen on every retry: answered with the apology like a handler failure.
      // (Assigned inside the transaction's callback, which TypeScript's narrowing does not see.)
      const processing = current as { inboundId: number; requestId: string } | null;
      if (!failure && processing && isDataRefusal(error)) failure = { ...processing, error };
      if (!failure) throw error; // infrastructure failure (database down, lock timeout): caller retries later
      const f = failure as { inboundId: number; requestId: string; error: unknown };
      const err = f.error as Error;
      log.error(
        { requestId: f.requestId, err: errInfo(err) },
        'handler failed; fallback reply sent',
      );
      result = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${CONVERSATION_LOCK_BASE + BigInt(conversationId)})`);
        const [row] = await tx.select().from(inboundMessages).where(eq(inboundMessages.id, f.inboundId));
        if (row.status !== 'received') return { inboundId: row.id, channel: row.channel, outboundIds: [], replies: [], failed: true };
        const replies: Reply[] = [{ text: userMessageFor(f.error), buttons: [{ label: 'Gặp cán bộ', action: 'staff:contact' }] }];
        const outboundIds = await enqueueMessages(
          tx as unknown as Db,
          { communeId: row.communeId, channel: row.channel as ChannelName, chatId: row.chatId, userId: row.userId },
          replies,
          row.conversationId,
          row.id,
        );
        await tx
          .update(inboundMessages)
          .set({
            status: 'failed',
            processedAt: sql`now()`,
            attempts: sql`${inboundMessages.attempts} + 1`,
            errorCode: sqlStateOf(err) ?? ((err && (err as { code?: string }).code) || err?.name || 'error'),
          })
          .where(eq(inboundMessages.id, row.id));
        return { inboundId: row.id, channel: row.channel, outboundIds, replies, failed: true };
      });
    }
    if (result && result.outboundIds.length && deps.onOutbox && !PULL_CHANNELS.has(result.channel)) {
      deps.onOutbox(result.outboundIds);
    }
    return result ? { processed: result, more } : null;
  }

  class BatchHandlerError extends Error {}

  /**
   * Process the oldest waiting message of each of these conversations in one
   * transaction: lock them (skipping any another worker holds), read the
   * messages and their state in one statement, run the handlers one after
   * another, and save every state, status and reply in one statement. Under
   * load this replaces five round trips per message with five per batch.
   *
   * If any handler throws, the whole batch rolls back and each conversation
   * is processed on its own (processNext), where the error boundary answers
   * the failing message with the apology and the others normally.
   */
  async function processBatch(items: BatchItem[]): Promise<BatchOutcome> {
    const byId = new Map<number, BatchItem>();
    for (const item of items) byId.set(item.conversationId, item);
    const ids = [...byId.keys()].sort((a, b) => a - b);
    const outcome: BatchOutcome = { processed: [], more: [], busy: [] };
    if (!ids.length) return outcome;
    const communeOf = new Map<number, CommuneInfo>();
    for (const item of byId.values()) {
      if (communeOf.has(item.communeId)) continue;
      const commune = await communes.get(item.communeId);
      if (!commune) throw new Error(`unknown commune ${item.communeId}`);
      communeOf.set(item.communeId, commune);
    }
    let locked: number[] = [];
    const leased: LeasedOutbound[] = [];
    const queuedUnleased: number[] = [];
    type OpenRow = {
      conversation_id: number;
      flow: string | null;
      data: Record<string, unknown> | null;
      waiting: number;
      id: number | null;
      commune_id: number;
      channel: string;
      external_id: string;
      chat_id: string;
      user_id: string;
      text: string | null;
      action: string | null;
      payload: Record<string, unknown>;
      request_id: string;
      attempts: number;
    };
    const states: {
      conversation_id: number;
      inbound_id: number;
      flow: string | null;
      data: Record<string, unknown>;
      changed: boolean;
    }[] = [];
    const replyRows: {
      ord: number;
      commune_id: number;
      channel: string;
      chat_id: string;
      user_id: string;
      conversation_id: number;
      inbound_id: number;
      payload: Reply;
      pull: boolean;
    }[] = [];
    try {
      const idList = bigintArray(ids);
      const [closed] = await pipelinedTransaction<{ done_n: number; queued: { id: number; ord: number; leased: boolean }[] }>(
        db,
        [
          // The lock first, then the read in a statement of its own: its snapshot is taken after the
          // lock was granted, so it sees everything the lock's previous holder committed.
          sql`select w.id from unnest(${idList}) as w(id)
              where pg_try_advisory_xact_lock(${CONVERSATION_LOCK_BASE} + w.id)`,
          sql`select l.id as conversation_id, c.flow, c.data,
                     (select count(*)::int from (
                        select 1 from inbound_messages w
                        where w.conversation_id = l.id and w.status = 'received' limit 2) z) as waiting,
                     m.id, m.commune_id, m.channel, m.external_id, m.chat_id, m.user_id, m.text, m.action,
                     m.payload, m.request_id, m.attempts
              from unnest(${idList}) as l(id)
              -- A primary-key probe per conversation (a hash join would scan the whole table).
              cross join lateral (select c.flow, c.data from conversations c where c.id = l.id limit 1) c
              left join lateral (
                select * from inbound_messages m
                where m.conversation_id = l.id and m.status = 'received'
                order by m.id limit 1
              ) m on true`,
        ],
        async (tx, [lockedRows, readRows]) => {
          locked = lockedRows.map((r) => Number(r.id));
          const lockedSet = new Set(locked);
          const rows = (readRows as OpenRow[]).filter((r) => lockedSet.has(Number(r.conversation_id)));
          for (const r of rows) {
            if (r.id === null || r.id === undefined) continue;
            const conversationId = Number(r.conversation_id);
            if (Number(r.waiting) > 1) outcome.more.push(byId.get(conversationId)!);
            const row: InboundRow = {
              id: Number(r.id),
              communeId: r.commune_id,
              channel: r.channel,
              externalId: r.external_id,
              conversationId,
              chatId: r.chat_id,
              userId: r.user_id,
              text: r.text,
              action: r.action,
              payload: r.payload,
              status: 'received',
              attempts: r.attempts,
              requestId: r.request_id,
              errorCode: null,
              receivedAt: new Date(),
              processedAt: null,
            };
            const { ctx, state } = contextFor(row, { flow: r.flow, data: r.data }, communeOf.get(row.communeId)!, tx);
            let replies: Reply[];
            try {
              replies = await router.handle(ctx);
            } catch (error) {
              throw new BatchHandlerError('handler failed in a batch', { cause: error });
            }
            rememberNumbered(row.channel, replies, state);
            // Unchanged state is not written again (most follow-ups leave it as it was).
            const changed = (state.flow ?? null) !== (r.flow ?? null) || JSON.stringify(state.data) !== JSON.stringify(r.data ?? {});
            states.push({ conversation_id: conversationId, inbound_id: row.id, flow: state.flow ?? null, data: state.data, changed });
            for (const reply of replies) {
              replyRows.push({
                ord: replyRows.length,
                commune_id: row.communeId,
                channel: row.channel,
                chat_id: row.chatId,
                user_id: row.userId,
                conversation_id: conversationId,
                inbound_id: row.id,
                payload: reply,
                pull: PULL_CHANNELS.has(row.channel),
              });
            }
            outcome.processed.push({ inboundId: row.id, channel: row.channel, outboundIds: [], replies, failed: false });
          }
          if (!states.length) return null;
          return sql`with input as materialized (
                  select * from jsonb_to_recordset(${JSON.stringify(states)}::jsonb)
                    as x(conversation_id bigint, inbound_id bigint, flow text, data jsonb, changed boolean)
                ), saved_state as (
                  -- Changed state is saved; last_inbound_at is kept to the minute without rewriting every row.
                  update conversations c set
                    flow = case when i.changed then i.flow else c.flow end,
                    data = case when i.changed then i.data else c.data end,
                    updated_at = case when i.changed then now() else c.updated_at end,
                    last_inbound_at = now()
                  from input i
                  where c.id = i.conversation_id
                    and c.id = any(${bigintArray(states.map((x) => x.conversation_id))})
                    and (i.changed or c.last_inbound_at is null or c.last_inbound_at < now() - interval '1 minute')
                ), done as (
                  -- Found by primary key, then checked to be 'received'. Written as "is not false" (status
                  -- is never null) so the planner cannot pick the partial pending index instead: its dead
                  -- entries pile up between vacuums, and the statement would slow down as the server runs.
                  update inbound_messages m set status = 'processed', processed_at = now(), attempts = m.attempts + 1
                  where m.id = any(${bigintArray(states.map((x) => x.inbound_id))}) and (m.status = 'received') is not false
                  returning m.id
                ), replies as materialized (
                  select * from jsonb_to_recordset(${JSON.stringify(replyRows)}::jsonb)
                    as r(ord int, commune_id int, channel text, chat_id text, user_id text, conversation_id bigint,
                         inbound_id bigint, payload jsonb, pull boolean)
                ), free_chats as (
                  -- A correlated probe per chat on the per-chat pending index (as an anti-join the planner
                  -- may hash every pending row of the outbox, dead index entries included).
                  select distinct r.commune_id, r.channel, r.chat_id from replies r
                  where not r.pull and ${deps.onLeased ? sql`true` : sql`false`} and (
                    select 1 from outbound_messages p
                    where p.commune_id = r.commune_id and p.channel = r.channel and p.chat_id = r.chat_id
                      and p.status = 'pending'
                    limit 1) is null
                ), queued as (
                  insert into outbound_messages
                    (commune_id, channel, chat_id, user_id, conversation_id, inbound_id, payload, status, sent_at, locked_until, attempts)
                  select r.commune_id, r.channel, r.chat_id, r.user_id, r.conversation_id, r.inbound_id, r.payload,
                         case when r.pull then 'sent' else 'pending' end,
                         case when r.pull then now() end,
                         case when f.chat_id is not null
                              then now() + ${sql.raw(`interval '${Math.ceil(leaseMs / 1000)} seconds'`)} end,
                         case when f.chat_id is not null then 1 else 0 end
                  from replies r
                  left join free_chats f on f.commune_id = r.commune_id and f.channel = r.channel and f.chat_id = r.chat_id
                  order by r.ord
                  returning id, locked_until is not null as leased
                )
                -- Every message must still have been 'received': otherwise fail the statement (division by
                -- zero, SQLSTATE 22012), so the COMMIT behind it rolls the batch back. Correct locking makes
                -- this impossible; it guards "processed once" should that ever break.
                select case when (select count(*) from done) = ${states.length} then ${states.length}
                            else (select 1 / (count(*) * 0)::int from done) end as done_n,
                       coalesce((
                         select json_agg(json_build_object('id', q.id, 'ord', r.ord, 'leased', q.leased) order by q.id)
                         from (select id, leased, row_number() over (order by id) - 1 as n from queued) q
                         join replies r on r.ord = q.n), '[]'::json) as queued`;
        },
      );
      const queued = closed ? (typeof closed.queued === 'string' ? JSON.parse(closed.queued) : closed.queued) as { id: number; ord: number; leased: boolean }[] : [];
      for (const q of queued) {
        const r = replyRows[Number(q.ord)];
        const id = Number(q.id);
        outcome.processed.find((p) => p.inboundId === r.inbound_id)!.outboundIds.push(id);
        if (r.pull) continue;
        if (q.leased) {
          leased.push({
            id,
            commune_id: r.commune_id,
            channel: r.channel,
            chat_id: r.chat_id,
            user_id: r.user_id,
            payload: r.payload,
            attempts: 1,
            parts_sent: 0,
          });
        } else queuedUnleased.push(id);
      }
    } catch (error) {
      // A lone conversation whose batch failed on the database: the caller logs it, recovery retries.
      // Unless the database refused the message's data, which processNext answers with the apology.
      if (!(error instanceof BatchHandlerError) && !isDataRefusal(error) && ids.length === 1) throw error;
      if (!(error instanceof BatchHandlerError)) {
        log.warn({ conversations: ids.length, err: errInfo(error) }, 'batch failed; processing its conversations one by one');
      }
      // A handler threw, or the batch failed (a deadlock, a value the database refuses): redo each
      // conversation on its own, behind the error boundary, so one cannot hold up the others.
      const fallback: BatchOutcome = { processed: [], more: [], busy: [] };
      const tried = locked.length ? locked : ids;
      for (const conversationId of tried) {
        const item = byId.get(conversationId)!;
        try {
          const one = await processNext(conversationId, item.communeId);
          if (!one) continue;
          fallback.processed.push(one.processed);
          if (one.more) fallback.more.push(item);
        } catch (e) {
          // Left 'received': periodic recovery takes it again.
          log.error({ conversationId, err: errInfo(e) }, 'processing failed; recovery will retry');
        }
      }
      fallback.busy = ids.filter((id) => !tried.includes(id)).map((id) => byId.get(id)!);
      return fallback;
    }
    const lockedSet = new Set(locked);
    outcome.busy = ids.filter((id) => !lockedSet.has(id)).map((id) => byId.get(id)!);
    if (leased.length) deps.onLeased?.(leased);
    if (queuedUnleased.length && deps.onOutbox) deps.onOutbox(queuedUnleased);
    return outcome;
  }

  /** Ingest and process synchronously; returns this message's replies (web chat and CLI). */
  async function handle(
    msg: InboundMessage,
  ): Promise<{ duplicate: boolean; replies: Reply[]; inboundId: number; outboundIds: number[] }> {
    const ing = await ingest(msg);
    const processed = await processConversation(ing.conversationId, ing.communeId);
    const mine = processed.find((p) => p.inboundId === ing.inboundId);
    if (mine) return { duplicate: false, replies: mine.replies, inboundId: ing.inboundId, outboundIds: mine.outboundIds };
    // Redelivered, or processed by another worker meanwhile: return what was answered, processing nothing again.
    const rows = await db
      .select({ id: outboundMessages.id, payload: outboundMessages.payload })
      .from(outboundMessages)
      .where(eq(outboundMessages.inboundId, ing.inboundId))
      .orderBy(asc(outboundMessages.id));
    return {
      duplicate: ing.duplicate,
      replies: rows.map((r) => r.payload as unknown as Reply),
      inboundId: ing.inboundId,
      outboundIds: rows.map((r) => r.id),
    };
  }

  /**
   * Conversations with messages recorded but not processed (after a crash, or
   * a batch that failed on the database). `olderThanMs` leaves alone messages
   * that are simply still on their way through a running process. With
   * `schedule`, the conversations are handed to the batch processor instead
   * of being processed here one by one.
   */
  async function recoverPending(
    opts: { limit?: number; olderThanMs?: number; schedule?: (item: BatchItem) => void } = {},
  ): Promise<number> {
    const limit = opts.limit ?? 100;
    const age = opts.olderThanMs ?? 0;
    const rows = await execRows<{ conversation_id: number; commune_id: number }>(
      db,
      sql`select distinct conversation_id, commune_id from inbound_messages
          where status = 'received' and received_at <= now() - ${age} * interval '1 millisecond'
          limit ${limit}`,
    );
    for (const r of rows) {
      const item = { conversationId: Number(r.conversation_id), communeId: Number(r.commune_id) };
      if (opts.schedule) opts.schedule(item);
      else await processConversation(item.conversationId, item.communeId);
    }
    return rows.length;
  }

  return { ingest, processConversation, processBatch, handle, recoverPending };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
