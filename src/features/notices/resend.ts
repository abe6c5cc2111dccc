import { and, eq, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { CHANNEL_NAMES } from '../../core/types.js';
import { noticeMetrics } from '../../core/metrics.js';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { notices } from '../../db/schema/index.js';
import { isUnconfirmed, reopenUnconfirmed } from '../../pipeline/outbox/index.js';
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
  /**
   * The platform's reply window by channel (Zalo OA: 7 days after the resident last wrote), as the sender has it;
   * asked for each of CHANNEL_NAMES.
   */
  replyWindowMs?: (channel: string) => number | undefined;
}

/**
 * A copy settled as unconfirmed this recently may still be in a live send whose claim lapsed (a send is bounded
 * far below this): it is not reopened until then.
 */
export const SETTLED_FOR_MS = 5 * 60_000;

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
    // Not every unconfirmed copy may be sent again: not to a resident who unsubscribed since or was erased (the
    // row's text emptied), not outside the platform's reply window (Zalo OA refuses it; the first send held such
    // copies), and not one settled in the last minutes, whose send may still be running under a lapsed claim.
    // The windows are those of every channel that has one, joined on the copy's channel.
    const windows = CHANNEL_NAMES.flatMap((channel) => {
      const ms = q.replyWindowMs?.(channel);
      return typeof ms === 'number' && ms > 0 ? [{ channel, secs: ms / 1000 }] : [];
    });
    const rows = await reopenUnconfirmed(
      tx as unknown as Db,
      sql`select d.outbound_id from notice_deliveries d
          join notice_subscriptions s on s.id = d.subscription_id and s.unsubscribed_at is null
          join outbound_messages o on o.id = d.outbound_id
          left join conversations c on c.commune_id = d.commune_id and c.channel = d.channel and c.chat_id = d.chat_id
          left join jsonb_to_recordset(${JSON.stringify(windows)}::jsonb) as w(channel text, secs float8)
            on w.channel = d.channel
          where d.notice_id = ${notice.id} and d.commune_id = ${q.communeId} and d.outbound_id is not null
            and o.payload <> '{"text": ""}'::jsonb
            and o.send_started_at < now() - make_interval(secs => ${SETTLED_FOR_MS / 1000})
            and (w.secs is null or c.last_inbound_at > now() - make_interval(secs => w.secs))`,
    );
    if (!rows.length) {
      const [recent] = await execRows<{ n: number }>(
        tx as unknown as Db,
        sql`select count(*)::int as n from notice_deliveries d join outbound_messages o on o.id = d.outbound_id
            where d.notice_id = ${notice.id} and d.commune_id = ${q.communeId}
              and ${isUnconfirmed('o')}
              and o.send_started_at >= now() - make_interval(secs => ${SETTLED_FOR_MS / 1000})`,
      );
      if (Number(recent?.n ?? 0) > 0)
        throw new ValidationError(
          'Các tin chưa xác nhận vừa bị gián đoạn, có thể vẫn đang được gửi. Anh/chị vui lòng thử lại sau ít phút.',
          { unconfirmed: 'recent' },
          409,
        );
      throw new ValidationError(
        'Thông báo này không còn tin nào chưa được xác nhận mà có thể gửi lại.',
        { unconfirmed: 'none' },
        409,
      );
    }
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
