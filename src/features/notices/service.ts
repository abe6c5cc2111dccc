import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { notices } from '../../db/schema/index.js';
import { noticesRequireApproval } from './approval.js';
import { listHamlets, listTopics, previewAudience, type NoticeRow } from './audience.js';

// The notices' use-cases in one place for handlers, routes and tests: who receives them (audience.ts),
// composing and starting them (here), sending them (sending.ts), how far they got (delivery-report.ts) and
// resending the copies nobody confirmed (resend.ts).
export * from './approval.js';
export * from './attachments.js';
export * from './audience.js';
export * from './delivery-report.js';
export * from './resend.js';
export * from './sending.js';

// ---- Staff: composing, targeting, sending -------------------------------------------------------

export interface NoticeInput {
  title?: unknown;
  text?: unknown;
  link?: unknown;
  hamlets?: unknown;
  topics?: unknown;
  scheduledAt?: unknown;
}

function idList(raw: unknown, field: string, known: Set<number>, label: string): number[] {
  if (raw === undefined || raw === null || raw === '') return [];
  const list = Array.isArray(raw) ? raw : String(raw).split(',');
  const ids = list.map((v) => Number(typeof v === 'string' ? v.trim() : v));
  const bad = ids.find((id) => !Number.isSafeInteger(id) || !known.has(id));
  if (bad !== undefined || list.length > 500)
    throw new ValidationError(`Danh sách ${label} có mục không thuộc xã này.`, { [field]: 'unknown id' }, 422);
  return [...new Set(ids)].sort((a, b) => a - b);
}

/** The targets named by ids, checked against the commune's own hamlets and topics. */
export async function parseTargets(
  db: Db,
  communeId: number,
  raw: { hamlets?: unknown; topics?: unknown },
): Promise<{ hamletIds: number[]; topicIds: number[] }> {
  const hamlets = await listHamlets(db, communeId);
  const topics = await listTopics(db, communeId);
  return {
    hamletIds: idList(raw.hamlets, 'hamlets', new Set(hamlets.map((h) => h.id)), 'ấp, thôn'),
    topicIds: idList(raw.topics, 'topics', new Set(topics.map((t) => t.id)), 'chủ đề'),
  };
}

function parseInstant(raw: unknown, now: Date): Date | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const s = typeof raw === 'string' ? raw.trim() : '';
  // A datetime-local field has no offset: it is Vietnam's local time.
  const withOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? `${s}+07:00` : s;
  const d = /^\d{4}-\d{2}-\d{2}T/.test(s) ? new Date(withOffset) : new Date(NaN);
  if (Number.isNaN(d.getTime()))
    throw new ValidationError(
      'Thời điểm gửi không hợp lệ: dùng dạng ISO 8601, ví dụ 2027-02-07T08:00:00+07:00.',
      { scheduledAt: 'expected an ISO 8601 date-time' },
      400,
    );
  if (d.getTime() <= now.getTime())
    throw new ValidationError('Thời điểm gửi phải ở tương lai.', { scheduledAt: 'must be in the future' }, 422);
  if (d.getTime() > now.getTime() + 366 * 86_400_000)
    throw new ValidationError('Thời điểm gửi phải trong vòng một năm tới.', { scheduledAt: 'within a year' }, 422);
  return d;
}

/**
 * Compose a notice: a draft, or scheduled when `scheduledAt` is given (awaiting approval instead where the
 * commune requires it). Audited with its audience.
 */
export async function createNotice(
  db: Db,
  input: NoticeInput & { communeId: number; actor: string; now: Date },
): Promise<NoticeRow> {
  const fieldErrors: Record<string, string> = {};
  const title = typeof input.title === 'string' ? input.title.replace(/\s+/g, ' ').trim() : '';
  const body = typeof input.text === 'string' ? input.text.replace(/\r\n/g, '\n').trim() : '';
  const link = typeof input.link === 'string' ? input.link.trim() : '';
  if (!title || title.length > 150) fieldErrors.title = 'required, at most 150 characters';
  if (!body || body.length > 3000) fieldErrors.text = 'required, at most 3000 characters';
  if (link && (link.length > 500 || !/^https?:\/\/[^\s]+$/i.test(link))) fieldErrors.link = 'an http(s) address';
  if (Object.keys(fieldErrors).length)
    throw new ValidationError(
      'Thông báo cần tiêu đề (tối đa 150 ký tự) và nội dung (tối đa 3.000 ký tự); liên kết, nếu có, phải bắt đầu bằng http:// hoặc https://.',
      fieldErrors,
      422,
    );
  const { hamletIds, topicIds } = await parseTargets(db, input.communeId, input);
  const scheduledAt = parseInstant(input.scheduledAt, input.now);
  const approval = scheduledAt !== null && (await noticesRequireApproval(db, input.communeId));
  const [row] = await db
    .insert(notices)
    .values({
      communeId: input.communeId,
      title,
      body,
      link: link || null,
      hamletIds,
      topicIds,
      status: approval ? 'awaiting_approval' : scheduledAt ? 'scheduled' : 'draft',
      scheduledAt,
      createdBy: input.actor,
    })
    .returning();
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'notice.created',
    subject: String(row.id),
    details: { title, hamletIds, topicIds, scheduledAt: scheduledAt?.toISOString() ?? null, awaitingApproval: approval },
  });
  return row;
}

export async function listNotices(db: Db, communeId: number): Promise<NoticeRow[]> {
  return db.select().from(notices).where(eq(notices.communeId, communeId)).orderBy(desc(notices.id)).limit(200);
}

export async function findNotice(db: Db, communeId: number, id: number): Promise<NoticeRow | undefined> {
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  const [row] = await db
    .select()
    .from(notices)
    .where(and(eq(notices.id, id), eq(notices.communeId, communeId)));
  return row;
}

export class NoticeStateError extends ValidationError {
  constructor(message: string) {
    super(message, { status: 'not allowed in this status' }, 409);
  }
}

/**
 * Send now: a draft or a scheduled notice starts sending (the caller then pumps it), or, where the commune
 * requires approval, waits for it (status awaiting_approval, to be sent as soon as it is approved).
 */
export async function startSending(db: Db, q: { communeId: number; id: number; actor: string }): Promise<NoticeRow | undefined> {
  const notice = await findNotice(db, q.communeId, q.id);
  if (!notice) return undefined;
  if (notice.status === 'awaiting_approval') throw new NoticeStateError('Thông báo này đang chờ lãnh đạo duyệt.');
  if (notice.status === 'rejected') throw new NoticeStateError('Thông báo này đã bị từ chối, không gửi được.');
  if (notice.status !== 'draft' && notice.status !== 'scheduled') throw new NoticeStateError('Thông báo này đã gửi hoặc đã hủy.');
  const approval = await noticesRequireApproval(db, q.communeId);
  const [row] = await db
    .update(notices)
    .set(approval ? { status: 'awaiting_approval', scheduledAt: null } : { status: 'sending', sendingAt: sql`now()` })
    .where(and(eq(notices.id, notice.id), inArray(notices.status, ['draft', 'scheduled'])))
    .returning();
  if (!row) throw new NoticeStateError('Thông báo này đã gửi hoặc đã hủy.');
  const audience = await previewAudience(db, q.communeId, row);
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: approval ? 'notice.submitted' : 'notice.sent',
    subject: String(row.id),
    details: { hamletIds: row.hamletIds, topicIds: row.topicIds, recipients: audience.total, byChannel: audience.byChannel },
  });
  return row;
}

/** Cancel a draft, scheduled or awaiting notice; one already sending or sent cannot be recalled. */
export async function cancelNotice(db: Db, q: { communeId: number; id: number; actor: string }): Promise<NoticeRow | undefined> {
  const notice = await findNotice(db, q.communeId, q.id);
  if (!notice) return undefined;
  const [row] = await db
    .update(notices)
    .set({ status: 'cancelled', cancelledAt: sql`now()` })
    .where(and(eq(notices.id, notice.id), inArray(notices.status, ['draft', 'scheduled', 'awaiting_approval'])))
    .returning();
  if (!row) throw new NoticeStateError('Chỉ hủy được thông báo chưa gửi.');
  await writeAudit(db, { communeId: q.communeId, actor: q.actor, action: 'notice.cancelled', subject: String(row.id) });
  return row;
}
