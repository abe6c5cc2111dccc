import type { Logger } from '../core/logger.js';
import type { Router } from '../core/router.js';
import type { Reply } from '../core/types.js';
import type { Db } from '../db/client.js';
import { createBatchProcessing, type LeasedOutbound } from './batch-processing.js';
import type { CommuneDirectory } from '../core/commune.js';
import { createContextBuilder, type AppContext } from './context.js';
import { createSingleProcessing } from './processing.js';
import { createRecorder } from './recording.js';
import { createRecovery } from './recovery.js';
import { createSyncHandling } from './web-handling.js';

export type { AppContext } from './context.js';
export type { IngestResult } from './recording.js';
export type { ProcessedMessage } from './processing.js';
export type { BatchItem, BatchOutcome, LeasedOutbound } from './batch-processing.js';

export interface DispatcherDeps {
  db: Db;
  router: Router<AppContext>;
  communes: CommuneDirectory;
  log: Logger;
  /** Called after replies are committed to the outbox (the delivery worker's fast path). */
  onOutbox?: (outboundIds: number[]) => void;
  /**
   * Called after a batch commits with the outbox rows it leased to this process
   * (their chat had nothing else pending): deliver them without a claim.
   */
  onLeased?: (rows: LeasedOutbound[]) => void;
  /** Lease of rows handed to onLeased (crash safety: another worker retries after it). */
  leaseMs?: number;
  /** Messages recorded per statement at most (webhooks arriving together share one). */
  ingestBatch?: number;
  /** Recording statements in flight at once. */
  ingestConcurrency?: number;
  /** Under load, how long a recording statement waits for more webhooks to join it (adds to the ack time). */
  ingestLingerMs?: number;
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
 * writes replies to the outbox in the same transaction. Each job has its own
 * file: recording, context, processing (one message), batch processing,
 * web handling (answer in the request) and recovery.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { db, router, communes, log } = deps;
  const leaseMs = deps.leaseMs ?? 60_000;
  const now = deps.now ?? (() => new Date());
  const context = createContextBuilder({ log, now, numberedActions: deps.numberedActions });
  const { ingest } = createRecorder(deps);
  const single = createSingleProcessing({ db, router, communes, log, context, onOutbox: deps.onOutbox });
  const { processBatch } = createBatchProcessing({
    db,
    router,
    communes,
    log,
    context,
    single,
    onOutbox: deps.onOutbox,
    onLeased: deps.onLeased,
    leaseMs,
  });
  const { processConversation } = single;
  const { handle } = createSyncHandling({ db, ingest, processConversation });
  const { recoverPending } = createRecovery({ db, processConversation });
  return { ingest, processConversation, processBatch, handle, recoverPending };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;
