import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { formatDateVi } from '../../core/format-vi.js';
import type { ChannelName, Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { noticeDeliveries, notices } from '../../db/schema/index.js';
import { enqueueBroadcast, enqueueMessages, PULL_CHANNELS } from '../../pipeline/outbox/index.js';
import { listHamlets, listTopics, SEND_BATCH, type NoticeRow } from './audience.js';

// Who receives notices (topics, hamlets, subscriptions) lives in audience.ts; this file sends them.
export * from './audience.js';

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

/** Compose a notice: a draft, or scheduled when `scheduledAt` is given. Audited with its audience. */
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
  const [row] = await db
    .insert(notices)
    .values({
      communeId: input.communeId,
      title,
      body,
      link: link || null,
      hamletIds,
      topicIds,
      status: scheduledAt ? 'scheduled' : 'draft',
      scheduledAt,
      createdBy: input.actor,
    })
    .returning();
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'notice.created',
    subject: String(row.id),
    details: { title, hamletIds, topicIds, scheduledAt: scheduledAt?.toISOString() ?? null },
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

/**
 * The audience of a target: active subscriptions of the commune in the named
 * hamlets (any hamlet when none is named) following one of the named topics
 * (any when none is named; everyone when an urgent topic is named, since
 * urgent topics cannot be dropped).
 */
function audienceWhere(communeId: number, hamletIds: number[], topicIds: number[]) {
  const hamlets = sql`${`{${hamletIds.join(',')}}`}::integer[]`;
  const topics = sql`${`{${topicIds.join(',')}}`}::integer[]`;
  return sql`s.commune_id = ${communeId} and s.unsubscribed_at is null
    and (cardinality(${hamlets}) = 0 or s.hamlet_id = any(${hamlets}))
    and (cardinality(${topics}) = 0 or s.topic_ids && ${topics}
         or exists (select 1 from notice_topics t where t.id = any(${topics}) and t.urgent))`;
}

/** How many active subscribers a target reaches, per channel. */
export async function previewAudience(
  db: Db,
  communeId: number,
  target: { hamletIds: number[]; topicIds: number[] },
): Promise<{ total: number; byChannel: Record<string, number> }> {
  const rows = await execRows<{ channel: string; n: number }>(
    db,
    sql`select s.channel, count(*)::int as n from notice_subscriptions s
        where ${audienceWhere(communeId, target.hamletIds, target.topicIds)}
        group by s.channel order by s.channel`,
  );
  const byChannel = Object.fromEntries(rows.map((r) => [r.channel, Number(r.n)]));
  return { total: rows.reduce((a, r) => a + Number(r.n), 0), byChannel };
}

export interface DeliveryReport {
  recipients: number;
  sent: number;
  failed: number;
  blocked: number;
  outsideWindow: number;
  pending: number;
  byChannel: Record<string, Counts>;
}

type Counts = { sent: number; failed: number; blocked: number; outsideWindow: number; pending: number };
const zeroCounts = (): Counts => ({ sent: 0, failed: 0, blocked: 0, outsideWindow: 0, pending: 0 });

/**
 * A refusal because the resident has not written for too long (Zalo OA's
 * 7-day consultation window: errors -230 and -232, as the delivery worker
 * records them), told apart from a blocked bot.
 */
const OUTSIDE_WINDOW_ERROR = sql`o.last_error ~ 'error -23[02]:'`;

/**
 * Where each recipient's copy is: sent (the platform confirmed it, or the web
 * chat holds it for its poll), blocked (refused for good: the resident blocked
 * the bot or left), outside the window (Zalo OA: the resident has not written
 * for 7 days: held until they write, or refused by the platform), failed (gave up after retries), pending (queued or being
 * retried; recipients not queued yet while sending count here too).
 */
export async function deliveryReport(db: Db, notice: NoticeRow): Promise<DeliveryReport> {
  const rows = await execRows<{ channel: string; status: string; window: boolean; n: number }>(
    db,
    sql`select d.channel, o.status, coalesce(o.status = 'undeliverable' and ${OUTSIDE_WINDOW_ERROR}, false) as window,
               count(*)::int as n
        from notice_deliveries d join outbound_messages o on o.id = d.outbound_id
        where d.notice_id = ${notice.id}
        group by 1, 2, 3`,
  );
  const report: DeliveryReport = { recipients: 0, ...zeroCounts(), byChannel: {} };
  const add = (channel: string, key: keyof Counts, n: number) => {
    report[key] += n;
    report.recipients += n;
    const c = (report.byChannel[channel] ??= zeroCounts());
    c[key] += n;
  };
  for (const r of rows) {
    const key: keyof Counts =
      r.status === 'sent'
        ? 'sent'
        : r.status === 'undeliverable'
          ? r.window
            ? 'outsideWindow'
            : 'blocked'
          : r.status === 'failed'
            ? 'failed'
            : 'pending';
    add(r.channel, key, Number(r.n));
  }
  const held = await execRows<{ channel: string; n: number }>(
    db,
    sql`select channel, count(*)::int as n from notice_deliveries
        where notice_id = ${notice.id} and outbound_id is null group by channel`,
  );
  for (const r of held) add(r.channel, 'outsideWindow', Number(r.n));
  if (notice.status === 'sending') {
    const left = await execRows<{ channel: string; n: number }>(
      db,
      sql`select s.channel, count(*)::int as n from notice_subscriptions s
          where ${audienceWhere(notice.communeId, notice.hamletIds, notice.topicIds)}
            and not exists (select 1 from notice_deliveries d where d.notice_id = ${notice.id} and d.subscription_id = s.id)
          group by s.channel`,
    );
    for (const r of left) add(r.channel, 'pending', Number(r.n));
  }
  return report;
}

export class NoticeStateError extends ValidationError {
  constructor(message: string) {
    super(message, { status: 'not allowed in this status' }, 409);
  }
}

/** Send now: a draft or a scheduled notice starts sending (the caller then pumps it). */
export async function startSending(db: Db, q: { communeId: number; id: number; actor: string }): Promise<NoticeRow | undefined> {
  const notice = await findNotice(db, q.communeId, q.id);
  if (!notice) return undefined;
  if (notice.status !== 'draft' && notice.status !== 'scheduled') throw new NoticeStateError('Thông báo này đã gửi hoặc đã hủy.');
  const [row] = await db
    .update(notices)
    .set({ status: 'sending', sendingAt: sql`now()` })
    .where(and(eq(notices.id, notice.id), inArray(notices.status, ['draft', 'scheduled'])))
    .returning();
  if (!row) throw new NoticeStateError('Thông báo này đã gửi hoặc đã hủy.');
  const audience = await previewAudience(db, q.communeId, row);
  await writeAudit(db, {
    communeId: q.communeId,
    actor: q.actor,
    action: 'notice.sent',
    subject: String(row.id),
    details: { hamletIds: row.hamletIds, topicIds: row.topicIds, recipients: audience.total, byChannel: audience.byChannel },
  });
  return row;
}

/** Cancel a draft or a scheduled notice; one already sending or sent cannot be recalled. */
export async function cancelNotice(db: Db, q: { communeId: number; id: number; actor: string }): Promise<NoticeRow | undefined> {
  const notice = await findNotice(db, q.communeId, q.id);
  if (!notice) return undefined;
  const [row] = await db
    .update(notices)
    .set({ status: 'cancelled', cancelledAt: sql`now()` })
    .where(and(eq(notices.id, notice.id), inArray(notices.status, ['draft', 'scheduled'])))
    .returning();
  if (!row) throw new NoticeStateError('Chỉ hủy được thông báo chưa gửi.');
  await writeAudit(db, { communeId: q.communeId, actor: q.actor, action: 'notice.cancelled', subject: String(row.id) });
  return row;
}

/** The message a resident receives. */
export function noticeReply(n: Pick<NoticeRow, 'title' | 'body' | 'link'>, at: Date): Reply {
  return {
    text:
      `📢 ${n.title}\n\n${n.body}` +
      (n.link ? `\n\nXem thêm: ${n.link}` : '') +
      `\n\n(Thông báo ngày ${formatDateVi(at)}. Nhắn "hủy nhận thông báo" nếu không muốn nhận tiếp.)`,
  };
}

/**
 * Queue the next batch of a sending notice's recipients, in one transaction:
 * the notice row is locked (one pump per notice at a time), each recipient
 * not yet keyed gets an outbox row and its delivery key together, and the
 * notice is marked sent when nobody is left. A crash between batches leaves
 * the notice 'sending' with the keyed recipients done: the next pump goes on
 * from there and never queues anyone twice. Returns the new outbox ids.
 */
export async function pumpNotice(
  db: Db,
  noticeId: number,
  opts: { batch?: number; now?: Date; replyWindowMs?: (channel: string) => number | undefined } = {},
): Promise<{ outboxIds: number[]; done: boolean }> {
  const batch = opts.batch ?? SEND_BATCH;
  const now = opts.now ?? new Date();
  return db.transaction(async (tx) => {
    const [n] = await tx.select().from(notices).where(eq(notices.id, noticeId)).for('update');
    if (!n || n.status !== 'sending') return { outboxIds: [], done: true };
    const recipients = await execRows<{
      id: number;
      channel: string;
      chat_id: string;
      user_id: string;
      last_inbound_at: string | Date | null;
    }>(
      tx as unknown as Db,
      sql`select s.id, s.channel, s.chat_id, s.user_id, c.last_inbound_at from notice_subscriptions s
          left join conversations c on c.commune_id = s.commune_id and c.channel = s.channel and c.chat_id = s.chat_id
          where ${audienceWhere(n.communeId, n.hamletIds, n.topicIds)}
            and not exists (select 1 from notice_deliveries d where d.notice_id = ${n.id} and d.subscription_id = s.id)
          order by s.id
          limit ${batch}`,
    );
    // Outside the platform's reply window (Zalo OA: 7 days since the resident last wrote) a send is refused:
    // the notice is held and queued the next time they write.
    const outsideWindow = (r: (typeof recipients)[number]) => {
      const window = opts.replyWindowMs?.(r.channel);
      if (!window) return false;
      return !r.last_inbound_at || now.getTime() - new Date(r.last_inbound_at).getTime() > window;
    };
    const held = recipients.filter(outsideWindow);
    const reachable = recipients.filter((r) => !outsideWindow(r));
    const reply = noticeReply(n, now);
    const queued = await enqueueBroadcast(
      tx as unknown as Db,
      reachable.map((r) => ({
        to: { communeId: n.communeId, channel: r.channel as ChannelName, chatId: r.chat_id, userId: r.user_id },
        reply,
      })),
    );
    const outboxOf = new Map(queued.map((q) => [`${q.channel}\u0000${q.chatId}`, Number(q.id)]));
    if (recipients.length)
      await tx.insert(noticeDeliveries).values([
        ...reachable.map((r) => ({
          noticeId: n.id,
          subscriptionId: Number(r.id),
          communeId: n.communeId,
          channel: r.channel,
          chatId: r.chat_id,
          outboundId: outboxOf.get(`${r.channel}\u0000${r.chat_id}`)!,
        })),
        ...held.map((r) => ({
          noticeId: n.id,
          subscriptionId: Number(r.id),
          communeId: n.communeId,
          channel: r.channel,
          chatId: r.chat_id,
          outboundId: null,
          heldAt: now,
        })),
      ]);
    const done = recipients.length < batch;
    if (done)
      await tx
        .update(notices)
        .set({ status: 'sent', sentAt: sql`now()` })
        .where(eq(notices.id, n.id));
    // Web chat copies are stored as sent (the page pulls them): nothing to push.
    return { outboxIds: queued.filter((q) => !PULL_CHANNELS.has(q.channel)).map((q) => Number(q.id)), done };
  });
}

/**
 * The resident of a chat with held notices has written: queue them now, after
 * a line saying how many, in the transaction of their message. Returns how
 * many were released.
 */
export async function releaseHeldNotices(
  db: Db,
  to: { communeId: number; channel: ChannelName; chatId: string; userId: string },
): Promise<number> {
  const held = await db
    .select({
      id: noticeDeliveries.id,
      title: notices.title,
      body: notices.body,
      link: notices.link,
      at: noticeDeliveries.heldAt,
    })
    .from(noticeDeliveries)
    .innerJoin(notices, eq(notices.id, noticeDeliveries.noticeId))
    .where(
      and(
        eq(noticeDeliveries.communeId, to.communeId),
        eq(noticeDeliveries.channel, to.channel),
        eq(noticeDeliveries.chatId, to.chatId),
        isNull(noticeDeliveries.outboundId),
      ),
    )
    .orderBy(asc(noticeDeliveries.id))
    .limit(20);
  if (!held.length) return 0;
  await enqueueMessages(db, to, [{ text: `Anh/chị có ${held.length} thông báo mới của xã:` }]);
  for (const h of held) {
    const [id] = await enqueueMessages(db, to, [noticeReply(h, h.at ?? new Date())]);
    await db.update(noticeDeliveries).set({ outboundId: id }).where(eq(noticeDeliveries.id, h.id));
  }
  return held.length;
}

/**
 * Scheduled notices now due start sending; returns the ids of every notice
 * left sending (due ones and any a restart interrupted).
 */
export async function claimDueNotices(db: Db, now: Date): Promise<number[]> {
  const started = await db
    .update(notices)
    .set({ status: 'sending', sendingAt: sql`now()` })
    .where(and(eq(notices.status, 'scheduled'), sql`${notices.scheduledAt} <= ${now.toISOString()}::timestamptz`))
    .returning();
  for (const n of started) {
    const audience = await previewAudience(db, n.communeId, n);
    await writeAudit(db, {
      communeId: n.communeId,
      actor: 'system',
      action: 'notice.sent',
      subject: String(n.id),
      details: {
        scheduled: true,
        hamletIds: n.hamletIds,
        topicIds: n.topicIds,
        recipients: audience.total,
        byChannel: audience.byChannel,
      },
    });
  }
  const rows = await db.select({ id: notices.id }).from(notices).where(eq(notices.status, 'sending')).orderBy(asc(notices.id));
  return rows.map((r) => r.id);
}
