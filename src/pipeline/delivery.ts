import { errInfo } from '../core/log-error.js';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from '../core/logger.js';
import type { ChannelAdapter, ChannelName, Reply, SendResult } from '../core/types.js';
import { execRows, type Db } from '../db/client.js';
import { auditLog, outboundMessages } from '../db/schema/index.js';

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
}

/** Platform ids accumulate across attempts of a multi-part reply. */
function appendIds(ids: string[]) {
  return sql`coalesce(${outboundMessages.platformMessageIds}, '[]'::jsonb) || ${JSON.stringify(ids)}::jsonb`;
}

interface ClaimedRow {
  id: number;
  commune_id: number;
  channel: string;
  chat_id: string;
  user_id: string;
  payload: Reply;
  attempts: number;
  parts_sent: number;
}

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
  } = opts;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = true;
  let rerun = false;
  const inFlight = new Set<Promise<unknown>>();

  /**
   * Claim due messages: only the oldest pending message of each chat is
   * eligible (per-chat order), optionally restricted to some ids or one chat.
   */
  async function claim(filter: { ids?: number[]; chat?: ClaimedRow } = {}, limit = batchSize): Promise<ClaimedRow[]> {
    const idFilter = filter.ids?.length
      ? sql`and o.id = any(${sql.raw(`array[${filter.ids.map(Number).join(',')}]::bigint[]`)})`
      : sql``;
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
                  and p.status = 'pending' and p.id < o.id
              )
            order by o.id
            limit ${limit}
            for update skip locked
          )
          returning u.id, u.commune_id, u.channel, u.chat_id, u.user_id, u.payload, u.attempts, u.parts_sent`,
    );
  }

  /** Deliver one claimed message. Returns false on failure, true when sent, or the id of the chat's next pending message. */
  async function deliverOne(row: ClaimedRow): Promise<boolean | number> {
    const id = Number(row.id);
    const adapter = adapters.get(row.commune_id, row.channel as ChannelName);
    let result: SendResult;
    if (!adapter) {
      result = { ok: false, retryable: true, code: 'channel_off', message: 'channel not configured' };
    } else {
      try {
        result = await adapter.send(row.payload, {
          communeId: row.commune_id,
          channel: row.channel as ChannelName,
          chatId: row.chat_id,
          userId: row.user_id,
        }, { skipParts: Number(row.parts_sent ?? 0) });
      } catch (error) {
        // Adapters should return results, but a bug must not lose the message: retry.
        result = { ok: false, retryable: true, code: 'adapter_threw', message: (error as Error).message };
      }
    }
    if (result.ok) {
      // Mark it sent and, in the same statement, look for the chat's next pending message.
      const [next] = await execRows<{ id: number }>(
        db,
        sql`with marked as (
              update outbound_messages
              set status = 'sent', sent_at = now(), locked_until = null, last_error = null,
                  platform_message_ids = coalesce(platform_message_ids, '[]'::jsonb) || ${JSON.stringify(result.platformMessageIds)}::jsonb
              where id = ${id}
            )
            select id from outbound_messages
            where commune_id = ${row.commune_id} and channel = ${row.channel} and chat_id = ${row.chat_id}
              and status = 'pending' and id <> ${id}
            order by id limit 1`,
      );
      return next ? Number(next.id) : true;
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
        await tx.insert(auditLog).values({
          communeId: row.commune_id,
          actor: 'system',
          action: `delivery.${status}`,
          subject: `outbound:${id}`,
          details: { channel: row.channel, code: result.code },
        });
      });
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
        nextAttemptAt: sql`now() + ${sql.raw(`interval '${Math.ceil(delay)} milliseconds'`)}`,
        lockedUntil: null,
        partsSent,
        ...(result.platformMessageIds?.length ? { platformMessageIds: appendIds(result.platformMessageIds) } : {}),
        lastError: `${result.code}: ${result.message}`.slice(0, 500),
      })
      .where(eq(outboundMessages.id, id));
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
    for (const row of rows) {
      active++;
      const p = deliverRows([row])
        .catch((error) => log.error({ err: errInfo(error) }, 'delivery failed'))
        .finally(() => {
          active--;
          inFlight.delete(p);
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

  return { start, stop, kick };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
