/**
 * Micro-batching ("group commit") for database work on the hot path.
 *
 * Items added while `maxConcurrent` batches are already running wait and go
 * together in the next batch, so at low load every item runs at once (a batch
 * of one, no added latency) and under load the number of round trips grows
 * with the number of batches, not the number of items. On this kind of
 * machine a round trip to PostgreSQL costs far more CPU than the work in it
 * (every write wakes another process), so this is what keeps the pipeline
 * fast.
 *
 * When a batch of several items fails, each item is retried on its own, so
 * one poisoned item (a payload the database refuses) fails only its own
 * caller.
 */
import { StalledError, timeBox } from '../core/time-box.js';

export interface BatcherOptions<I, O> {
  /** Runs one batch; returns one result per item, in order. */
  run(items: I[]): Promise<O[]>;
  maxBatch?: number;
  maxConcurrent?: number;
  /**
   * Under load, hold a batch this long after its first item for others to
   * join (0: never hold). Only applies while another batch is running or ran
   * within the last `lingerMs`, so a lone item at low load goes at once.
   */
  lingerMs?: number;
  /**
   * A batch that has not settled after this long is given up: its callers get a StalledError and its slot is
   * freed (the work runs on, ignored). Only for idempotent work; see core/time-box.ts. Undefined: no bound.
   */
  stallMs?: number;
  /** The work's name in `troly_stalled_total` when a batch is given up. */
  name?: string;
}

export interface Batcher<I, O> {
  (item: I): Promise<O>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
}

interface Waiting<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export function createBatcher<I, O>(opts: BatcherOptions<I, O>): Batcher<I, O> {
  const maxBatch = opts.maxBatch ?? 64;
  const maxConcurrent = opts.maxConcurrent ?? 1;
  const lingerMs = opts.lingerMs ?? 0;
  const queue: Waiting<I, O>[] = [];
  let lastFlushAt = -Infinity;
  let firstQueuedAt = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const run = (items: I[]) =>
    opts.stallMs === undefined
      ? opts.run(items)
      : timeBox(opts.run(items), opts.stallMs, `a batch of ${items.length}`, opts.name);

  async function runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await run(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`batch returned ${results.length} results for ${batch.length} items`);
      batch.forEach((w, i) => w.resolve(results[i]));
    } catch (error) {
      // A stalled batch is not a poisoned item: retrying each would only wait again.
      if (batch.length === 1 || error instanceof StalledError) {
        for (const w of batch) w.reject(error);
        return;
      }
      // Isolate the failure: each item on its own.
      await Promise.all(
        batch.map(async (w) => {
          try {
            const results = await run([w.item]);
            if (results.length !== 1) throw new Error(`batch returned ${results.length} results for 1 item`);
            w.resolve(results[0]);
          } catch (e) {
            w.reject(e);
          }
        }),
      );
    }
  }

  function pump(): void {
    while (running < maxConcurrent && queue.length) {
      if (lingerMs > 0 && queue.length < maxBatch) {
        const now = performance.now();
        const busy = running > 0 || now - lastFlushAt < lingerMs;
        const wait = firstQueuedAt + lingerMs - now;
        if (busy && wait > 0) {
          lingerTimer ??= setTimeout(() => {
            lingerTimer = undefined;
            pump();
          }, wait);
          return;
        }
      }
      if (lingerTimer) {
        clearTimeout(lingerTimer);
        lingerTimer = undefined;
      }
      lastFlushAt = performance.now();
      const batch = queue.splice(0, maxBatch);
      if (queue.length) firstQueuedAt = lastFlushAt;
      running++;
      void runBatch(batch).finally(() => {
        running--;
        pump();
        if (running === 0 && queue.length === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    }
  }

  const add = ((item: I) =>
    new Promise<O>((resolve, reject) => {
      if (queue.length === 0) firstQueuedAt = performance.now();
      queue.push({ item, resolve, reject });
      pump();
    })) as Batcher<I, O>;
  add.idle = () => (running === 0 && queue.length === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r)));
  return add;
}
