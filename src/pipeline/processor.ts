import { errInfo } from '../core/log-error.js';
import type { Logger } from '../core/logger.js';
import { StalledError, timeBox } from '../core/time-box.js';
import type { BatchItem, BatchOutcome } from './dispatcher.js';

export interface ProcessorOptions {
  processBatch(items: BatchItem[]): Promise<BatchOutcome>;
  log: Logger;
  /** Conversations per batch at most. */
  maxBatch?: number;
  /** Batches (transactions) in flight at once. */
  maxConcurrent?: number;
  /** Wait before retrying a conversation another worker holds. */
  busyRetryMs?: number;
  /**
   * A batch still running after this long is given up (logged): its conversations are freed for recovery,
   * which takes them again under their advisory lock (core/time-box.ts). Default 60 s; a batch takes ms.
   */
  stallMs?: number;
}

/**
 * Schedules processing of recorded webhooks. Conversations with new messages
 * wait in a ready set; whenever a batch slot is free, every ready
 * conversation not already being processed here goes into the next batch. At
 * low load that is a batch of one, at once; under load batches grow instead of
 * transactions piling up. A conversation is never in two batches of this
 * process at once, and the advisory lock keeps that true across processes.
 * What waits here is already durable: if the process dies, recovery at start
 * processes it.
 */
export function createProcessor(opts: ProcessorOptions) {
  const maxBatch = opts.maxBatch ?? 32;
  const maxConcurrent = opts.maxConcurrent ?? 2;
  const busyRetryMs = opts.busyRetryMs ?? 25;
  const stallMs = opts.stallMs ?? 60_000;
  const ready = new Map<number, number>(); // conversation id -> commune id, in arrival order
  const busy = new Set<number>();
  const timers = new Set<NodeJS.Timeout>();
  let running = 0;
  /** Set by stop(): nothing new is taken, but what is ready is still processed. */
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  function enqueue(conversationId: number, communeId: number): void {
    if (stopped) return;
    ready.set(conversationId, communeId);
    pump();
  }

  function pump(): void {
    while (running < maxConcurrent && ready.size) {
      const batch: BatchItem[] = [];
      for (const [conversationId, communeId] of ready) {
        if (busy.has(conversationId)) continue;
        ready.delete(conversationId);
        batch.push({ conversationId, communeId });
        if (batch.length >= maxBatch) break;
      }
      if (!batch.length) return;
      for (const item of batch) busy.add(item.conversationId);
      running++;
      void timeBox(opts.processBatch(batch), stallMs, 'a processing batch', 'processing')
        .then((outcome) => {
          for (const item of outcome.more) ready.set(item.conversationId, item.communeId);
          for (const item of outcome.busy) {
            // Held by another process, which processes its messages; recovery catches the rest.
            if (stopped) continue;
            const t = setTimeout(() => {
              enqueue(item.conversationId, item.communeId);
              timers.delete(t);
            }, busyRetryMs);
            timers.add(t);
          }
        })
        .catch((error) =>
          opts.log.error(
            { conversations: batch.length, err: errInfo(error) },
            error instanceof StalledError
              ? 'processing stalled; its conversations are freed and recovery will retry'
              : 'processing failed; recovery will retry',
          ),
        )
        .finally(() => {
          for (const item of batch) busy.delete(item.conversationId);
          running--;
          pump();
          if (settled()) {
            const waiters = idleWaiters;
            idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }

  const settled = () => running === 0 && ready.size === 0 && timers.size === 0;

  /** Resolves when no batch is running, nothing is ready and no busy conversation waits for a retry. */
  function idle(): Promise<void> {
    if (settled()) return Promise.resolve();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  /**
   * Graceful shutdown: take nothing new, but process what is already ready
   * (acknowledged messages, whose residents are waiting) and wait for it, so
   * a planned restart does not leave them for the next start's recovery.
   * The caller bounds the wait (main.ts exits after 15 s).
   */
  async function stop(): Promise<void> {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    await idle();
  }

  return { enqueue, idle, stop };
}

export type Processor = ReturnType<typeof createProcessor>;
