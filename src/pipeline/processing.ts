import { STAFF_BUTTON } from '../core/buttons.js';
import { and, asc, eq, sql } from 'drizzle-orm';
import { errInfo, isDataRefusal, sqlStateOf } from '../core/log-error.js';
import type { Logger } from '../core/logger.js';
import { userMessageFor } from '../core/messages.js';
import type { Router } from '../core/router.js';
import type { ChannelName, Reply } from '../core/types.js';
import { execRows, type Db } from '../db/client.js';
import { conversations, inboundMessages } from '../db/schema/index.js';
import type { CommuneDirectory } from '../core/commune.js';
import type { AppContext, ContextBuilder } from './context.js';
import { enqueueMessages, PULL_CHANNELS, queueRepliesOf } from './outbox/index.js';

/** Advisory lock keys of conversations: this base plus the conversation id. */
export const CONVERSATION_LOCK_BASE = 1n << 40n;

export interface ProcessedMessage {
  inboundId: number;
  channel: string;
  outboundIds: number[];
  replies: Reply[];
  failed: boolean;
}

/** What single-message processing needs. */
export interface SingleProcessingDeps {
  db: Db;
  router: Router<AppContext>;
  communes: CommuneDirectory;
  log: Logger;
  context: ContextBuilder;
  onOutbox?: (outboundIds: number[]) => void;
}

/**
 * One message at a time, each in its own transaction under its
 * conversation's lock, behind the error boundary: a handler that throws (or
 * data the database refuses) is answered with the apology and the message
 * marked failed. The batch processing falls back to this.
 */
export function createSingleProcessing(deps: SingleProcessingDeps) {
  const { db, router, communes, log } = deps;
  const { contextFor, rememberNumbered } = deps.context;

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
        const outbox = await execRows<{ id: number }>(
          tx as unknown as Db,
          sql`with saved_state as (
                update conversations set flow = ${state.flow ?? null}, data = ${JSON.stringify(state.data)}::jsonb, updated_at = now()
                where id = ${conversationId}
              ), done as (
                update inbound_messages set status = 'processed', processed_at = now(), attempts = attempts + 1
                where id = ${row.id}
              ), queued as (
                ${queueRepliesOf({
                  communeId: row.communeId,
                  channel: row.channel,
                  chatId: row.chatId,
                  userId: row.userId,
                  conversationId,
                  inboundId: row.id,
                  replies,
                })}
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
      log.error({ requestId: f.requestId, err: errInfo(err) }, 'handler failed; fallback reply sent');
      result = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${CONVERSATION_LOCK_BASE + BigInt(conversationId)})`);
        const [row] = await tx.select().from(inboundMessages).where(eq(inboundMessages.id, f.inboundId));
        if (row.status !== 'received')
          return { inboundId: row.id, channel: row.channel, outboundIds: [], replies: [], failed: true };
        const replies: Reply[] = [{ text: userMessageFor(f.error), buttons: [STAFF_BUTTON] }];
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

  return { processConversation, processNext };
}

export type SingleProcessing = ReturnType<typeof createSingleProcessing>;
