import { STAFF_BUTTON } from '../../core/buttons.js';
import { and, eq, isNull } from 'drizzle-orm';
import { formatDateVi, formatMoneyVi } from '../../core/format-vi.js';
import type { Recipient, Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { civilRecordCopies, civilRecordDownloads, civilRecordRequests, civilRecords, communes } from '../../db/schema/index.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { hashToken, newToken } from './codes.js';
import { renderCopyPdf } from './pdf.js';
import { printedFields, type RecordKind } from './records.js';

import {
  CivilRecordError,
  currentCopy,
  DOWNLOAD_LINK_MS,
  findRequest,
  lockPending,
  type CivilRecordsServiceDeps,
  type RequestRow,
} from './service.js';

// Staff decisions on a request (approve, record the payment, reject, revoke) and the deliveries they cause
// (the copy in the chat or a download link; a resend; handing a paper copy over at the counter).

function recipientOf(req: RequestRow): Recipient {
  return {
    communeId: req.communeId,
    channel: req.channel as Recipient['channel'],
    chatId: req.chatId,
    userId: req.userId,
  };
}

/**
 * Approve a pending request: staff name the registration it is about, the
 * copy is generated (PDF with a QR code to its verify page) and, once the fee
 * is paid, delivered through the outbox, all in one transaction: the copy, the
 * decision, the audit entries and the resident's message commit together or
 * not at all. Returns the outbox ids to kick after commit.
 */
export async function approveRequest(
  db: Db,
  q: { communeId: number; id: number; recordId: number; paid: boolean; actor: string; now?: Date },
  deps: CivilRecordsServiceDeps,
): Promise<{ outboxIds: number[]; request: RequestRow }> {
  const now = q.now ?? new Date();
  // Checked and rendered before the transaction (rendering takes a while), checked again under the row lock.
  const found = await findRequest(db, q.communeId, q.id);
  if (!found) throw new CivilRecordError('not_found', 'unknown request');
  if (found.status !== 'pending') throw new CivilRecordError('not_pending', `request is ${found.status}`);
  if (!Number.isSafeInteger(q.recordId) || q.recordId <= 0)
    throw new CivilRecordError('record_required', 'choose the registration');
  const [record] = await db
    .select()
    .from(civilRecords)
    .where(and(eq(civilRecords.communeId, q.communeId), eq(civilRecords.id, q.recordId)));
  if (!record || record.kind !== found.kind) throw new CivilRecordError('record_mismatch', 'no such registration of this kind');
  // The person themself must be on the record under the CCCD they gave (when the register has the number).
  if (found.relationship === 'self') {
    const numbered = record.persons.filter((p) => p.idNumber && p.role !== 'father' && p.role !== 'mother');
    if (numbered.length && !numbered.some((p) => p.idNumber === found.requesterIdNumber))
      throw new CivilRecordError('id_mismatch', "the requester's CCCD is not on this registration");
  }
  const [commune] = await db.select().from(communes).where(eq(communes.id, q.communeId));
  const uploaded = await currentCopy(db, found.id);
  const printed = printedFields({ ...record, kind: record.kind as RecordKind });
  const issuedOn = formatDateVi(now);
  const communeLabel = `UBND ${commune.name.replace(/^(xã|phường|đặc khu)/i, (m) => m.toLowerCase())}`;
  const verifyToken = newToken();
  // The officially signed PDF staff uploaded is delivered as it is; otherwise the copy is generated here.
  const pdf =
    uploaded?.source === 'uploaded'
      ? undefined
      : await renderCopyPdf({
          ...printed,
          commune: communeLabel,
          province: commune.province,
          issuedOn,
          requestCode: found.code,
          verifyUrl: `${deps.publicUrl}/verify/${verifyToken}`,
        });
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const req = await lockPending(tx, q.communeId, q.id);
    const [copy] = pdf
      ? await tx
          .insert(civilRecordCopies)
          .values({
            communeId: q.communeId,
            requestId: req.id,
            pdfBase64: Buffer.from(pdf).toString('base64'),
            printed: { title: printed.title, lines: printed.lines, commune: communeLabel, issuedOn },
            verifyTokenHash: hashToken(verifyToken),
          })
          .returning({ id: civilRecordCopies.id })
      : await tx
          .update(civilRecordCopies)
          .set({ printed: { title: printed.title, lines: printed.lines, commune: communeLabel, issuedOn } })
          .where(eq(civilRecordCopies.id, uploaded!.id))
          .returning({ id: civilRecordCopies.id });
    const paidAt = q.paid || req.feeAmount === 0 ? now : null;
    const [updated] = await tx
      .update(civilRecordRequests)
      .set({ status: 'approved', recordId: record.id, decidedBy: q.actor, decidedAt: now, paidAt: req.paidAt ?? paidAt })
      .where(eq(civilRecordRequests.id, req.id))
      .returning();
    await writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'civil-request.approved',
      subject: req.code,
      details: { recordId: record.id, paid: Boolean(updated.paidAt) },
    });
    if (pdf)
      await writeAudit(tx, {
        communeId: q.communeId,
        actor: q.actor,
        action: 'civil-copy.generated',
        subject: req.code,
        details: { copyId: copy.id },
      });
    const outboxIds = await notifyApproved(tx, updated, copy.id, deps, now);
    const [final] = await tx.select().from(civilRecordRequests).where(eq(civilRecordRequests.id, req.id));
    return { outboxIds, request: final };
  });
}

/** Staff record the fee as paid (at the counter or online); an approved copy waiting for it is delivered. */
export async function recordPayment(
  db: Db,
  q: { communeId: number; id: number; actor: string; now?: Date },
  deps: CivilRecordsServiceDeps,
): Promise<{ outboxIds: number[] }> {
  const now = q.now ?? new Date();
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [req] = await tx
      .select()
      .from(civilRecordRequests)
      .where(and(eq(civilRecordRequests.communeId, q.communeId), eq(civilRecordRequests.id, q.id)))
      .for('update');
    if (!req) throw new CivilRecordError('not_found', 'unknown request');
    if (req.paidAt) return { outboxIds: [] };
    if (req.status === 'rejected' || req.status === 'cancelled') throw new CivilRecordError('not_approved', 'request is closed');
    const [updated] = await tx
      .update(civilRecordRequests)
      .set({ paidAt: now })
      .where(eq(civilRecordRequests.id, req.id))
      .returning();
    await writeAudit(tx, { communeId: q.communeId, actor: q.actor, action: 'civil-request.paid', subject: req.code });
    if (updated.status !== 'approved') return { outboxIds: [] };
    const copy = await currentCopy(tx, req.id);
    if (!copy) return { outboxIds: [] };
    return { outboxIds: await notifyApproved(tx, updated, copy.id, deps, now) };
  });
}

/**
 * The resident's message after approval: the copy itself in the chat where
 * the platform carries files and pushes them; a one-time link where the
 * client pulls its messages (web chat) or the platform has no files; the
 * counter or the post otherwise. Before payment, how to pay.
 */
async function notifyApproved(
  tx: Db,
  req: RequestRow,
  copyId: number,
  deps: CivilRecordsServiceDeps,
  now: Date,
): Promise<number[]> {
  const to = recipientOf(req);
  const label = `yêu cầu ${req.code}`;
  if (!req.paidAt) {
    return enqueueMessages(tx, to, [
      {
        text:
          `Cán bộ đã duyệt ${label}. Anh/chị vui lòng nộp lệ phí ${formatMoneyVi(req.feeAmount)} tại bộ phận một cửa ` +
          `hoặc theo hướng dẫn của cán bộ; sau khi cán bộ ghi nhận đã nộp, bản sao sẽ được gửi cho anh/chị.`,
      },
    ]);
  }
  if (req.deliveryMode === 'counter') {
    return enqueueMessages(tx, to, [
      {
        text:
          `Bản sao theo ${label} đã sẵn sàng. Mời anh/chị đến bộ phận một cửa nhận bản sao, ` +
          `nhớ mang theo căn cước để đối chiếu.`,
      },
    ]);
  }
  if (req.deliveryMode === 'post') {
    return enqueueMessages(tx, to, [
      { text: `Bản sao theo ${label} đã được duyệt và sẽ được gửi qua bưu chính tới địa chỉ anh/chị đã cung cấp.` },
    ]);
  }
  const [copy] = await tx.select().from(civilRecordCopies).where(eq(civilRecordCopies.id, copyId));
  const caps = deps.capabilitiesOf(req.channel);
  const fileName = `ban-sao-${req.code}.pdf`;
  let reply: Reply;
  let via: string;
  if (caps.files && caps.delivery === 'push') {
    reply = {
      text: `Bản sao theo ${label} đã được duyệt. Tệp PDF bản sao được gửi kèm tin nhắn này.`,
      file: { name: fileName, mimeType: 'application/pdf', contentBase64: copy.pdfBase64 },
    };
    via = 'file';
  } else {
    const token = newToken();
    const expiresAt = new Date(now.getTime() + DOWNLOAD_LINK_MS);
    await tx.insert(civilRecordDownloads).values({ communeId: req.communeId, copyId, tokenHash: hashToken(token), expiresAt });
    reply = {
      text:
        `Bản sao theo ${label} đã được duyệt. Anh/chị tải tệp PDF bằng liên kết dưới đây; ` +
        `liên kết chỉ dùng được một lần và hết hạn sau 48 giờ (trước ${formatDateVi(expiresAt)}).`,
      // The web chat page opens it relative to itself (right behind any proxy path, with or without PUBLIC_URL).
      buttons: [
        {
          label: 'Tải bản sao (PDF)',
          url: `${caps.delivery === 'pull' ? '' : `${deps.publicUrl}/`}civil-records/download/${token}`,
        },
      ],
    };
    via = 'link';
  }
  const ids = await enqueueMessages(tx, to, [reply]);
  await tx.update(civilRecordRequests).set({ status: 'delivered', deliveredAt: now }).where(eq(civilRecordRequests.id, req.id));
  await writeAudit(tx, {
    communeId: req.communeId,
    actor: 'system',
    action: 'civil-copy.delivered',
    subject: req.code,
    details: { copyId, via, channel: req.channel },
  });
  return ids;
}

/**
 * Send a delivered copy again (a used or expired link, a lost file): a new
 * one-time link or the file, through the outbox like the first time.
 */
export async function resendCopy(
  db: Db,
  q: { communeId: number; id: number; actor: string; now?: Date },
  deps: CivilRecordsServiceDeps,
): Promise<{ outboxIds: number[] }> {
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [req] = await tx
      .select()
      .from(civilRecordRequests)
      .where(and(eq(civilRecordRequests.communeId, q.communeId), eq(civilRecordRequests.id, q.id)))
      .for('update');
    if (!req) throw new CivilRecordError('not_found', 'unknown request');
    if (req.status !== 'delivered' || req.deliveryMode !== 'chat')
      throw new CivilRecordError('not_approved', 'nothing to resend');
    const copy = await currentCopy(tx, req.id);
    if (!copy) throw new CivilRecordError('no_copy', 'the copy was revoked');
    await writeAudit(tx, { communeId: q.communeId, actor: q.actor, action: 'civil-copy.resent', subject: req.code });
    return { outboxIds: await notifyApproved(tx, req, copy.id, deps, q.now ?? new Date()) };
  });
}

/** The copy was handed over at the counter or posted: the request is done. */
export async function markHandedOver(db: Db, q: { communeId: number; id: number; actor: string; now?: Date }): Promise<void> {
  await db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [row] = await tx
      .select()
      .from(civilRecordRequests)
      .where(and(eq(civilRecordRequests.communeId, q.communeId), eq(civilRecordRequests.id, q.id)))
      .for('update');
    if (!row) throw new CivilRecordError('not_found', 'unknown request');
    if (row.status !== 'approved') throw new CivilRecordError('not_approved', `request is ${row.status}`);
    await tx
      .update(civilRecordRequests)
      .set({ status: 'delivered', deliveredAt: q.now ?? new Date() })
      .where(eq(civilRecordRequests.id, row.id));
    await writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'civil-copy.handed-over',
      subject: row.code,
      details: { via: row.deliveryMode },
    });
  });
}

/** Reject a pending request; the resident receives the reason in the chat. */
export async function rejectRequest(
  db: Db,
  q: { communeId: number; id: number; reason: string; actor: string; now?: Date },
): Promise<{ outboxIds: number[] }> {
  const now = q.now ?? new Date();
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const req = await lockPending(tx, q.communeId, q.id);
    await tx
      .update(civilRecordRequests)
      .set({ status: 'rejected', reason: q.reason, decidedBy: q.actor, decidedAt: now })
      .where(eq(civilRecordRequests.id, req.id));
    await writeAudit(tx, { communeId: q.communeId, actor: q.actor, action: 'civil-request.rejected', subject: req.code });
    const outboxIds = await enqueueMessages(tx, recipientOf(req), [
      {
        text:
          `Rất tiếc, yêu cầu ${req.code} chưa được chấp nhận.\nLý do: ${q.reason}\n` +
          `Anh/chị có thể gửi yêu cầu mới hoặc bấm "Gặp cán bộ" để được hướng dẫn.`,
        buttons: [STAFF_BUTTON],
      },
    ]);
    return { outboxIds };
  });
}

/** Revoke every copy of a request: its QR code then verifies nothing, and its download links stop working. */
export async function revokeCopies(db: Db, q: { communeId: number; id: number; actor: string; now?: Date }): Promise<number> {
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const req = await findRequest(tx, q.communeId, q.id);
    if (!req) throw new CivilRecordError('not_found', 'unknown request');
    const rows = await tx
      .update(civilRecordCopies)
      .set({ revokedAt: q.now ?? new Date() })
      .where(and(eq(civilRecordCopies.requestId, req.id), isNull(civilRecordCopies.revokedAt)))
      .returning({ id: civilRecordCopies.id });
    await writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'civil-copy.revoked',
      subject: req.code,
      details: { copies: rows.length },
    });
    return rows.length;
  });
}
