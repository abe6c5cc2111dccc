import { and, eq, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { communes, notices } from '../../db/schema/index.js';
import { previewAudience, type NoticeRow } from './audience.js';

// Approval before sending (issue 17 item 2): where the commune's admin turned it on, a notice that is sent or
// scheduled waits as awaiting_approval until a leader or an admin approves it (it is then sent, or scheduled if
// its time is still ahead) or rejects it with a reason. Nothing is queued and no recipient is resolved before.

/** Whether the commune's notices wait for a leader's or admin's approval before they go out. */
export async function noticesRequireApproval(db: Db, communeId: number): Promise<boolean> {
  const [row] = await db.select({ on: communes.noticesRequireApproval }).from(communes).where(eq(communes.id, communeId));
  return row?.on ?? false;
}

/** Turn the approval requirement on or off (admins); audited with the old and new value. */
export async function setNoticesRequireApproval(
  db: Db,
  q: { communeId: number; on: boolean; actor: string },
): Promise<{ before: boolean; after: boolean } | undefined> {
  const [before] = await db.select({ on: communes.noticesRequireApproval }).from(communes).where(eq(communes.id, q.communeId));
  if (!before) return undefined;
  await db.update(communes).set({ noticesRequireApproval: q.on }).where(eq(communes.id, q.communeId));
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: 'commune.notices_approval_changed',
    subject: String(q.communeId),
    details: { from: before.on, to: q.on },
  });
  return { before: before.on, after: q.on };
}

/** A decision the caller may not take (their own notice, not an admin): 403 through the HTTP error map. */
export class NoticeApprovalForbidden extends Error {
  readonly status = 403;
  constructor() {
    super('Anh/chị không thể tự duyệt thông báo do chính mình soạn. Vui lòng nhờ lãnh đạo hoặc quản trị duyệt.');
    this.name = 'NoticeApprovalForbidden';
  }
}

function awaitingOnly(): ValidationError {
  return new ValidationError('Thông báo này không ở trạng thái chờ duyệt.', { status: 'not awaiting approval' }, 409);
}

interface Decider {
  communeId: number;
  id: number;
  actor: string;
  /** Admins may approve their own notices; anyone else only others'. */
  isAdmin: boolean;
  now: Date;
}

async function awaiting(db: Db, q: Decider): Promise<NoticeRow | undefined> {
  if (!Number.isSafeInteger(q.id) || q.id <= 0 || q.id > 2_147_483_647) return undefined;
  const [notice] = await db
    .select()
    .from(notices)
    .where(and(eq(notices.id, q.id), eq(notices.communeId, q.communeId)))
    .for('update');
  if (!notice) return undefined;
  if (notice.status !== 'awaiting_approval') throw awaitingOnly();
  if (notice.createdBy === q.actor && !q.isAdmin) throw new NoticeApprovalForbidden();
  return notice;
}

/**
 * Approve a notice awaiting approval: scheduled if its time is still ahead, otherwise sending now (the caller
 * then pumps it). Audited as approved and, when it starts, as sent with its audience.
 */
export async function approveNotice(db: Db, q: Decider): Promise<NoticeRow | undefined> {
  const notice = await awaiting(db, q);
  if (!notice) return undefined;
  const later = notice.scheduledAt !== null && notice.scheduledAt.getTime() > q.now.getTime();
  const [row] = await db
    .update(notices)
    .set({
      status: later ? 'scheduled' : 'sending',
      sendingAt: later ? null : sql`now()`,
      decidedBy: q.actor,
      decidedAt: q.now,
    })
    .where(and(eq(notices.id, notice.id), eq(notices.status, 'awaiting_approval')))
    .returning();
  if (!row) throw awaitingOnly();
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: 'notice.approved',
    subject: String(row.id),
    details: { composedBy: notice.createdBy, scheduledAt: later ? notice.scheduledAt!.toISOString() : null },
  });
  if (row.status === 'sending') {
    const audience = await previewAudience(db, q.communeId, row);
    await writeAudit(db, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'notice.sent',
      subject: String(row.id),
      details: { hamletIds: row.hamletIds, topicIds: row.topicIds, recipients: audience.total, byChannel: audience.byChannel },
    });
  }
  return row;
}

/** Reject a notice awaiting approval, with the reason the composer reads; it is never sent. Audited. */
export async function rejectNotice(db: Db, q: Decider & { reason: unknown }): Promise<NoticeRow | undefined> {
  const reason = typeof q.reason === 'string' ? q.reason.replace(/\s+/g, ' ').trim() : '';
  if (!reason || reason.length > 500)
    throw new ValidationError(
      'Anh/chị vui lòng ghi lý do từ chối (tối đa 500 ký tự).',
      { reason: 'required, at most 500 characters' },
      422,
    );
  const notice = await awaiting(db, q);
  if (!notice) return undefined;
  const [row] = await db
    .update(notices)
    .set({ status: 'rejected', decidedBy: q.actor, decidedAt: q.now, rejectReason: reason })
    .where(and(eq(notices.id, notice.id), eq(notices.status, 'awaiting_approval')))
    .returning();
  if (!row) throw awaitingOnly();
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: 'notice.rejected',
    subject: String(row.id),
    details: { composedBy: notice.createdBy, reason },
  });
  return row;
}
