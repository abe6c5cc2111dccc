import { messageMetrics } from '../core/metrics.js';
import type { InboundMessage, Reply } from '../core/types.js';
import type { Db } from '../db/client.js';
import { listRepliesTo } from './outbox/index.js';
import type { IngestResult } from './recording.js';
import type { ProcessedMessage } from './processing.js';

/**
 * The web chat and the CLI wait for their answer in the request: record the
 * message, process its conversation now, and return this message's replies
 * (or, for a redelivered one, what was answered the first time).
 */
export function createSyncHandling(deps: {
  db: Db;
  ingest: (msg: InboundMessage) => Promise<IngestResult>;
  processConversation: (conversationId: number, communeId?: number) => Promise<ProcessedMessage[]>;
}) {
  const { db, ingest, processConversation } = deps;

  /** Ingest and process synchronously; returns this message's replies (web chat and CLI). */
  async function handle(
    msg: InboundMessage,
  ): Promise<{ duplicate: boolean; replies: Reply[]; inboundId: number; outboundIds: number[] }> {
    const received = performance.now();
    const ing = await ingest(msg);
    const processed = await processConversation(ing.conversationId, ing.communeId);
    const mine = processed.find((p) => p.inboundId === ing.inboundId);
    if (mine) {
      countHandedOver(msg, mine.replies.length, received);
      return { duplicate: false, replies: mine.replies, inboundId: ing.inboundId, outboundIds: mine.outboundIds };
    }
    // Redelivered, or processed by another worker meanwhile: return what was answered, processing nothing again.
    const queued = await listRepliesTo(db, ing.inboundId);
    // Processed by a concurrent request (which counts only its own message's replies): handed over here for
    // the first time. A redelivery's replies were counted when first handed over.
    if (!ing.duplicate) countHandedOver(msg, queued.length, received);
    return {
      duplicate: ing.duplicate,
      replies: queued.map((q) => q.reply),
      inboundId: ing.inboundId,
      outboundIds: queued.map((q) => q.id),
    };
  }

  return { handle };
}

/** Pull channels get their replies in the response: handed over is sent; one latency observation per reply. */
function countHandedOver(msg: InboundMessage, replies: number, received: number): void {
  messageMetrics.sent(msg.channel, msg.communeId, replies);
  const seconds = (performance.now() - received) / 1000;
  for (let i = 0; i < replies; i++) messageMetrics.replied(msg.channel, seconds);
}
