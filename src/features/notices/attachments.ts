import { randomBytes } from 'node:crypto';
import { eq, inArray, and } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import type { ChannelCapabilities, ReplyFileRef } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { noticeAttachments, notices } from '../../db/schema/index.js';
import { cleanPhoto, PhotoRejected, sniffImage } from '../reports/index.js';

// An image or a PDF in a notice (issue 17 item 2). Kept once per notice in notice_attachments; a push channel that
// takes files gets it through a reference in its outbox row (`notice-attachment:<token>`, read by the delivery
// worker through resolveNoticeFile just before sending); the others get a link to /notices/files/<token>.

/** The largest attachment: 5 MB (Zalo OA's own upload limit). */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
/** How an outbox row names a notice's file: this prefix and the attachment's token. */
const FILE_REF_PREFIX = 'notice-attachment:';

export const ATTACHMENT_TOO_LARGE = 'Tệp đính kèm quá lớn: tối đa 5 MB.';
export const ATTACHMENT_UNSUPPORTED = 'Tệp đính kèm phải là ảnh JPEG, PNG hoặc tệp PDF.';
export type AttachmentRow = typeof noticeAttachments.$inferSelect;
export type AttachmentInfo = Omit<AttachmentRow, 'contentBase64'>;

/** A file refused as an attachment; `status` (413, 415, 422) and the message reach the client through the HTTP error map. */
export class AttachmentRejected extends Error {
  constructor(
    readonly status: 413 | 415 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'AttachmentRejected';
  }
}

/**
 * Check a file by its content (never its declared type): a JPEG or PNG is re-encoded without its metadata
 * (camera, place) as a report photo is (reports' cleanPhoto); a PDF must start with `%PDF-`. Throws
 * {@link AttachmentRejected} (413, 415, 422).
 */
/** A file that passed `checkAttachment`: its kind, type, safe name and (for an image, re-encoded) bytes. */
export interface CheckedAttachment {
  kind: 'image' | 'pdf';
  mimeType: string;
  name: string;
  data: Buffer;
}

export async function checkAttachment(bytes: Buffer, declaredName?: string): Promise<CheckedAttachment> {
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new AttachmentRejected(413, ATTACHMENT_TOO_LARGE);
  const base = (declaredName ?? '')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^\p{L}\p{N} ._-]+/gu, '')
    .trim()
    .slice(0, 80);
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-')
    return { kind: 'pdf', mimeType: 'application/pdf', name: `${base || 'thong-bao'}.pdf`, data: bytes };
  const format = sniffImage(bytes);
  if (format !== 'jpeg' && format !== 'png') throw new AttachmentRejected(415, ATTACHMENT_UNSUPPORTED);
  try {
    const { data } = await cleanPhoto(bytes, MAX_ATTACHMENT_BYTES);
    if (data.length > MAX_ATTACHMENT_BYTES) throw new AttachmentRejected(413, ATTACHMENT_TOO_LARGE);
    return {
      kind: 'image',
      mimeType: `image/${format}`,
      name: `${base || 'thong-bao'}.${format === 'jpeg' ? 'jpg' : 'png'}`,
      data,
    };
  } catch (error) {
    if (error instanceof AttachmentRejected) throw error;
    if (error instanceof PhotoRejected && error.reason === 'too_large') throw new AttachmentRejected(413, ATTACHMENT_TOO_LARGE);
    throw new AttachmentRejected(422, 'Ảnh đính kèm bị hỏng hoặc quá lớn. Anh/chị vui lòng chọn ảnh khác.');
  }
}

/**
 * Whether a notice's file may still be set: a draft, or a scheduled notice nobody approved. Not while it waits
 * for approval nor once approved, so the file an approver saw is the file that goes out.
 */
export function attachmentOpen(n: { status: string; decidedBy: string | null }): boolean {
  return n.status === 'draft' || (n.status === 'scheduled' && n.decidedBy === null);
}

/**
 * Attach (or replace) the file of a notice not yet sending; `publicUrl` makes its absolute download address.
 * Returns undefined when there is no such notice in the commune. Audited (kind, size; not the content).
 */
export async function setNoticeAttachment(
  db: Db,
  q: {
    communeId: number;
    id: number;
    bytes: Buffer;
    name?: string;
    actor: string;
    publicUrl: string;
    /** The file already checked by `checkAttachment`, outside the transaction (re-encoding an image takes seconds). */
    checked?: CheckedAttachment;
  },
): Promise<AttachmentInfo | undefined> {
  if (!Number.isSafeInteger(q.id) || q.id <= 0 || q.id > 2_147_483_647) return undefined;
  const [notice] = await db
    .select({ id: notices.id, status: notices.status, decidedBy: notices.decidedBy })
    .from(notices)
    .where(and(eq(notices.id, q.id), eq(notices.communeId, q.communeId)))
    .for('update');
  if (!notice) return undefined;
  if (!attachmentOpen(notice))
    throw new ValidationError(
      'Chỉ đính kèm được tệp vào bản nháp hoặc thông báo đã lên lịch nhưng chưa được duyệt.',
      { status: 'not allowed in this status' },
      409,
    );
  const file = q.checked ?? (await checkAttachment(q.bytes, q.name));
  const token = randomBytes(24).toString('base64url');
  const values = {
    kind: file.kind,
    name: file.name,
    mimeType: file.mimeType,
    size: file.data.length,
    contentBase64: file.data.toString('base64'),
    token,
    url: `${q.publicUrl.replace(/\/+$/, '')}/notices/files/${token}`,
    createdAt: new Date(),
  };
  const [row] = await db
    .insert(noticeAttachments)
    .values({ noticeId: notice.id, ...values })
    .onConflictDoUpdate({ target: noticeAttachments.noticeId, set: values })
    .returning();
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: 'notice.attachment_set',
    subject: String(notice.id),
    details: { kind: file.kind, mimeType: file.mimeType, size: file.data.length },
  });
  const { contentBase64: _content, ...info } = row;
  return info;
}

/** The attachment's description (without its content), if the notice has one. */
export async function attachmentInfo(db: Db, noticeId: number): Promise<AttachmentInfo | undefined> {
  const [row] = await db
    .select({
      noticeId: noticeAttachments.noticeId,
      kind: noticeAttachments.kind,
      name: noticeAttachments.name,
      mimeType: noticeAttachments.mimeType,
      size: noticeAttachments.size,
      token: noticeAttachments.token,
      url: noticeAttachments.url,
      createdAt: noticeAttachments.createdAt,
    })
    .from(noticeAttachments)
    .where(eq(noticeAttachments.noticeId, noticeId));
  return row;
}

export async function attachmentContent(db: Db, noticeId: number): Promise<string | undefined> {
  const [row] = await db
    .select({ content: noticeAttachments.contentBase64 })
    .from(noticeAttachments)
    .where(eq(noticeAttachments.noticeId, noticeId));
  return row?.content;
}

/** The file behind a download address, only once its notice is going out (never before approval). */
export async function attachmentByToken(db: Db, token: string): Promise<AttachmentRow | undefined> {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
  const [row] = await db
    .select({ a: noticeAttachments })
    .from(noticeAttachments)
    .innerJoin(notices, eq(notices.id, noticeAttachments.noticeId))
    .where(and(eq(noticeAttachments.token, token), inArray(notices.status, ['sending', 'sent'])));
  return row?.a;
}

/**
 * Channels whose file upload takes documents only (Zalo OA: PDF/DOC/DOCX, see channels/zalo/render.ts), so an
 * image reaches them as a link. Named here because the capabilities do not (yet) say which file types a
 * platform takes.
 */
const DOCUMENT_ONLY_CHANNELS: ReadonlySet<string> = new Set(['zalo']);

/**
 * Whether a channel gets the file itself: a push channel that takes files of this kind (the web chat pulls
 * its messages, which are kept, so it gets a link rather than the bytes in every stored message).
 */
export function carriesFile(channel: string, caps: ChannelCapabilities, att: Pick<AttachmentInfo, 'kind'>): boolean {
  return caps.files && caps.delivery === 'push' && (att.kind === 'pdf' || !DOCUMENT_ONLY_CHANNELS.has(channel));
}

/** The file of a reply, for a channel that carries it: a reference, so the outbox holds no copy per recipient. */
export function replyFile(att: Pick<AttachmentInfo, 'name' | 'mimeType' | 'token'>): ReplyFileRef {
  return { name: att.name, mimeType: att.mimeType, ref: `${FILE_REF_PREFIX}${att.token}` };
}

/**
 * The delivery worker's reader of notice files (the runtime wires it in): the content behind a
 * `notice-attachment:<token>` ref, while its notice is going out; undefined for another ref or a file that
 * no longer exists, which gives the message up.
 */
export function resolveNoticeFile(db: Db) {
  return async (ref: string): Promise<{ contentBase64: string } | undefined> => {
    if (!ref.startsWith(FILE_REF_PREFIX)) return undefined;
    const row = await attachmentByToken(db, ref.slice(FILE_REF_PREFIX.length));
    return row && { contentBase64: row.contentBase64 };
  };
}

/** The link for a channel that does not carry the file: relative for pull channels (the web chat page). */
export function attachmentLink(caps: ChannelCapabilities, att: Pick<AttachmentInfo, 'kind' | 'token' | 'url'>) {
  return {
    label: att.kind === 'pdf' ? 'Xem tệp đính kèm (PDF)' : 'Xem ảnh đính kèm',
    url: caps.delivery === 'pull' ? `notices/files/${att.token}` : att.url,
  };
}
