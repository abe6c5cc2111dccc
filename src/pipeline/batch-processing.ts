import { sql } from 'drizzle-orm';
import { errInfo, isDataRefusal } from '../core/log-error.js';
import type { Logger } from '../core/logger.js';
import type { CommuneDirectory, CommuneInfo } from '../core/commune.js';
import type { Router } from '../core/router.js';
import type { ChannelName, Reply } from '../core/types.js';
import { bigintArray, pipelinedTransaction, type Db } from '../db/client.js';
import type { AppContext, ContextBuilder, InboundRow } from './context.js';
import { PULL_CHANNELS, queueBatchReplies, type BatchReplyRow, type LeasedOutbound } from './outbox/index.js';

export type { LeasedOutbound } from './outbox/index.js';
import { CONVERSATION_LOCK_BASE, type ProcessedMessage, type SingleProcessing } from './processing.js';

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

/** What batch processing needs. */
export interface BatchProcessingDeps {
  db: Db;
  router: Router<AppContext>;
  communes: CommuneDirectory;
  log: Logger;
  context: ContextBuilder;
  /** The fallback for a batch that fails: each conversation on its own, behind the error boundary. */
  single: SingleProcessing;
  onOutbox?: (outboundIds: number[]) => void;
  onLeased?: (rows: LeasedOutbound[]) => void;
  leaseMs: number;
}

/** Many conversations' next messages in one transaction (see processBatch). */
export function createBatchProcessing(deps: BatchProcessingDeps) {
  const { db, router, communes, log, leaseMs } = deps;
  const { contextFor, rememberNumbered } = deps.context;
  const { processNext } = deps.single;

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
      /** Recorded from an adapter's message, so one of ours. */
      channel: ChannelName;
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
    const replyRows: BatchReplyRow[] = [];
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
            const changed =
              (state.flow ?? null) !== (r.flow ?? null) || JSON.stringify(state.data) !== JSON.stringify(r.data ?? {});
            states.push({
              conversation_id: conversationId,
              inbound_id: row.id,
              flow: state.flow ?? null,
              data: state.data,
              changed,
            });
            for (const reply of replies) {
              replyRows.push({
                ord: replyRows.length,
                commune_id: row.communeId,
                channel: r.channel,
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
                ), ${queueBatchReplies(replyRows, { lease: Boolean(deps.onLeased), leaseMs })}
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
      const queued = closed
        ? ((typeof closed.queued === 'string' ? JSON.parse(closed.queued) : closed.queued) as {
            id: number;
            ord: number;
            leased: boolean;
          }[])
        : [];
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

  return { processBatch };
}
