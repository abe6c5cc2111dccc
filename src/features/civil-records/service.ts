import { STAFF_BUTTON } from '../../core/buttons.js';
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import { formatDateVi, formatMoneyVi } from '../../core/format-vi.js';
import type { ChannelCapabilities, Recipient, Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { civilRecordCopies, civilRecordDownloads, civilRecordRequests, civilRecords, communes } from '../../db/schema/index.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { hashToken, newToken } from './codes.js';
import { renderCopyPdf } from './pdf.js';
import { printedFields, type RecordInput, type RecordKind } from './records.js';

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

// Matching a request to the register (matching.ts); verification, downloads, signed copies, erasure (access.ts).
export * from './matching.js';
export * from './access.js';
