import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import {
  civilRecordCopies,
  civilRecordDownloads,
  civilRecordRequestAttachments,
  civilRecordRequests,
} from '../../db/schema/index.js';
import { hashToken, newToken } from './codes.js';
import { CivilRecordError, lockPending } from './service.js';

/** Verifying a printed copy, one-time downloads, the signed copy staff upload, and erasing request data. */
/** What `/verify/<token>` shows: only what the copy prints, and nothing for an unknown or revoked token. */
export async function verifyCopy(db: Db, token: string) {
  const [copy] = await db
    .select({
      id: civilRecordCopies.id,
      communeId: civilRecordCopies.communeId,
      printed: civilRecordCopies.printed,
      revokedAt: civilRecordCopies.revokedAt,
      code: civilRecordRequests.code,
    })
    .from(civilRecordCopies)
    .innerJoin(civilRecordRequests, eq(civilRecordRequests.id, civilRecordCopies.requestId))
    .where(eq(civilRecordCopies.verifyTokenHash, hashToken(token)));
  if (!copy || copy.revokedAt) return undefined;
  await writeAudit(db, { communeId: copy.communeId, actor: 'public', action: 'civil-copy.verified', subject: copy.code });
  return copy.printed;
}

/**
 * Spend a one-time download link: the PDF once, within its time, of a copy not
 * revoked. The link is marked used in the same statement that checks it, so
 * two requests racing for it cannot both get the file.
 */
export async function takeDownload(db: Db, token: string, now = new Date()) {
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [link] = await tx
      .update(civilRecordDownloads)
      .set({ usedAt: now })
      .where(
        and(
          eq(civilRecordDownloads.tokenHash, hashToken(token)),
          isNull(civilRecordDownloads.usedAt),
          sql`${civilRecordDownloads.expiresAt} > ${now.toISOString()}`,
        ),
      )
      .returning();
    if (!link) return undefined;
    const [copy] = await tx
      .select({ pdfBase64: civilRecordCopies.pdfBase64, revokedAt: civilRecordCopies.revokedAt, code: civilRecordRequests.code })
      .from(civilRecordCopies)
      .innerJoin(civilRecordRequests, eq(civilRecordRequests.id, civilRecordCopies.requestId))
      .where(eq(civilRecordCopies.id, link.copyId));
    if (!copy || copy.revokedAt) return undefined;
    await writeAudit(tx, {
      communeId: link.communeId,
      actor: 'resident:link',
      action: 'civil-copy.downloaded',
      subject: copy.code,
      details: { copyId: link.copyId },
    });
    return { code: copy.code, pdf: Buffer.from(copy.pdfBase64, 'base64') };
  });
}

/** How long a closed request keeps the requester's personal data by default (issue 16); CIVIL_RECORD_RETENTION_DAYS sets it. */
export const RETENTION_DAYS = 90;

const ERASED = {
  subjectName: '(đã xóa)',
  registerNumber: null,
  requesterIdNumber: null,
  phone: null,
  postAddress: null,
} as const;

/**
 * Erase the personal data a request holds (the requester's CCCD, phone and
 * address, the name they gave), at the resident's request or when its
 * retention ends. A pending request is cancelled first. The decision, the
 * dates and the copy (the commune's record of what it issued, which the QR
 * code verifies) stay. Returns false for an unknown request.
 */
export async function eraseRequestData(db: Db, q: { communeId: number; id: number; actor: string }): Promise<boolean> {
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [row] = await tx
      .select()
      .from(civilRecordRequests)
      .where(and(eq(civilRecordRequests.communeId, q.communeId), eq(civilRecordRequests.id, q.id)))
      .for('update');
    if (!row) return false;
    await tx
      .update(civilRecordRequests)
      .set({ ...ERASED, status: row.status === 'pending' ? 'cancelled' : row.status })
      .where(eq(civilRecordRequests.id, row.id));
    await tx.delete(civilRecordRequestAttachments).where(eq(civilRecordRequestAttachments.requestId, row.id));
    await writeAudit(tx, { communeId: q.communeId, actor: q.actor, action: 'civil-request.erased', subject: row.code });
    return true;
  });
}

/**
 * The scheduled erasure (the server's retention job in features/privacy with
 * CIVIL_RECORD_RETENTION_DAYS, or `npm run civil-records:erase`): every request
 * closed (delivered, rejected, cancelled) more than `days` ago (default
 * RETENTION_DAYS) loses its personal data, in every commune. Returns how many
 * were erased.
 */
export async function eraseExpiredRequestData(db: Db, q: { now?: Date; days?: number } = {}): Promise<number> {
  const cutoff = new Date((q.now ?? new Date()).getTime() - (q.days ?? RETENTION_DAYS) * 86_400_000);
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const rows = await tx
      .update(civilRecordRequests)
      .set(ERASED)
      .where(
        and(
          sql`${civilRecordRequests.status} in ('delivered', 'rejected', 'cancelled')`,
          sql`(${civilRecordRequests.requesterIdNumber} is not null or ${civilRecordRequests.phone} is not null)`,
          sql`coalesce(${civilRecordRequests.deliveredAt}, ${civilRecordRequests.decidedAt}, ${civilRecordRequests.createdAt}) < ${cutoff.toISOString()}`,
        ),
      )
      .returning({ id: civilRecordRequests.id, communeId: civilRecordRequests.communeId, code: civilRecordRequests.code });
    if (rows.length)
      await tx.delete(civilRecordRequestAttachments).where(
        inArray(
          civilRecordRequestAttachments.requestId,
          rows.map((r) => r.id),
        ),
      );
    for (const r of rows)
      await writeAudit(tx, {
        communeId: r.communeId,
        actor: 'system',
        action: 'civil-request.erased',
        subject: r.code,
        details: { retentionDays: q.days ?? RETENTION_DAYS },
      });
    return rows.length;
  });
}

/** Zalo OA's file limit, the smallest of the channels that carry files. */
export const SIGNED_COPY_MAX_BYTES = 5 * 1024 * 1024;

/**
 * Staff upload the officially signed PDF from the national civil-status
 * software for a pending request; approving the request then delivers that
 * file instead of generating one. Its own signature is what proves it, so it
 * has no verify token of ours (a random, never printed one fills the column).
 * A second upload replaces the first.
 */
export async function uploadSignedCopy(
  db: Db,
  q: { communeId: number; id: number; pdf: Buffer; actor: string },
): Promise<{ copyId: number }> {
  if (q.pdf.length === 0 || q.pdf.length > SIGNED_COPY_MAX_BYTES || q.pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
    throw new CivilRecordError('not_pdf', 'a PDF of at most 5 MB is expected');
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const req = await lockPending(tx, q.communeId, q.id);
    await tx
      .update(civilRecordCopies)
      .set({ revokedAt: new Date() })
      .where(and(eq(civilRecordCopies.requestId, req.id), isNull(civilRecordCopies.revokedAt)));
    const [copy] = await tx
      .insert(civilRecordCopies)
      .values({
        communeId: q.communeId,
        requestId: req.id,
        source: 'uploaded',
        pdfBase64: q.pdf.toString('base64'),
        printed: { title: 'Bản sao có chữ ký số', lines: [], commune: '', issuedOn: '' },
        verifyTokenHash: hashToken(newToken()),
      })
      .returning({ id: civilRecordCopies.id });
    await writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'civil-copy.uploaded',
      subject: req.code,
      details: { copyId: copy.id, bytes: q.pdf.length },
    });
    return { copyId: copy.id };
  });
}
