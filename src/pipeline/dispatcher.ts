import { errInfo } from '../core/log-error.js';
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { cleanText } from '../core/text-input.js';
import type { Logger } from '../core/logger.js';
import { userMessageFor } from '../core/messages.js';
import type { BaseContext, CommuneInfo, Router } from '../core/router.js';
import type { ChannelName, ConversationState, InboundMessage, Reply } from '../core/types.js';
import { execRows, type Db } from '../db/client.js';
import { conversations, inboundMessages, outboundMessages } from '../db/schema/index.js';
import { enqueueMessages, PULL_CHANNELS } from './outbox.js';

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

/** Channels whose replies are delivered by the HTTP response / polling rather than a platform call. */

const CONVERSATION_LOCK_BASE = 1n << 40n;

export interface DispatcherDeps {
  db: Db;
  router: Router<AppContext>;
  communes: CommuneDirectory;
  log: Logger;
  /** Called after replies are committed to the outbox (the delivery worker's fast path). */
  onOutbox?: (outboundIds: number[]) => void;
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
  const now = deps.now ?? (() => new Date());

  /**
   * Durably record a message in one statement (one round trip, atomic): the
   * conversation upsert and the inbound insert. A redelivered message (same
   * commune, channel and external id) is reported as duplicate.
   */
  async function ingest(msg: InboundMessage): Promise<IngestResult> {
    const text = msg.text !== undefined ? cleanText(msg.text) : null;
    const payload = JSON.stringify({ attachments: msg.attachments, contact: msg.contact, event: msg.event, raw: msg.raw });
    const [row] = await execRows<{ conversation_id: number; inbound_id: number | null; existing_id: number | null }>(
      db,
      sql`with conv as (
            insert into conversations (commune_id, channel, chat_id, user_id)
            values (${msg.communeId}, ${msg.channel}, ${msg.chatId}, ${msg.userId})
            on conflict (commune_id, channel, chat_id) do update set last_inbound_at = now()
            returning id
          ), ins as (
            insert into inbound_messages
              (commune_id, channel, external_id, conversation_id, chat_id, user_id, text, action, payload, request_id)
            select ${msg.communeId}, ${msg.channel}, ${msg.externalId}, conv.id, ${msg.chatId}, ${msg.userId},
                   ${text}, ${msg.action ?? null}, ${payload}::jsonb, ${randomUUID()}
            from conv
            on conflict (commune_id, channel, external_id) do nothing
            returning id
          )
          select (select id from conv) as conversation_id,
                 (select id from ins) as inbound_id,
                 (select id from inbound_messages
                   where commune_id = ${msg.communeId} and channel = ${msg.channel} and external_id = ${msg.externalId}) as existing_id`,
    );
    const conversationId = Number(row.conversation_id);
    if (row.inbound_id !== null && row.inbound_id !== undefined) {
      return { inboundId: Number(row.inbound_id), conversationId, communeId: msg.communeId, duplicate: false };
    }
    let existingId = row.existing_id;
    if (existingId === null || existingId === undefined) {
      // The same message was being recorded concurrently and committed after this statement's snapshot.
      const [again] = await db
        .select({ id: inboundMessages.id })
        .from(inboundMessages)
        .where(
          and(
            eq(inboundMessages.communeId, msg.communeId),
            eq(inboundMessages.channel, msg.channel),
            eq(inboundMessages.externalId, msg.externalId),
          ),
        );
      existingId = again.id;
    }
    return { inboundId: Number(existingId), conversationId, communeId: msg.communeId, duplicate: true };
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
        const conv = { flow: first.flow, data: first.data };
        const state: ConversationState = { flow: conv.flow, data: { ...(conv.data ?? {}) } };
        const payload = row.payload as Record<string, unknown>;
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
          raw: payload.raw,
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
          db: tx as unknown as Db,
        };
        let replies: Reply[];
        try {
          replies = await router.handle(ctx);
        } catch (error) {
          failure = { inboundId: row.id, requestId: row.requestId, error };
          throw error;
        }
        if (deps.numberedActions) {
          const list = replies.length ? deps.numberedActions(row.channel, replies) : undefined;
          if (list && list.length) state.data.numberedActions = list;
          else if (replies.length) delete state.data.numberedActions;
        }
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
      if (!failure) throw error; // infrastructure failure (database down): caller retries later
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
            errorCode: (err && (err as { code?: string }).code) || err?.name || 'error',
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

  /** Conversations with messages recorded but not processed (after a crash): process them. */
  async function recoverPending(limit = 100): Promise<number> {
    const rows = await db
      .selectDistinct({ conversationId: inboundMessages.conversationId })
      .from(inboundMessages)
      .where(eq(inboundMessages.status, 'received'))
      .limit(limit);
    for (const r of rows) await processConversation(r.conversationId);
    return rows.length;
  }

  return { ingest, processConversation, handle, recoverPending };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
