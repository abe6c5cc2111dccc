import { and, eq, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { noticeMetrics } from '../../core/metrics.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { notices } from '../../db/schema/index.js';
import { reopenUnconfirmed } from '../../pipeline/outbox/index.js';
import { noticesRequireApproval } from './approval.js';
import type { NoticeRow } from './audience.js';

// Resending a notice to the residents whose copy is unconfirmed: a copy in flight at a crash is counted as sent
// and never sent again on its own (nobody gets a notice twice), but some of those never reached the platform.
// Staff may decide that a second copy for some is better than none for others; the action is theirs, audited.

/** The caller's role may not resend this commune's notices (403 through the HTTP error map). */
export class NoticeResendForbidden extends Error {
  readonly status = 403;
  constructor(approvalRequired: boolean) {
    super(
      approvalRequired
        ? 'Xã yêu cầu duyệt thông báo: chỉ lãnh đạo hoặc quản trị được gửi lại thông báo.'
        : 'Vai trò của anh/chị không được gửi thông báo.',
    );
    this.name = 'NoticeResendForbidden';
  }
}

export interface ResendRequest {
  communeId: number;
  id: number;
  actor: string;
  /**
   * Whether the caller may send: with the commune's approval setting on, whether they may approve
   * (`notices-approve`), otherwise whether they may send (`notices`).
   */
  maySend: (approvalRequired: boolean) => boolean;
}

/**
 * Queue the notice again for the residents whose copy is unconfirmed, in one transaction: their own outbox rows
 * are reopened (no new row, so a second request or one racing a delivery never gives anyone two rows), and the
 * action is audited with the count. Undefined for a notice not of this commune; 403 for a role that may not
 * send; 409 for a notice not sent or with nothing unconfirmed. The delivery worker's poll sends them.
 */
export async function resendUnconfirmed(db: Db, q: ResendRequest): Promise<{ notice: NoticeRow; reopened: number } | undefined> {
  if (!Number.isSafeInteger(q.id) || q.id <= 0 || q.id > 2_147_483_647) return undefined;
  const done = await db.transaction(async (tx) => {
    const [notice] = await tx
      .select()
      .from(notices)
      .where(and(eq(notices.id, q.id), eq(notices.communeId, q.communeId)))
      .for('update');
    if (!notice) return undefined;
    const approval = await noticesRequireApproval(tx as unknown as Db, q.communeId);
    if (!q.maySend(approval)) throw new NoticeResendForbidden(approval);
    if (notice.status !== 'sent')
      throw new ValidationError('Chỉ gửi lại được thông báo đã gửi xong.', { status: 'not sent' }, 409);
    const rows = await reopenUnconfirmed(
      tx as unknown as Db,
      sql`select d.outbound_id from notice_deliveries d
          where d.notice_id = ${notice.id} and d.commune_id = ${q.communeId} and d.outbound_id is not null`,
    );
    if (!rows.length)
      throw new ValidationError('Thông báo này không có tin nào đang chờ xác nhận để gửi lại.', { unconfirmed: 'none' }, 409);
    const byChannel: Record<string, number> = {};
    for (const r of rows) byChannel[r.channel] = (byChannel[r.channel] ?? 0) + 1;
    await writeAudit(tx as unknown as Db, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'notice.resend_unconfirmed',
      subject: String(notice.id),
      details: { reopened: rows.length, byChannel },
    });
    return { notice, reopened: rows.length, byChannel };
  });
  if (!done) return undefined;
  // Counted queued again once committed, so progress, (sent + given up) / (queued + held), stays at most 1.
  for (const [channel, n] of Object.entries(done.byChannel)) noticeMetrics.recipients(channel, q.communeId, 'queued', n);
  return { notice: done.notice, reopened: done.reopened };
}
