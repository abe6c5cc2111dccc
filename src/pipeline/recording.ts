import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { messageMetrics } from '../core/metrics.js';
import { cleanText } from '../core/text-input.js';
import type { InboundMessage } from '../core/types.js';
import { execRows, type Db } from '../db/client.js';
import { inboundMessages } from '../db/schema/index.js';
import { createBatcher } from './batcher.js';

export interface IngestResult {
  inboundId: number;
  conversationId: number;
  communeId: number;
  duplicate: boolean;
}

/**
 * Durable recording of inbound messages, deduplicated by their platform id.
 * Webhooks arriving together share one statement (the batcher), so the
 * acknowledgement a platform waits for costs one round trip under load.
 */
export function createRecorder(deps: { db: Db; ingestBatch?: number; ingestConcurrency?: number; ingestLingerMs?: number }): {
  ingest(msg: InboundMessage): Promise<IngestResult>;
} {
  const { db } = deps;

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
      if (!r.duplicate) messageMetrics.received(m.channel, m.communeId);
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
      const again = await recordRows(
        missing.map((r, i) => ({ ...r, ord: i })),
        false,
      );
      missing.forEach((r, i) => results.set(r.ord, again.get(i)!));
    }
    return results;
  }

  const ingestBatched = createBatcher<InboundMessage, IngestResult>({
    run: ingestMany,
    maxBatch: deps.ingestBatch ?? 64,
    maxConcurrent: deps.ingestConcurrency ?? 2,
    lingerMs: deps.ingestLingerMs ?? 3,
    // The webhook waits for this: a statement lost by the driver is answered 503 (the platform redelivers and
    // the copy is skipped) instead of never, which also held one of the two recording slots for good.
    stallMs: 15_000,
    name: 'recording',
  });

  /** Durably record one message; messages recorded at the same moment share a statement. */
  function ingest(msg: InboundMessage): Promise<IngestResult> {
    return ingestBatched(msg);
  }

  return { ingest };
}
