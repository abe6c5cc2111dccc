import { and, count, desc, eq, inArray, lt } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { formatDateVi } from '../../core/format-vi.js';
import type { Recipient, Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { communes, noticeHamlets, reports, staffAccounts, type ReportPhoto } from '../../db/schema/index.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { CATEGORY_LABELS, newReportCode, OPEN_STATUSES, STATUSES, type ReportCategory, type ReportStatus } from './codes.js';

export type ReportRow = typeof reports.$inferSelect;

/** Open reports one chat may have at a time: more is a flood, not a neighbourhood's problems. */
export const OPEN_REPORTS_PER_CHAT = 5;
/** Photos kept per report. */
export const MAX_PHOTOS = 5;

/** Where a status may go next. A closed report stays closed; a mistake is corrected with a new report. */
const NEXT_STATUS: Record<ReportStatus, readonly ReportStatus[]> = {
  received: ['in_progress', 'done', 'not_ours'],
  in_progress: ['done', 'not_ours'],
  done: [],
  not_ours: [],
  merged: [],
};

export const notFound = () => new ValidationError('Không tìm thấy phản ánh này.', {}, 404);

/** Open reports of one chat (the cap counts these). */
export async function countOpenInChat(db: Db, q: { communeId: number; channel: string; chatId: string }): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(reports)
    .where(
      and(
        eq(reports.communeId, q.communeId),
        eq(reports.channel, q.channel),
        eq(reports.chatId, q.chatId),
        inArray(reports.status, [...OPEN_STATUSES]),
      ),
    );
  return row?.n ?? 0;
}

export interface NewReport {
  communeId: number;
  channel: string;
  chatId: string;
  userId: string;
  category: ReportCategory;
  description: string;
  address?: string | null;
  /** A hamlet of the commune from staff's list; one deleted meanwhile (or of another commune) is left out. */
  hamletId?: number | null;
  latitude?: number | null;
  longitude?: number | null;
  photos: ReportPhoto[];
}

/** Record a report from the chat (in the message's transaction) and audit it; a fresh code on the rare collision. */
export async function createReport(db: Db, r: NewReport): Promise<ReportRow> {
  const hamletId = r.hamletId ? ((await hamletNames(db, r.communeId)).has(r.hamletId) ? r.hamletId : null) : null;
  let row: ReportRow | undefined;
  for (let attempt = 0; attempt < 5 && !row; attempt++) {
    [row] = await db
      .insert(reports)
      .values({
        communeId: r.communeId,
        code: newReportCode(),
        channel: r.channel,
        chatId: r.chatId,
        userId: r.userId,
        category: r.category,
        description: r.description,
        address: r.address ?? null,
        hamletId,
        latitude: r.latitude ?? null,
        longitude: r.longitude ?? null,
        photos: r.photos.slice(0, MAX_PHOTOS),
      })
      .onConflictDoNothing()
      .returning();
  }
  if (!row) throw new Error('could not allocate a report code');
  await writeAudit(db, {
    communeId: r.communeId,
    actor: `resident:${r.channel}:${r.userId}`,
    action: 'report.created',
    subject: row.code,
    details: {
      category: r.category,
      located: row.latitude !== null,
      address: row.address !== null,
      hamlet: row.hamletId !== null,
      photos: row.photos.length,
    },
  });
  return row;
}

/** A report by its code, only for the chat that made it: any other chat gets nothing, as for an unknown code. */
export async function findReportInChat(
  db: Db,
  q: { communeId: number; code: string; channel: string; chatId: string },
): Promise<ReportRow | undefined> {
  const [row] = await db
    .select()
    .from(reports)
    .where(
      and(
        eq(reports.communeId, q.communeId),
        eq(reports.code, q.code),
        eq(reports.channel, q.channel),
        eq(reports.chatId, q.chatId),
      ),
    );
  return row;
}

export async function findReport(db: Db, communeId: number, id: number): Promise<ReportRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0) return undefined;
  const [row] = await db
    .select()
    .from(reports)
    .where(and(eq(reports.communeId, communeId), eq(reports.id, id)));
  return row;
}

export async function findReportByCode(db: Db, communeId: number, code: string): Promise<ReportRow | undefined> {
  const [row] = await db
    .select()
    .from(reports)
    .where(and(eq(reports.communeId, communeId), eq(reports.code, code)));
  return row;
}

/** The queue, newest first, one page at a time (`before` is the last id of the previous page). */
export async function listReports(
  db: Db,
  communeId: number,
  q: { status?: ReportStatus; hamletId?: number; limit: number; before?: number },
): Promise<{ reports: ReportRow[]; next?: number }> {
  const rows = await db
    .select()
    .from(reports)
    .where(
      and(
        eq(reports.communeId, communeId),
        q.status ? eq(reports.status, q.status) : undefined,
        q.hamletId ? eq(reports.hamletId, q.hamletId) : undefined,
        q.before ? lt(reports.id, q.before) : undefined,
      ),
    )
    .orderBy(desc(reports.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { reports: page, next: rows.length > q.limit ? page.at(-1)!.id : undefined };
}

/** The commune's hamlets by id (staff's list, kept for notices), to name a report's hamlet. */
export async function hamletNames(db: Db, communeId: number): Promise<Map<number, string>> {
  const rows = await db
    .select({ id: noticeHamlets.id, name: noticeHamlets.name })
    .from(noticeHamlets)
    .where(eq(noticeHamlets.communeId, communeId))
    .orderBy(noticeHamlets.position, noticeHamlets.name);
  return new Map(rows.map((h) => [h.id, h.name]));
}

/** How many reports are in each status, for the console's tabs. */
export async function countByStatus(db: Db, communeId: number): Promise<Record<ReportStatus, number>> {
  const rows = await db
    .select({ status: reports.status, n: count() })
    .from(reports)
    .where(eq(reports.communeId, communeId))
    .groupBy(reports.status);
  const out = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<ReportStatus, number>;
  for (const r of rows) out[r.status as ReportStatus] = r.n;
  return out;
}

/** Reports merged into this one (their reporters get its updates). */
export async function listMergedInto(db: Db, id: number): Promise<ReportRow[]> {
  return db.select().from(reports).where(eq(reports.mergedInto, id)).orderBy(reports.id);
}

/** The commune's active staff, for the assignment list. */
export async function listAssignableStaff(db: Db, communeId: number) {
  const rows = await db
    .select({ id: staffAccounts.id, displayName: staffAccounts.displayName, disabledAt: staffAccounts.disabledAt })
    .from(staffAccounts)
    .where(eq(staffAccounts.communeId, communeId))
    .orderBy(staffAccounts.displayName);
  return rows.filter((r) => !r.disabledAt).map(({ id, displayName }) => ({ id, displayName }));
}

export function recipientOf(r: ReportRow): Recipient {
  return { communeId: r.communeId, channel: r.channel as Recipient['channel'], chatId: r.chatId, userId: r.userId };
}

/** Every chat that reported this problem (the report and its duplicates), each once. */
function recipientsOf(primary: ReportRow, merged: ReportRow[]): { to: Recipient; code: string }[] {
  const seen = new Set<string>();
  const out: { to: Recipient; code: string }[] = [];
  for (const r of [primary, ...merged]) {
    const key = `${r.channel}:${r.chatId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ to: recipientOf(r), code: r.code });
  }
  return out;
}

/** What a reporter hears when the report changes status; `code` is the reporter's own code. */
export function statusMessage(r: ReportRow, code: string, communeName: string, now: Date): Reply {
  const what = `Phản ánh ${code} (${CATEGORY_LABELS[r.category as ReportCategory].toLowerCase()})`;
  const note = r.note ? `\nGhi chú của cán bộ: ${r.note}` : '';
  const day = formatDateVi(now);
  switch (r.status as ReportStatus) {
    case 'in_progress':
      return { text: `${what} của anh/chị đang được ${communeName} xử lý (cập nhật ngày ${day}).${note}` };
    case 'done':
      return {
        text:
          `${what} của anh/chị đã được xử lý xong ngày ${day}.${note}\n` +
          'Cảm ơn anh/chị đã phản ánh. Nếu sự việc vẫn còn, anh/chị nhắn "phản ánh" để gửi phản ánh mới.',
      };
    case 'not_ours':
      return {
        text:
          `${what} không thuộc thẩm quyền giải quyết của ${communeName}. ` +
          `Anh/chị vui lòng liên hệ: ${r.referral}.${note}\nXin cảm ơn anh/chị đã phản ánh.`,
      };
    default:
      return { text: `${what} của anh/chị đã được tiếp nhận (ngày ${day}).${note}` };
  }
}

export async function lockReport(tx: Db, communeId: number, id: number): Promise<ReportRow> {
  if (!Number.isSafeInteger(id) || id <= 0) throw notFound();
  const [row] = await tx
    .select()
    .from(reports)
    .where(and(eq(reports.communeId, communeId), eq(reports.id, id)))
    .for('update');
  if (!row) throw notFound();
  return row;
}

export interface StatusChange {
  communeId: number;
  id: number;
  actor: string;
  /** The new status; absent when only the assignment changes. */
  status?: unknown;
  note?: unknown;
  referral?: unknown;
  /** A staff id of the commune, or null to unassign; absent leaves it. */
  assignee?: unknown;
  now?: Date;
}

function optionalText(v: unknown, field: string, max: number): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string' || v.trim().length > max)
    throw new ValidationError(`"${field}" phải là văn bản, tối đa ${max} ký tự.`, { [field]: `tối đa ${max} ký tự` });
  return v.trim() || null;
}

/**
 * Change a report's status (and/or who handles it), in one transaction with
 * its audit entry and, for a status change, one message to every reporter of
 * the problem (the report and the duplicates merged into it) through the
 * outbox. Returns the outbox ids to kick after commit.
 */
export async function changeStatus(db: Db, c: StatusChange): Promise<{ report: ReportRow; outboxIds: number[] }> {
  const now = c.now ?? new Date();
  const status = c.status === undefined || c.status === '' ? undefined : c.status;
  if (status !== undefined && !(typeof status === 'string' && (STATUSES as readonly string[]).includes(status)))
    throw new ValidationError('Trạng thái không hợp lệ.', { status: 'in_progress | done | not_ours' });
  const note = optionalText(c.note, 'note', 1000);
  const referral = optionalText(c.referral, 'referral', 500);
  let assignee: number | null | undefined;
  if (c.assignee === null || c.assignee === '') assignee = null;
  else if (c.assignee !== undefined) {
    assignee = Number(c.assignee);
    if (!Number.isSafeInteger(assignee) || assignee <= 0)
      throw new ValidationError('Cán bộ được giao không hợp lệ.', { assignee: 'mã cán bộ của xã' });
  }
  if (status === undefined && assignee === undefined)
    throw new ValidationError('Anh/chị chọn trạng thái mới hoặc cán bộ được giao.', { status: 'bắt buộc' });
  if (status === 'not_ours' && !referral)
    throw new ValidationError('Anh/chị ghi rõ nơi người dân cần liên hệ khi phản ánh không thuộc thẩm quyền xã.', {
      referral: 'bắt buộc khi không thuộc thẩm quyền',
    });

  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const r = await lockReport(tx, c.communeId, c.id);
    if (assignee) {
      const [s] = await tx
        .select({ id: staffAccounts.id, disabledAt: staffAccounts.disabledAt })
        .from(staffAccounts)
        .where(and(eq(staffAccounts.id, assignee), eq(staffAccounts.communeId, c.communeId)));
      if (!s || s.disabledAt)
        throw new ValidationError('Cán bộ được giao không thuộc xã này hoặc đã bị khóa.', { assignee: 'không hợp lệ' });
    }
    const changing = status !== undefined && status !== r.status;
    if (status !== undefined && r.status === 'merged')
      throw new ValidationError('Phản ánh này đã được gộp vào phản ánh khác; anh/chị cập nhật phản ánh chính.', {}, 409);
    if (changing && !NEXT_STATUS[r.status as ReportStatus].includes(status as ReportStatus))
      throw new ValidationError(
        `Không thể chuyển phản ánh từ "${r.status}" sang "${status}".`,
        { status: `từ ${r.status}: ${NEXT_STATUS[r.status as ReportStatus].join(' | ') || 'không đổi được nữa'}` },
        409,
      );
    const [updated] = await tx
      .update(reports)
      .set({
        ...(changing ? { status: status as ReportStatus, note, referral: status === 'not_ours' ? referral : null } : {}),
        ...(assignee !== undefined ? { assignedTo: assignee } : {}),
        updatedAt: now,
      })
      .where(eq(reports.id, r.id))
      .returning();
    if (assignee !== undefined && assignee !== r.assignedTo)
      await writeAudit(tx, {
        communeId: c.communeId,
        actor: c.actor,
        action: 'report.assigned',
        subject: r.code,
        details: { assignee },
      });
    if (!changing) return { report: updated, outboxIds: [] };
    await writeAudit(tx, {
      communeId: c.communeId,
      actor: c.actor,
      action: 'report.status-changed',
      subject: r.code,
      details: { from: r.status, to: status, note: Boolean(note) },
    });
    const merged = await listMergedInto(tx, r.id);
    const [commune] = await tx.select({ name: communes.name }).from(communes).where(eq(communes.id, c.communeId));
    const outboxIds: number[] = [];
    for (const { to, code } of recipientsOf(updated, merged))
      outboxIds.push(...(await enqueueMessages(tx, to, [statusMessage(updated, code, commune.name, now)])));
    return { report: updated, outboxIds };
  });
}
