import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import { messageMetrics, noticeMetrics } from '../../core/metrics.js';
import type { ChannelAdapter, ChannelName, SendResult, StoredReply } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { createDeliveryStore, type ClaimedRow } from './delivery-store.js';
import { createFileCache, isFileRef, withFileContent, type FileCacheOptions, type FileResolver } from './file-refs.js';

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
  /**
   * Content of files queued by reference (a notice's attachment), read just before sending through a small
   * cache (`fileCache`). The runtime composes it from the features that queue refs.
   */
  resolveFile?: FileResolver;
  fileCache?: FileCacheOptions;
}

/**
 * Delivers the outbox. Only the oldest pending message of each chat is
 * eligible, so per-chat order holds even across processes; claims use
 * FOR UPDATE SKIP LOCKED plus a lease. A message is marked sent only after the
 * platform confirmed it, so a restart never resends a confirmed message.
 * This file decides what to send and when (pacing, chains, polling, retries);
 * the statements it runs are in delivery-store.ts.
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
  const resolveFile = opts.resolveFile && createFileCache(opts.resolveFile, opts.fileCache);
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let stopped = true;
  let rerun = false;
  const inFlight = new Set<Promise<unknown>>();

  const {
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
  } = createDeliveryStore(db, {
    leaseMs,
    batchSize,
  });

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

  /**
   * One send of a claimed row; a referenced file is read first (a failed read is retried, a missing file is not).
   * `noticeCopy`: whether the row is a notice copy (isNoticeCopy, decided once per delivery by deliverOne).
   */
  async function attempt(row: ClaimedRow, noticeCopy: boolean): Promise<SendResult> {
    const adapter = adapters.get(row.commune_id, row.channel);
    if (!adapter) return { ok: false, retryable: true, code: 'channel_off', message: 'channel not configured' };
    let ready: Awaited<ReturnType<typeof withFileContent>>;
    try {
      ready = await withFileContent(row.payload, resolveFile);
    } catch (error) {
      return { ok: false, retryable: true, code: 'file_unreadable', message: (error as Error).message };
    }
    // The referenced file is gone (its notice was deleted): no retry can bring it back.
    if ('missing' in ready)
      return { ok: false, retryable: false, code: `file_${ready.missing}`, message: 'referenced file not found' };
    const to = { communeId: row.commune_id, channel: row.channel, chatId: row.chat_id, userId: row.user_id };
    // A notice copy is noted as started right before the platform is asked (never earlier: a failure before
    // this point must leave the copy to be sent again). Not noted: nothing is sent, and the mark (which the
    // statement may have written before the connection failed) is cleared, best effort, for a later retry.
    if (noticeCopy) {
      try {
        await markStarted(Number(row.id));
      } catch (error) {
        await clearStarted(Number(row.id)).catch(() => {});
        return { ok: false, retryable: true, code: 'database', message: `not noted as started: ${(error as Error).message}` };
      }
    }
    try {
      return await adapter.send(ready.reply, to, { skipParts: Number(row.parts_sent ?? 0) });
    } catch (error) {
      // Adapters should return results, but a bug must not lose the message: retry.
      return { ok: false, retryable: true, code: 'adapter_threw', message: (error as Error).message };
    }
  }

  /** Deliver one claimed message. Returns false on failure, true when sent, or the id of the chat's next pending message. */
  async function deliverOne(row: ClaimedRow, findNext = true): Promise<boolean | number> {
    const id = Number(row.id);
    const noticeCopy = isNoticeCopy(row);
    if (noticeCopy && row.send_started_at) {
      // In flight when its process died (or its claim ran out): the platform may have it. A crash never sends
      // anyone the same notice twice (issue 17). If the live send it raced fails, scheduleRetry reopens the row.
      if (await settleUncertain(id)) {
        if (carriesFile(row.payload)) await forgetFile(id);
        countSent(row, noticeCopy, null);
        log.info({ outboundId: id, channel: row.channel }, 'notice copy in flight at a crash: counted as sent, not sent again');
      }
      return true;
    }
    await pace(row);
    const result = await attempt(row, noticeCopy);
    if (result.ok) {
      const confirmedAt = performance.now();
      // Mark it sent and, in the same statement, look for the chat's next pending message.
      const marked = await markSent({ id, ids: result.platformMessageIds ?? [], findNext, confirmedAt });
      countSent(row, noticeCopy, marked.replySeconds);
      if (carriesFile(row.payload)) await forgetFile(id);
      return marked.next ?? true;
    }
    const attempts = Number(row.attempts);
    if (!result.retryable || attempts >= maxAttempts) {
      const status = result.code === 'undeliverable' ? 'undeliverable' : 'failed';
      // Staff see these in the audit trail / console: the resident did not get an answer.
      await giveUp(row, status, result);
      if (carriesFile(row.payload)) await forgetFile(id);
      countGivenUp(row, noticeCopy, status);
      log.warn({ outboundId: id, channel: row.channel, code: result.code, status }, 'delivery given up');
      return false;
    }
    const partsSent = Math.max(Number(row.parts_sent ?? 0), result.partsDone ?? 0);
    const backoff = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.min(attempts - 1, 20));
    const jitter = Math.floor(Math.random() * Math.min(1000, backoff / 4));
    const delay = Math.max(result.retryAfterMs ?? 0, backoff + jitter);
    await scheduleRetry(id, { delayMs: delay, partsSent, result });
    messageMetrics.retried(row.channel, row.commune_id);
    log.info({ outboundId: id, channel: row.channel, code: result.code, delayMs: delay }, 'delivery retry scheduled');
    return false;
  }

  /**
   * The metrics of a confirmed send: a metric never fails a delivery (a throw here would skip dropping the
   * file and stop the chat's chain until the lease runs out), so whatever goes wrong is logged and dropped.
   */
  function countSent(row: ClaimedRow, noticeCopy: boolean, replySeconds: number | null): void {
    try {
      messageMetrics.sent(row.channel, row.commune_id);
      if (noticeCopy) noticeMetrics.recipients(row.channel, row.commune_id, 'sent');
      if (replySeconds !== null) messageMetrics.replied(row.channel, replySeconds);
    } catch (error) {
      log.warn({ err: errInfo(error), outboundId: Number(row.id) }, 'delivery metrics failed');
    }
  }

  /** The metrics of a message given up; like countSent, never a reason for the delivery to fail. */
  function countGivenUp(row: ClaimedRow, noticeCopy: boolean, status: 'failed' | 'undeliverable'): void {
    try {
      messageMetrics.failed(row.channel, row.commune_id, status);
      if (noticeCopy) noticeMetrics.recipients(row.channel, row.commune_id, status);
    } catch (error) {
      log.warn({ err: errInfo(error), outboundId: Number(row.id) }, 'delivery metrics failed');
    }
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

/**
 * The payload field that marks a notice copy queued at reply priority (features/notices/sending.ts writes it;
 * the outbox has no column saying which notice a row copies: notice_deliveries links them).
 */
export const NOTICE_COPY = 'noticeCopy' as const;

/**
 * A notice copy: queued by a notice's send (broadcast priority), or a held copy queued when the resident
 * wrote again (at reply priority, so its payload carries the NOTICE_COPY mark; see features/notices).
 */
function isNoticeCopy(row: ClaimedRow): boolean {
  return Boolean(row.priority) || (row.payload as { [NOTICE_COPY]?: unknown })[NOTICE_COPY] === true;
}

/** Whether a queued reply carries a file's content (a referenced file has none to drop). */
function carriesFile(payload: StoredReply): boolean {
  return !!payload.file && !isFileRef(payload.file) && typeof payload.file.contentBase64 === 'string';
}
