import { sql } from 'drizzle-orm';
import { execRows, type Db } from '../db/client.js';
import type { BatchItem } from './batch-processing.js';
import type { ProcessedMessage } from './processing.js';

/** Finding the messages a crash or a failed batch left recorded but unprocessed. */
export function createRecovery(deps: {
  db: Db;
  processConversation: (conversationId: number, communeId?: number) => Promise<ProcessedMessage[]>;
}) {
  const { db, processConversation } = deps;

  /**
   * Conversations with messages recorded but not processed (after a crash, or
   * a batch that failed on the database). `olderThanMs` leaves alone messages
   * that are simply still on their way through a running process. With
   * `schedule`, the conversations are handed to the batch processor instead
   * of being processed here one by one.
   */
  async function recoverPending(
    opts: { limit?: number; olderThanMs?: number; schedule?: (item: BatchItem) => void } = {},
  ): Promise<number> {
    const limit = opts.limit ?? 100;
    const age = opts.olderThanMs ?? 0;
    const rows = await execRows<{ conversation_id: number; commune_id: number }>(
      db,
      sql`select distinct conversation_id, commune_id from inbound_messages
          where status = 'received' and received_at <= now() - ${age} * interval '1 millisecond'
          limit ${limit}`,
    );
    for (const r of rows) {
      const item = { conversationId: Number(r.conversation_id), communeId: Number(r.commune_id) };
      if (opts.schedule) opts.schedule(item);
      else await processConversation(item.conversationId, item.communeId);
    }
    return rows.length;
  }

  return { recoverPending };
}
