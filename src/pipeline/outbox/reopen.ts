import { sql, type SQL } from 'drizzle-orm';
import { execRows, type Db } from '../../db/client.js';
import { isUnconfirmed } from './delivery-store.js';

/**
 * Queue again, as a fresh send, the copies among the outbox rows a subquery selects (`select <id> …`) that are
 * sent but unconfirmed (settled as in flight at a crash, {@link isUnconfirmed}): pending, due now, their start note,
 * error and attempts cleared, in their own rows (so whatever key points at a row still points at it, and
 * nothing is queued twice). Parts the platform confirmed earlier (`parts_sent`) are kept, so a multi-part copy
 * resumes after them. A row a delivery settled or confirmed meanwhile no longer matches and is left alone.
 * Call it inside the caller's transaction. Returns the rows reopened with their channel.
 */
export async function reopenUnconfirmed(db: Db, ids: SQL): Promise<{ id: number; channel: string }[]> {
  const rows = await execRows<{ id: number; channel: string }>(
    db,
    sql`update outbound_messages
        set status = 'pending', unconfirmed = false, send_started_at = null, last_error = null, attempts = 0,
            sent_at = null, locked_until = null, next_attempt_at = now()
        where id in (${ids}) and ${isUnconfirmed()}
        returning id, channel`,
  );
  return rows.map((r) => ({ id: Number(r.id), channel: r.channel }));
}
