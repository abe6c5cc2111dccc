/**
 * The delivery worker's statements on `outbound_messages`: claiming due rows
 * under a lease, marking sends confirmed (in batches), scheduling a retry,
 * giving a message up (audited), giving leases back, and dropping a sent
 * file's content. The worker (delivery.ts) decides which to run and when.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { SendResult, StoredReply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import { bigintArray, execRows, type Db } from '../../db/client.js';
import { outboundMessages } from '../../db/schema/index.js';
import { createBatcher } from '../batcher.js';
import type { LeasedOutbound } from './statements.js';

/**
 * A claimed row has the shape of a row leased at insert time (which is a reply: priority 0); its payload as
 * stored (a file may be a reference, resolved before sending).
 */
export type ClaimedRow = Omit<LeasedOutbound, 'payload'> & {
  payload: StoredReply;
  priority?: number;
  /** Set when a notice copy's send had begun under an earlier claim (see markStarted). */
  send_started_at?: string | Date | null;
};

/**
 * `last_error` of a notice copy that was being handed to the platform when its process died: counted as sent
 * (the platform most likely has it) and never sent again, so a crash gives nobody the same notice twice. Only a
 * note for people reading the row: the state itself is the `unconfirmed` column ({@link isUnconfirmed}).
 */
export const UNCERTAIN_SEND = 'uncertain: in flight when the server stopped; not sent again';

/**
 * Whether an outbox row is a notice copy sent but unconfirmed (settled by settleUncertain, not yet reopened):
 * the one spelling of that condition for every statement. A check constraint keeps `unconfirmed` on sent rows
 * only, so the column alone says it. `alias` qualifies it where the statement names outbound_messages so.
 */
export function isUnconfirmed(alias?: string): SQL {
  return alias ? sql`${sql.identifier(alias)}.unconfirmed` : sql`unconfirmed`;
}

/**
 * A confirmed send once stored: the chat's next pending message and, for a reply, the seconds from the message
 * it answers being recorded to the platform's confirmation (the latency metric).
 */
export interface MarkedSent {
  next: number | null;
  replySeconds: number | null;
}

/** A failed send's end state: `undeliverable` when the platform says the chat cannot be reached. */
export type GivenUpStatus = 'failed' | 'undeliverable';

/** Platform ids accumulate across attempts of a multi-part reply. */
function appendIds(ids: string[]) {
  return sql`coalesce(${outboundMessages.platformMessageIds}, '[]'::jsonb) || ${JSON.stringify(ids)}::jsonb`;
}

export function createDeliveryStore(db: Db, opts: { leaseMs: number; batchSize: number }) {
  const { leaseMs, batchSize } = opts;

  /**
   * Claim due messages: only the oldest pending message of each chat is
   * eligible (per-chat order), optionally restricted to some ids or one chat.
   * Lower priority first (replies before broadcasts), and a broadcast row
   * waiting in a chat does not hold up that chat's replies (the per-chat order
   * holds within a priority).
   */
  async function claim(filter: { ids?: number[]; chat?: ClaimedRow } = {}, limit = batchSize): Promise<ClaimedRow[]> {
    const idFilter = filter.ids?.length ? sql`and o.id = any(${bigintArray(filter.ids)})` : sql``;
    const chatFilter = filter.chat
      ? sql`and o.commune_id = ${filter.chat.commune_id} and o.channel = ${filter.chat.channel} and o.chat_id = ${filter.chat.chat_id}`
      : sql``;
    return execRows<ClaimedRow>(
      db,
      sql`update outbound_messages u
          set locked_until = now() + ${sql.raw(`interval '${Math.ceil(leaseMs / 1000)} seconds'`)},
              attempts = u.attempts + 1
          where u.id in (
            select o.id from outbound_messages o
            where o.status = 'pending'
              and o.next_attempt_at <= now()
              and (o.locked_until is null or o.locked_until < now())
              ${idFilter}
              ${chatFilter}
              and not exists (
                select 1 from outbound_messages p
                where p.commune_id = o.commune_id and p.channel = o.channel and p.chat_id = o.chat_id
                  and p.status = 'pending' and p.id < o.id and p.priority <= o.priority
              )
            order by o.priority, o.id
            limit ${limit}
            for update skip locked
          )
          returning u.id, u.commune_id, u.channel, u.chat_id, u.user_id, u.payload, u.attempts, u.parts_sent, u.priority,
                    u.send_started_at`,
    );
  }

  /**
   * Confirmed sends are marked in batches (one statement for all sends
   * confirmed meanwhile). For each, the chat's next pending message that no
   * worker holds is returned, so the chat's queue moves on at once, and, for a
   * reply, its latency. `received_at` is the database's clock, so the time since is read on that clock too
   * (clock_timestamp() in the statement, never the app's Date.now(): on a separate server the two differ);
   * the app's own wait from the confirmation (`confirmedAt`, performance.now()) to running the statement is a
   * duration on one clock and is taken off.
   */
  const markSent = createBatcher<{ id: number; ids: string[]; findNext: boolean; confirmedAt: number }, MarkedSent>({
    maxBatch: 128,
    maxConcurrent: 2,
    lingerMs: 25, // off the resident's path: the message is already sent
    // Lost by the driver: the send is left leased, and sent again when its lease runs out (at-least-once).
    stallMs: 30_000,
    name: 'mark-sent',
    run: async (items) => {
      const ran = performance.now();
      const rows = await execRows<{ id: number; next_id: number | null; since_received: number | string | null }>(
        db,
        sql`with input as materialized (
              select * from jsonb_to_recordset(${JSON.stringify(items.map((i) => ({ id: i.id, ids: i.ids, find_next: i.findNext })))}::jsonb)
                as x(id bigint, ids jsonb, find_next boolean)
            ), marked as (
              update outbound_messages o
              set status = 'sent', sent_at = now(), locked_until = null, last_error = null, unconfirmed = false,
                  platform_message_ids = coalesce(o.platform_message_ids, '[]'::jsonb) || i.ids
              from input i
              where o.id = i.id and o.id = any(${bigintArray(items.map((i) => i.id))})
              returning o.id, o.commune_id, o.channel, o.chat_id, o.inbound_id
            )
            select i.id,
                   (select extract(epoch from (clock_timestamp() - r.received_at)) from inbound_messages r
                    where r.id = m.inbound_id) as since_received,
                   case when i.find_next then (
                     select p.id from outbound_messages p
                     where p.commune_id = m.commune_id and p.channel = m.channel and p.chat_id = m.chat_id
                       and p.status = 'pending' and p.id <> all (select id from input)
                     order by p.id limit 1) end as next_id
            from input i join marked m on m.id = i.id`,
      );
      const marked = new Map(rows.map((r) => [Number(r.id), r]));
      return items.map((i): MarkedSent => {
        const r = marked.get(i.id);
        const since = r?.since_received;
        return {
          next: r?.next_id === null || r?.next_id === undefined ? null : Number(r.next_id),
          replySeconds: since === null || since === undefined ? null : Number(since) - (ran - i.confirmedAt) / 1000,
        };
      });
    },
  });

  /**
   * A notice copy is about to be handed to the platform: noted first (copies starting together share one
   * statement), so that after a crash the copy is known to have been in flight and is not sent a second time.
   * Replies are never noted: a reply in flight at a crash is sent again (a duplicate answer beats none).
   */
  const markStarted = createBatcher<number, void>({
    maxBatch: 128,
    maxConcurrent: 2,
    lingerMs: 2,
    stallMs: 30_000,
    name: 'mark-started',
    run: async (ids) => {
      await execRows(
        db,
        sql`update outbound_messages set send_started_at = now() where id = any(${bigintArray(ids)}) and status = 'pending'`,
      );
      return ids.map(() => undefined);
    },
  });

  /** Take the started note back (the send was not made: the note could not be confirmed). */
  async function clearStarted(id: number): Promise<void> {
    await db
      .update(outboundMessages)
      .set({ sendStartedAt: null })
      .where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, 'pending')));
  }

  /**
   * A notice copy found in flight from a dead process: counted as sent, unconfirmed, and not sent again.
   * False when it was no longer pending (the live send it raced was confirmed first).
   */
  async function settleUncertain(id: number): Promise<boolean> {
    const rows = await db
      .update(outboundMessages)
      .set({ status: 'sent', sentAt: sql`now()`, lockedUntil: null, unconfirmed: true, lastError: UNCERTAIN_SEND })
      .where(and(eq(outboundMessages.id, id), eq(outboundMessages.status, 'pending')))
      .returning({ id: outboundMessages.id });
    return rows.length > 0;
  }

  /** The message will not be sent: its end state, and an audit row staff see (the resident did not get an answer). */
  async function giveUp(row: ClaimedRow, status: GivenUpStatus, result: { code: string; message: string }): Promise<void> {
    const id = Number(row.id);
    await db.transaction(async (tx) => {
      await tx
        .update(outboundMessages)
        .set({ status, lockedUntil: null, unconfirmed: false, lastError: `${result.code}: ${result.message}`.slice(0, 500) })
        .where(eq(outboundMessages.id, id));
      await writeAudit(tx as unknown as Db, {
        communeId: row.commune_id,
        actor: 'system',
        action: `delivery.${status}`,
        subject: `outbound:${id}`,
        details: { channel: row.channel, code: result.code },
      });
    });
  }

  /** Try again after `delayMs`, keeping the parts already sent and their platform ids. */
  async function scheduleRetry(
    id: number,
    retry: { delayMs: number; partsSent: number; result: Extract<SendResult, { ok: false }> },
  ): Promise<void> {
    const { result } = retry;
    await db
      .update(outboundMessages)
      .set({
        nextAttemptAt: sql`now() + ${Math.ceil(retry.delayMs)} * interval '1 millisecond'`,
        lockedUntil: null,
        // This send failed (an error, or a timeout, which is retried as before: a crash is what the note is
        // for), so the next attempt is a new send. A claim that ran out meanwhile may have settled the copy as
        // in flight: it was not delivered after all, so it is pending again.
        sendStartedAt: null,
        status: sql`case when ${isUnconfirmed()} then 'pending' else ${outboundMessages.status} end`,
        unconfirmed: false,
        partsSent: retry.partsSent,
        ...(result.platformMessageIds?.length ? { platformMessageIds: appendIds(result.platformMessageIds) } : {}),
        lastError: `${result.code}: ${result.message}`.slice(0, 500),
      })
      .where(eq(outboundMessages.id, id));
  }

  /** Give back the leases of rows that wait behind a failed one (they stay pending, in order). */
  async function releaseLeases(rows: ClaimedRow[]): Promise<void> {
    if (!rows.length) return;
    await execRows(
      db,
      sql`update outbound_messages set locked_until = null, attempts = greatest(attempts - 1, 0)
          where id = any(${bigintArray(rows.map((r) => r.id))}) and status = 'pending'`,
    );
  }

  /**
   * A file sent as part of a message (a civil-record copy) is not kept in the outbox once the message is sent
   * or given up: the copy stays in its own table, from which staff resend it. Only after the terminal status
   * is stored, so a retry never lacks its file.
   */
  async function forgetFile(id: number): Promise<void> {
    await db
      .update(outboundMessages)
      .set({ payload: sql`${outboundMessages.payload} #- '{file,contentBase64}'` })
      .where(and(eq(outboundMessages.id, id), sql`${outboundMessages.status} <> 'pending'`));
  }

  /**
   * Give back every lease at start when no other process can hold one (the embedded database belongs to
   * this process alone): replies queued before a crash go out at once instead of after the lease (issue 19).
   * A reply the platform took just before the crash may be sent again, exactly as after the lease runs out.
   */
  async function releaseOrphanedLeases(): Promise<number> {
    const rows = await execRows<{ id: number }>(
      db,
      sql`update outbound_messages set locked_until = null where status = 'pending' and locked_until is not null returning id`,
    );
    return rows.length;
  }

  return {
    claim,
    markSent,
    markStarted,
    clearStarted,
    settleUncertain,
    giveUp,
    scheduleRetry,
    releaseLeases,
    forgetFile,
    releaseOrphanedLeases,
  };
}
