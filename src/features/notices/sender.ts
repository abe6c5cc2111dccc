import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import { noticeMetrics } from '../../core/metrics.js';
import { createPeriodicJob } from '../../core/periodic.js';
import type { Db } from '../../db/client.js';
import { claimDueNotices, pendingOf, pumpNotice, type CapabilitiesOf } from './service.js';

export interface NoticeSenderOptions {
  db: Db;
  log: Logger;
  /** How often scheduled notices are looked for. */
  pollMs?: number;
  batch?: number;
  now?: () => Date;
  /** The platform's reply window, if it has one (Zalo OA: 7 days): residents outside it have the notice held. */
  replyWindowMs?: (channel: string) => number | undefined;
  /**
   * What each platform can do: which channels get a notice's file itself rather than a link. Without it
   * every channel gets a link (see LINK_ONLY); the runtime gives channels/capabilities.ts's.
   */
  capabilitiesOf?: CapabilitiesOf;
  /** How often a notice's last batch is checked for having gone out, before the next is queued. */
  drainPollMs?: number;
  /** The longest a notice waits for its last batch before queueing the next anyway (a channel that is down). */
  drainMaxWaitMs?: number;
}

/**
 * Queues notices into the outbox: at once when staff press "send", and on a
 * timer for scheduled notices that fell due and for any notice a restart left
 * half-queued. One pump per notice per process; across processes the notice
 * row's lock keeps batches apart and the delivery keys keep them unique.
 * A notice's next batch waits until most of its last one went out (see pumpAll).
 * Queued rows are not kicked: the delivery worker's poll (DELIVERY_POLL_MS)
 * takes them within its own concurrency limit and after replies, whereas a
 * kick per batch would start sends beside that limit.
 */
export function createNoticeSender(opts: NoticeSenderOptions) {
  const { db, log, pollMs = 15_000, batch, replyWindowMs, capabilitiesOf, drainPollMs = 200, drainMaxWaitMs = 30_000 } = opts;
  const now = opts.now ?? (() => new Date());
  const pumping = new Map<number, Promise<void>>();
  /** Set by stop(): a pump finishes its batch and leaves the rest to the next start. */
  let closing = false;

  /**
   * Queue a notice batch by batch, each batch only once most of the one before has gone out: every
   * sending notice keeps about one batch waiting in the outbox, whose worker takes broadcasts in the
   * order they were queued, so the sends to a bot are shared between notices instead of a second
   * notice (an urgent one) waiting behind every recipient of a large one queued before it.
   */
  async function pumpAll(id: number): Promise<void> {
    for (;;) {
      const { outboxIds, done } = await pumpNotice(db, id, { batch, now: now(), replyWindowMs, capabilitiesOf });
      if (done || closing) return;
      const waitUntil = Date.now() + drainMaxWaitMs;
      while (!closing && Date.now() < waitUntil && (await pendingOf(db, outboxIds)) > outboxIds.length / 2) {
        await new Promise((r) => setTimeout(r, drainPollMs));
      }
      if (closing) return;
    }
  }

  /** Queue a sending notice's recipients in the background (returns its completion, for tests). */
  function send(id: number): Promise<void> {
    const running = pumping.get(id);
    if (running) return running;
    noticeMetrics.queueing(1);
    const p = pumpAll(id)
      .catch((error) => log.error({ err: errInfo(error), noticeId: id }, 'queueing a notice failed; the timer retries'))
      .finally(() => {
        pumping.delete(id);
        noticeMetrics.queueing(-1);
      });
    pumping.set(id, p);
    return p;
  }

  /** Every due or interrupted notice, started and waited for until queued; a first look at start, then every `pollMs`. */
  const due = createPeriodicJob({
    name: 'looking for due notices',
    intervalMs: pollMs,
    firstRunMs: 0,
    log,
    run: async () => {
      const ids = await claimDueNotices(db, now());
      await Promise.all(ids.map((id) => send(id)));
    },
  });

  /** Start every due or interrupted notice and wait for them to be queued (never rejects: a failure is logged). */
  const runDue = (): Promise<void> => due.runNow();

  function start(): void {
    closing = false;
    due.start();
  }

  async function stop(): Promise<void> {
    closing = true;
    await Promise.all([due.stop(), Promise.allSettled([...pumping.values()])]);
  }

  return { send, runDue, start, stop };
}

export type NoticeSender = ReturnType<typeof createNoticeSender>;
