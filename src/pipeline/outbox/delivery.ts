import { errInfo } from '../../core/log-error.js';
import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from '../../core/logger.js';
import { messageMetrics } from '../../core/metrics.js';
import type { ChannelAdapter, ChannelName, SendResult, StoredReply } from '../../core/types.js';
import { bigintArray, execRows, type Db } from '../../db/client.js';
import type { LeasedOutbound } from './statements.js';
import { writeAudit } from '../../db/audit.js';
import { outboundMessages } from '../../db/schema/index.js';
import { createBatcher } from '../batcher.js';

export interface AdapterRegistry {
  /** The adapter that delivers for this commune on this channel, if the channel is on. */
  get(communeId: number, channel: ChannelName): ChannelAdapter | undefined;
}

export interface DeliveryOptions {
  db: Db;
  adapters: AdapterRegistry;
  log: Logger;
  pollMs?: number;
  /** Claims per poll. */
  batchSize?: number;
  /** Parallel sends (different chats). */
  concurrency?: number;
  /** Give up after this many attempts (backoff is capped, so ~a day of retries by default). */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long a claim is held before another worker may retry it (crash safety). */
  leaseMs?: number;
  /**
   * Broadcast sends (priority 1) per second to one bot, i.e. one commune's account on a channel: the
   * platform's limit less room for replies, which are never paced. Undefined: not paced.
   */
  broadcastPerSecond?: (communeId: number, channel: ChannelName) => number | undefined;
}

/** Platform ids accumulate across attempts of a multi-part reply. */
function appendIds(ids: string[]) {
  return sql`coalesce(${outboundMessages.platformMessageIds}, '[]'::jsonb) || ${JSON.stringify(ids)}::jsonb`;
}

/** A claimed row has the shape of a row leased at insert time (which is a reply: priority 0). */
type ClaimedRow = LeasedOutbound & { priority?: number };

/**
 * Delivers the outbox. Only the oldest pending message of each chat is
 * eligible, so per-chat order holds even across processes; claims use
 * FOR UPDATE SKIP LOCKED plus a lease. A message is marked sent only after the
 * platform confirmed it, so a restart never resends a confirmed message.
 */
export function createDeliveryWorker(opts: DeliveryOptions) {
  const {
    db,
    adapters,
    log,
    pollMs = 500,
    batchSize = 100,
    concurrency = 16,
    maxAttempts = 40,
    baseBackoffMs = 1_000,
    maxBackoffMs = 5 * 60_000,
    leaseMs = 60_000,
    broadcastPerSecond,
  } = opts;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = true;
  let rerun = false;
  const inFlight = new Set<Promise<unknown>>();

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
          returning u.id, u.commune_id, u.channel, u.chat_id, u.user_id, u.payload, u.attempts, u.parts_sent, u.priority`,
    );
  }

  /**
   * Confirmed sends are marked in batches (one statement for all sends
   * confirmed meanwhile). For each, the chat's next pending message that no
   * worker holds is returned, so the chat's queue moves on at once.
   */
  const markSent = createBatcher<{ id: number; ids: string[]; findNext: boolean }, number | null>({
    maxBatch: 128,
    maxConcurrent: 2,
    lingerMs: 25, // off the resident's path: the message is already sent
    run: async (items) => {
      const rows = await execRows<{ id: number; next_id: number | null }>(
        db,
        sql`with input as materialized (
              select * from jsonb_to_recordset(${JSON.stringify(items.map((i) => ({ id: i.id, ids: i.ids, find_next: i.findNext })))}::jsonb)
                as x(id bigint, ids jsonb, find_next boolean)
            ), marked as (
              update outbound_messages o
              set status = 'sent', sent_at = now(), locked_until = null, last_error = null,
                  platform_message_ids = coalesce(o.platform_message_ids, '[]'::jsonb) || i.ids
              from input i
              where o.id = i.id and o.id = any(${bigintArray(items.map((i) => i.id))})
              returning o.id, o.commune_id, o.channel, o.chat_id
            )
            select i.id,
                   case when i.find_next then (
                     select p.id from outbound_messages p
                     where p.commune_id = m.commune_id and p.channel = m.channel and p.chat_id = m.chat_id
                       and p.status = 'pending' and p.id <> all (select id from input)
                     order by p.id limit 1) end as next_id
            from input i join marked m on m.id = i.id`,
      );
      const next = new Map(
        rows.map((r) => [Number(r.id), r.next_id === null || r.next_id === undefined ? null : Number(r.next_id)]),
      );
      return items.map((i) => next.get(i.id) ?? null);
    },
  });

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
   * Broadcasts to one bot go out at most `broadcastPerSecond` a second, evenly spaced: each takes the
   * bot's next free slot and waits for it. Without this the worker sent a broadcast as fast as its
   * concurrency allowed, the platform answered 429 past its limit, and a resident's reply to the same
   * bot met the same 429 and waited out its retry_after (a second or more) behind the broadcast.
   */
  const nextSlot = new Map<string, number>();
  async function pace(row: ClaimedRow): Promise<void> {
    if (!row.priority || !broadcastPerSecond) return;
    const rate = broadcastPerSecond(row.commune_id, row.channel);
    if (!rate || rate <= 0) return;
    const key = `${row.commune_id}\u0000${row.channel}`;
    const now = Date.now();
    const slot = Math.max(now, nextSlot.get(key) ?? 0);
    nextSlot.set(key, slot + 1000 / rate);
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
  }

  /** Deliver one claimed message. Returns false on failure, true when sent, or the id of the chat's next pending message. */
  async function deliverOne(row: ClaimedRow, findNext = true): Promise<boolean | number> {
    const id = Number(row.id);
    await pace(row);
    const adapter = adapters.get(row.commune_id, row.channel);
    let result: SendResult;
    if (!adapter) {
      result = { ok: false, retryable: true, code: 'channel_off', message: 'channel not configured' };
    } else {
      try {
        result = await adapter.send(
          row.payload,
          {
            communeId: row.commune_id,
            channel: row.channel,
            chatId: row.chat_id,
            userId: row.user_id,
          },
          { skipParts: Number(row.parts_sent ?? 0) },
        );
      } catch (error) {
        // Adapters should return results, but a bug must not lose the message: retry.
        result = { ok: false, retryable: true, code: 'adapter_threw', message: (error as Error).message };
      }
    }
    if (result.ok) {
      messageMetrics.sent(row.channel);
      // Mark it sent and, in the same statement, look for the chat's next pending message.
      const next = await markSent({ id, ids: result.platformMessageIds ?? [], findNext });
      if (carriesFile(row.payload)) await forgetFile(id);
      return next ?? true;
    }
    const attempts = Number(row.attempts);
    if (!result.retryable || attempts >= maxAttempts) {
      const status = result.code === 'undeliverable' ? 'undeliverable' : 'failed';
      await db.transaction(async (tx) => {
        await tx
          .update(outboundMessages)
          .set({ status, lockedUntil: null, lastError: `${result.code}: ${result.message}`.slice(0, 500) })
          .where(eq(outboundMessages.id, id));
        // Staff see these in the audit trail / console: the resident did not get an answer.
        await writeAudit(tx as unknown as Db, {
          communeId: row.commune_id,
          actor: 'system',
          action: `delivery.${status}`,
          subject: `outbound:${id}`,
          details: { channel: row.channel, code: result.code },
        });
      });
      if (carriesFile(row.payload)) await forgetFile(id);
      messageMetrics.failed(row.channel, status);
      log.warn({ outboundId: id, channel: row.channel, code: result.code, status }, 'delivery given up');
      return false;
    }
    const partsSent = Math.max(Number(row.parts_sent ?? 0), result.partsDone ?? 0);
    const backoff = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.min(attempts - 1, 20));
    const jitter = Math.floor(Math.random() * Math.min(1000, backoff / 4));
    const delay = Math.max(result.retryAfterMs ?? 0, backoff + jitter);
    await db
      .update(outboundMessages)
      .set({
        nextAttemptAt: sql`now() + ${Math.ceil(delay)} * interval '1 millisecond'`,
        lockedUntil: null,
        partsSent,
        ...(result.platformMessageIds?.length ? { platformMessageIds: appendIds(result.platformMessageIds) } : {}),
        lastError: `${result.code}: ${result.message}`.slice(0, 500),
      })
      .where(eq(outboundMessages.id, id));
    messageMetrics.retried(row.channel);
    log.info({ outboundId: id, channel: row.channel, code: result.code, delayMs: delay }, 'delivery retry scheduled');
    return false;
  }

  /** Deliver claimed rows; after each success, the chat's next message becomes eligible: chain it. */
  async function deliverRows(rows: ClaimedRow[]): Promise<number> {
    let sent = 0;
    const queue = [...rows];
    const workers = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let row = queue.shift(); row; row = queue.shift()) {
        const outcome = await deliverOne(row);
        if (outcome !== false) {
          sent++;
          if (typeof outcome === 'number') {
            const next = await claimNextInChat(row);
            if (next) queue.push(next);
          }
        }
      }
    });
    await Promise.all(workers);
    return sent;
  }

  /**
   * Deliver one chat's rows, all leased to us, in order; then whatever the chat
   * queued meanwhile. After a failure the rest waits behind the failed row.
   */
  async function deliverChain(rows: ClaimedRow[]): Promise<void> {
    let done = 0;
    try {
      for (let i = 0; i < rows.length; i++) {
        const last = i === rows.length - 1;
        done = i + 1; // attempted: if it throws after the platform took it, its lease must run out
        const outcome = await deliverOne(rows[i], last);
        if (outcome === false) return;
        if (last && typeof outcome === 'number') {
          const next = await claimNextInChat(rows[i]);
          if (next) rows.push(next);
        }
      }
    } finally {
      // Whatever waits behind a failure (or an error) goes back to the queue at once, in order.
      await releaseLeases(rows.slice(done)).catch((error) =>
        log.error({ err: errInfo(error) }, 'releasing delivery leases failed; they expire'),
      );
    }
  }

  /** Chains of the fast path share the worker's concurrency limit (platform rate limits, sockets). */
  let chainsActive = 0;
  const chainsWaiting: ClaimedRow[][] = [];
  function startChain(chain: ClaimedRow[]): void {
    chainsActive++;
    const p = deliverChain(chain)
      .catch((error) => log.error({ err: errInfo(error) }, 'delivery fast path failed'))
      .finally(() => {
        chainsActive--;
        inFlight.delete(p);
        const next = chainsWaiting.shift();
        if (next) startChain(next);
      });
    inFlight.add(p);
  }

  /** Fast path for rows leased when they were queued: no claim needed. */
  function deliverLeased(rows: ClaimedRow[]): void {
    if (stopped) return; // their lease runs out and the next start delivers them
    const chats = new Map<string, ClaimedRow[]>();
    for (const row of rows) {
      const key = `${row.commune_id}\u0000${row.channel}\u0000${row.chat_id}`;
      const chain = chats.get(key);
      if (chain) chain.push(row);
      else chats.set(key, [row]);
    }
    for (const chain of chats.values()) {
      if (chainsActive < concurrency) startChain(chain);
      else chainsWaiting.push(chain);
    }
  }

  async function claimNextInChat(row: ClaimedRow): Promise<ClaimedRow | undefined> {
    const [next] = await claim({ chat: row }, 1);
    return next;
  }

  /**
   * One poll pass: keep up to `concurrency` sends going, claiming only what can
   * start now, so one slow send (a platform timeout) never holds up the rest.
   */
  let active = 0;
  async function pollPass(): Promise<number> {
    const free = concurrency - active;
    if (free <= 0) return 0;
    const rows = await claim({}, Math.min(free, batchSize));
    // A full claim may have left more waiting: each send that ends makes room for the next at once,
    // instead of at the next poll (which capped a broadcast at 2 × concurrency sends a second).
    const more = rows.length === Math.min(free, batchSize);
    for (const row of rows) {
      active++;
      const p = deliverRows([row])
        .catch((error) => log.error({ err: errInfo(error) }, 'delivery failed'))
        .finally(() => {
          active--;
          inFlight.delete(p);
          if (more && !stopped) void tick();
        });
      inFlight.add(p);
    }
    return rows.length;
  }

  /** Fast path: try these freshly committed messages now instead of waiting for the poll. */
  function kick(ids: number[]): void {
    if (stopped) return;
    const p = claim({ ids })
      .then((rows) => deliverRows(rows))
      .catch((error) => log.error({ err: errInfo(error) }, 'delivery fast path failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function tick(): Promise<void> {
    if (running) {
      rerun = true;
      return;
    }
    running = true;
    try {
      do {
        rerun = false;
        while ((await pollPass()) > 0 && !stopped) {
          /* keep draining */
        }
      } while (rerun && !stopped);
    } catch (error) {
      log.error({ err: errInfo(error) }, 'delivery poll failed');
    } finally {
      running = false;
    }
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

  function start(): void {
    if (!stopped) return;
    stopped = false;
    const loop = async () => {
      await tick();
      if (!stopped) timer = setTimeout(loop, pollMs);
    };
    timer = setTimeout(loop, 0);
  }

  /** Stop polling and wait for in-flight sends (graceful shutdown). */
  async function stop(): Promise<void> {
    stopped = true;
    if (timer) clearTimeout(timer);
    while (running || inFlight.size) {
      await Promise.allSettled([...inFlight]);
      if (running) await new Promise((r) => setTimeout(r, 10));
    }
  }

  return { releaseOrphanedLeases, start, stop, kick, deliverLeased };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

/** Whether a queued reply carries a file's content. */
function carriesFile(payload: StoredReply): boolean {
  return typeof payload.file?.contentBase64 === 'string';
}
