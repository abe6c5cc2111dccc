import { and, asc, desc, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { noticeDeliveries, noticeHamlets, notices, noticeSubscriptions, noticeTopics } from '../../db/schema/index.js';

/**
 * Who receives notices: the commune's topics and hamlets (staff keep them) and the residents' subscriptions
 * (the chat keeps them). Sending lives in sending.ts.
 */
/** The topics a commune starts with (issue 17); staff edit them in the console. */
export const DEFAULT_TOPICS: { name: string; urgent: boolean }[] = [
  { name: 'Lịch tiếp dân', urgent: false },
  { name: 'Thiên tai – thời tiết', urgent: true },
  { name: 'Y tế – tiêm chủng', urgent: false },
  { name: 'An ninh trật tự', urgent: false },
  { name: 'Chính sách – chi trả', urgent: false },
  { name: 'Thông báo chung', urgent: false },
];

export type NoticeStatus = 'draft' | 'awaiting_approval' | 'scheduled' | 'sending' | 'sent' | 'cancelled' | 'rejected';
export type NoticeRow = typeof notices.$inferSelect;
export type TopicRow = typeof noticeTopics.$inferSelect;
export type HamletRow = typeof noticeHamlets.$inferSelect;
export type SubscriptionRow = typeof noticeSubscriptions.$inferSelect;

/** Recipients queued per transaction while a notice is being sent. */
export const SEND_BATCH = 500;

/** The commune's topics, in order; the defaults are created the first time a commune has none. */
export async function listTopics(db: Db, communeId: number): Promise<TopicRow[]> {
  const read = () =>
    db
      .select()
      .from(noticeTopics)
      .where(eq(noticeTopics.communeId, communeId))
      .orderBy(asc(noticeTopics.position), asc(noticeTopics.id));
  const rows = await read();
  if (rows.length) return rows;
  await db
    .insert(noticeTopics)
    .values(DEFAULT_TOPICS.map((t, i) => ({ communeId, name: t.name, urgent: t.urgent, position: i + 1 })))
    .onConflictDoNothing();
  return read();
}

export async function listHamlets(db: Db, communeId: number): Promise<HamletRow[]> {
  return db
    .select()
    .from(noticeHamlets)
    .where(eq(noticeHamlets.communeId, communeId))
    .orderBy(asc(noticeHamlets.position), asc(noticeHamlets.id));
}

function cleanName(raw: unknown, what: string): string {
  const name = typeof raw === 'string' ? raw.replace(/\s+/g, ' ').trim() : '';
  if (!name || name.length > 80)
    throw new ValidationError(
      `Tên ${what} không được để trống và dài tối đa 80 ký tự.`,
      { name: 'required, 1–80 characters' },
      422,
    );
  return name;
}

export async function addHamlet(db: Db, input: { communeId: number; name: unknown; actor: string }): Promise<HamletRow> {
  const name = cleanName(input.name, 'ấp, thôn');
  const [{ max }] = await db
    .select({ max: sql<number>`coalesce(max(${noticeHamlets.position}), 0)::int` })
    .from(noticeHamlets)
    .where(eq(noticeHamlets.communeId, input.communeId));
  const [row] = await db
    .insert(noticeHamlets)
    .values({ communeId: input.communeId, name, position: Number(max) + 1 })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ValidationError(`Đã có "${name}" trong danh sách.`, { name: 'already exists' }, 409);
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'notice-hamlet.added',
    subject: String(row.id),
    details: { name },
  });
  return row;
}

export async function removeHamlet(db: Db, input: { communeId: number; id: number; actor: string }): Promise<boolean> {
  const [row] = await db
    .delete(noticeHamlets)
    .where(and(eq(noticeHamlets.id, input.id), eq(noticeHamlets.communeId, input.communeId)))
    .returning();
  if (row)
    await writeAudit(db, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'notice-hamlet.removed',
      subject: String(row.id),
      details: { name: row.name },
    });
  return Boolean(row);
}

export async function addTopic(
  db: Db,
  input: { communeId: number; name: unknown; urgent: boolean; actor: string },
): Promise<TopicRow> {
  const name = cleanName(input.name, 'chủ đề');
  const existing = await listTopics(db, input.communeId);
  const [row] = await db
    .insert(noticeTopics)
    .values({
      communeId: input.communeId,
      name,
      urgent: input.urgent,
      position: Math.max(0, ...existing.map((t) => t.position)) + 1,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ValidationError(`Đã có chủ đề "${name}".`, { name: 'already exists' }, 409);
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'notice-topic.added',
    subject: String(row.id),
    details: { name, urgent: input.urgent },
  });
  return row;
}

/** A topic that notices already targeted stays (their reports name it); others are removed. */
export async function removeTopic(db: Db, input: { communeId: number; id: number; actor: string }): Promise<boolean> {
  const [used] = await db
    .select({ id: notices.id })
    .from(notices)
    .where(and(eq(notices.communeId, input.communeId), sql`${input.id} = any(${notices.topicIds})`))
    .limit(1);
  if (used) throw new ValidationError('Chủ đề này đã dùng trong thông báo, không xóa được.', { id: 'used by a notice' }, 409);
  const [row] = await db
    .delete(noticeTopics)
    .where(and(eq(noticeTopics.id, input.id), eq(noticeTopics.communeId, input.communeId)))
    .returning();
  if (row)
    await writeAudit(db, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'notice-topic.removed',
      subject: String(row.id),
      details: { name: row.name },
    });
  return Boolean(row);
}

/** A chat's subscription row (active or not). */
export async function findSubscription(
  db: Db,
  q: { communeId: number; channel: string; chatId: string },
): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .select()
    .from(noticeSubscriptions)
    .where(
      and(
        eq(noticeSubscriptions.communeId, q.communeId),
        eq(noticeSubscriptions.channel, q.channel),
        eq(noticeSubscriptions.chatId, q.chatId),
      ),
    );
  return row;
}

/** Subscribe a chat (or change its choices); urgent topics are always included. */
export async function subscribe(
  db: Db,
  input: { communeId: number; channel: string; chatId: string; userId: string; hamletId: number | null; topicIds: number[] },
): Promise<SubscriptionRow> {
  const topics = await listTopics(db, input.communeId);
  const known = new Set(topics.map((t) => t.id));
  const topicIds = [
    ...new Set([...input.topicIds.filter((id) => known.has(id)), ...topics.filter((t) => t.urgent).map((t) => t.id)]),
  ].sort((a, b) => a - b);
  const [row] = await db
    .insert(noticeSubscriptions)
    .values({
      communeId: input.communeId,
      channel: input.channel,
      chatId: input.chatId,
      userId: input.userId,
      hamletId: input.hamletId,
      topicIds,
    })
    .onConflictDoUpdate({
      target: [noticeSubscriptions.communeId, noticeSubscriptions.channel, noticeSubscriptions.chatId],
      set: {
        userId: input.userId,
        hamletId: input.hamletId,
        topicIds,
        unsubscribedAt: null,
        subscribedAt: sql`case when ${noticeSubscriptions.unsubscribedAt} is null then ${noticeSubscriptions.subscribedAt} else now() end`,
      },
    })
    .returning();
  await writeAudit(db, {
    communeId: input.communeId,
    actor: `resident:${input.channel}:${input.userId}`,
    action: 'notice-subscription.saved',
    subject: String(row.id),
    details: { hamletId: input.hamletId, topicIds },
  });
  return row;
}

/** Unsubscribe a chat entirely. Returns false when it had no active subscription. */
export async function unsubscribe(
  db: Db,
  q: { communeId: number; channel: string; chatId: string; userId: string },
): Promise<boolean> {
  const [row] = await db
    .update(noticeSubscriptions)
    .set({ unsubscribedAt: sql`now()` })
    .where(
      and(
        eq(noticeSubscriptions.communeId, q.communeId),
        eq(noticeSubscriptions.channel, q.channel),
        eq(noticeSubscriptions.chatId, q.chatId),
        isNull(noticeSubscriptions.unsubscribedAt),
      ),
    )
    .returning({ id: noticeSubscriptions.id });
  if (row)
    await writeAudit(db, {
      communeId: q.communeId,
      actor: `resident:${q.channel}:${q.userId}`,
      action: 'notice-subscription.cancelled',
      subject: String(row.id),
    });
  return Boolean(row);
}

/** The last notices queued to this chat, newest first. */
export async function recentNoticesFor(
  db: Db,
  q: { communeId: number; channel: string; chatId: string; limit?: number },
): Promise<{ id: number; title: string; body: string; link: string | null; at: Date }[]> {
  return db
    .select({ id: notices.id, title: notices.title, body: notices.body, link: notices.link, at: noticeDeliveries.createdAt })
    .from(noticeDeliveries)
    .innerJoin(notices, eq(notices.id, noticeDeliveries.noticeId))
    .where(
      and(
        eq(noticeDeliveries.communeId, q.communeId),
        eq(noticeDeliveries.channel, q.channel),
        eq(noticeDeliveries.chatId, q.chatId),
        isNotNull(noticeDeliveries.outboundId),
      ),
    )
    .orderBy(desc(noticeDeliveries.id))
    .limit(q.limit ?? 5);
}

/**
 * The audience of a target: active subscriptions of the commune in the named
 * hamlets (any hamlet when none is named) following one of the named topics
 * (any when none is named; everyone when an urgent topic is named, since
 * urgent topics cannot be dropped).
 */
export function audienceWhere(communeId: number, hamletIds: number[], topicIds: number[]) {
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
