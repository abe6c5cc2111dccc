import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { ChannelCapabilities } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { civilRecordCopies, civilRecordRequestAttachments, civilRecordRequests, civilRecords } from '../../db/schema/index.js';
import type { RecordInput } from './records.js';

export type RequestRow = typeof civilRecordRequests.$inferSelect;
export type RecordRow = typeof civilRecords.$inferSelect;
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'delivered' | 'cancelled';

/** Fee of one copy of an extract (TT 281/2016/TT-BTC art. 4). */
export const FEE_PER_COPY = 8_000;
/** A download link works once, within this time. */
export const DOWNLOAD_LINK_MS = 48 * 3_600_000;

/** What delivery needs from the application. */
export interface CivilRecordsServiceDeps {
  /** The public base URL of this installation (verify and download links), without a trailing slash. */
  publicUrl: string;
  /** What a stored request's channel can do (files in the chat, push or pull). */
  capabilitiesOf: (channel: string) => ChannelCapabilities;
}

export class CivilRecordError extends Error {
  constructor(
    readonly code:
      | 'not_found'
      | 'not_pending'
      | 'record_required'
      | 'record_mismatch'
      | 'id_mismatch'
      | 'not_approved'
      | 'no_copy'
      | 'not_pdf',
    message: string,
  ) {
    super(message);
  }
}

/** Insert a whole file of registrations in one transaction: every row or none (the unique entry refuses duplicates). */
export async function insertRecords(db: Db, communeId: number, records: RecordInput[]): Promise<number> {
  if (!records.length) return 0;
  return db.transaction(async (tx) => {
    let n = 0;
    for (let i = 0; i < records.length; i += 500) {
      const rows = await tx
        .insert(civilRecords)
        .values(records.slice(i, i + 500).map((r) => ({ ...r, communeId })))
        .returning({ id: civilRecords.id });
      n += rows.length;
    }
    return n;
  });
}

export async function listRequests(db: Db, communeId: number, status?: RequestStatus): Promise<RequestRow[]> {
  return db
    .select()
    .from(civilRecordRequests)
    .where(and(eq(civilRecordRequests.communeId, communeId), status ? eq(civilRecordRequests.status, status) : undefined))
    .orderBy(status === 'pending' ? asc(civilRecordRequests.createdAt) : desc(civilRecordRequests.createdAt))
    .limit(200);
}

export async function findRequest(db: Db, communeId: number, id: number): Promise<RequestRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const [row] = await db
    .select()
    .from(civilRecordRequests)
    .where(and(eq(civilRecordRequests.communeId, communeId), eq(civilRecordRequests.id, id)));
  return row;
}

/** A request by its code, only for the chat that made it: any other chat gets nothing, as for an unknown code. */
export async function findRequestInChat(
  db: Db,
  q: { communeId: number; code: string; channel: string; chatId: string },
): Promise<RequestRow | undefined> {
  const [row] = await db
    .select()
    .from(civilRecordRequests)
    .where(
      and(
        eq(civilRecordRequests.communeId, q.communeId),
        eq(civilRecordRequests.code, q.code),
        eq(civilRecordRequests.channel, q.channel),
        eq(civilRecordRequests.chatId, q.chatId),
      ),
    );
  return row;
}

export async function listCopies(db: Db, requestId: number) {
  return db
    .select({
      id: civilRecordCopies.id,
      source: civilRecordCopies.source,
      revokedAt: civilRecordCopies.revokedAt,
      createdAt: civilRecordCopies.createdAt,
    })
    .from(civilRecordCopies)
    .where(eq(civilRecordCopies.requestId, requestId))
    .orderBy(desc(civilRecordCopies.id));
}

/** The evidence the resident attached in the chat (what it is and where from; not its content), oldest first. */
export async function listAttachments(db: Db, requestId: number) {
  return db
    .select({
      id: civilRecordRequestAttachments.id,
      kind: civilRecordRequestAttachments.kind,
      mimeType: civilRecordRequestAttachments.mimeType,
      channel: civilRecordRequestAttachments.channel,
      name: civilRecordRequestAttachments.name,
      size: civilRecordRequestAttachments.size,
      createdAt: civilRecordRequestAttachments.createdAt,
    })
    .from(civilRecordRequestAttachments)
    .where(eq(civilRecordRequestAttachments.requestId, requestId))
    .orderBy(asc(civilRecordRequestAttachments.id));
}

/** The request's current copy (the newest not revoked), with its PDF. */
export async function currentCopy(db: Db, requestId: number) {
  const [copy] = await db
    .select()
    .from(civilRecordCopies)
    .where(and(eq(civilRecordCopies.requestId, requestId), isNull(civilRecordCopies.revokedAt)))
    .orderBy(desc(civilRecordCopies.id))
    .limit(1);
  return copy;
}

export async function lockPending(tx: Db, communeId: number, id: number): Promise<RequestRow> {
  const [row] = await tx
    .select()
    .from(civilRecordRequests)
    .where(and(eq(civilRecordRequests.communeId, communeId), eq(civilRecordRequests.id, id)))
    .for('update');
  if (!row) throw new CivilRecordError('not_found', 'unknown request');
  if (row.status !== 'pending') throw new CivilRecordError('not_pending', `request is ${row.status}`);
  return row;
}

// Deciding and delivering a request (decisions.ts); matching it to the register (matching.ts); verification,
// downloads, signed copies, erasure (access.ts).
export * from './decisions.js';
export * from './matching.js';
export * from './access.js';
