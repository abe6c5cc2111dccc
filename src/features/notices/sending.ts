import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { formatDateVi } from '../../core/format-vi.js';
import { noticeMetrics } from '../../core/metrics.js';
import type { ChannelCapabilities, ChannelName, OutboundReply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import { bigintArray, execRows, type Db } from '../../db/client.js';
import { noticeDeliveries, notices, noticeSubscriptions } from '../../db/schema/index.js';
import {
  countOutboxStatuses,
  enqueueBroadcast,
  enqueueMessages,
  NOTICE_COPY,
  PULL_CHANNELS,
} from '../../pipeline/outbox/index.js';
import { attachmentInfo, attachmentLink, carriesFile, replyFile, type AttachmentInfo } from './attachments.js';
import { audienceWhere, previewAudience, SEND_BATCH, type NoticeRow } from './audience.js';

// Sending a notice: queueing its recipients batch by batch, releasing what was held for a chat outside
// the platform's reply window, and claiming scheduled notices when they fall due.

/** What a platform can do, by channel name (the runtime's channels/capabilities.ts). */
export type CapabilitiesOf = (channel: string) => ChannelCapabilities;

/**
 * Without the platforms' capabilities every channel is treated as taking no file: a link for all (push
 * channels get the address in the text, pull channels a button), never the bytes in the outbox.
 */
export const LINK_ONLY: CapabilitiesOf = (channel) => ({
  buttons: 'native',
  contactSharing: false,
  files: false,
  delivery: PULL_CHANNELS.has(channel) ? 'pull' : 'push',
});

/**
 * The message a resident receives; with an attachment, the file itself where the channel carries it (by
 * reference: the delivery worker reads it just before sending), otherwise a link to it (a button in the web
 * chat, the address in the text elsewhere).
 */
export function noticeReply(
  n: Pick<NoticeRow, 'title' | 'body' | 'link'>,
  at: Date,
  attachment?: { channel: string; caps: ChannelCapabilities; info: AttachmentInfo },
): OutboundReply {
  const caps = attachment?.caps;
  const inline = attachment && caps && carriesFile(attachment.channel, caps, attachment.info);
  const link = attachment && caps && !inline ? attachmentLink(caps, attachment.info) : undefined;
  const reply: OutboundReply = {
    text:
      `📢 ${n.title}\n\n${n.body}` +
      (n.link ? `\n\nXem thêm: ${n.link}` : '') +
      (link && caps?.delivery === 'push' ? `\n\n${link.label}: ${link.url}` : '') +
      `\n\n(Thông báo ngày ${formatDateVi(at)}. Nhắn "hủy nhận thông báo" nếu không muốn nhận tiếp.)`,
  };
  if (inline) reply.file = replyFile(attachment.info);
  else if (link && caps?.delivery === 'pull') reply.buttons = [link];
  return reply;
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
  opts: {
    batch?: number;
    now?: Date;
    replyWindowMs?: (channel: string) => number | undefined;
    capabilitiesOf?: CapabilitiesOf;
  } = {},
): Promise<{ outboxIds: number[]; done: boolean }> {
  const now = opts.now ?? new Date();
  // Counted once the batch is committed (a rolled-back batch is queued again by the next pump).
  let progress: { communeId: number; queued: string[]; held: string[] } | undefined;
  const pumped = await db.transaction(async (tx) => {
    progress = undefined;
    const [n] = await tx.select().from(notices).where(eq(notices.id, noticeId)).for('update');
    if (!n || n.status !== 'sending') return { outboxIds: [], done: true };
    const capabilitiesOf = opts.capabilitiesOf ?? LINK_ONLY;
    const info = await attachmentInfo(tx as unknown as Db, n.id);
    const batch = opts.batch ?? SEND_BATCH;
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
    const queued = await enqueueBroadcast(
      tx as unknown as Db,
      reachable.map((r) => ({
        to: { communeId: n.communeId, channel: r.channel as ChannelName, chatId: r.chat_id, userId: r.user_id },
        reply: noticeReply(n, now, info && { channel: r.channel, caps: capabilitiesOf(r.channel), info }),
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
    progress = { communeId: n.communeId, queued: reachable.map((r) => r.channel), held: held.map((r) => r.channel) };
    const done = recipients.length < batch;
    if (done)
      await tx
        .update(notices)
        .set({ status: 'sent', sentAt: sql`now()` })
        .where(eq(notices.id, n.id));
    // Web chat copies are stored as sent (the page pulls them): nothing to push.
    return { outboxIds: queued.filter((q) => !PULL_CHANNELS.has(q.channel)).map((q) => Number(q.id)), done };
  });
  if (progress) countProgress(progress);
  return pumped;
}

/** A committed batch in the broadcast metrics: copies for a pull channel are sent once stored. */
function countProgress(p: { communeId: number; queued: string[]; held: string[] }): void {
  for (const channel of p.queued) {
    noticeMetrics.recipients(channel, p.communeId, 'queued');
    if (PULL_CHANNELS.has(channel)) noticeMetrics.recipients(channel, p.communeId, 'sent');
  }
  for (const channel of p.held) noticeMetrics.recipients(channel, p.communeId, 'held');
}

/** How many of these outbox rows (a batch a pump queued) still wait to be sent. */
export async function pendingOf(db: Db, outboxIds: number[]): Promise<number> {
  if (!outboxIds.length) return 0;
  const rows = await countOutboxStatuses(db, sql`select unnest(${bigintArray(outboxIds)})`);
  return rows.filter((r) => r.status === 'pending').reduce((a, r) => a + r.n, 0);
}

/**
 * The payload mark of a held copy queued at reply priority, so the delivery worker counts its outcome in the
 * notice metrics as it does a broadcast row's (NOTICE_COPY in pipeline/outbox/delivery.ts; no column for it).
 */
type HeldCopy = OutboundReply & { [NOTICE_COPY]: true };

/**
 * The resident of a chat with held notices has written: queue them now, after
 * a line saying how many, in the transaction of their message. Returns how
 * many were released. Not counted again as queued (they were counted held):
 * their delivery counts them sent, undeliverable or failed.
 */
export async function releaseHeldNotices(
  db: Db,
  to: { communeId: number; channel: ChannelName; chatId: string; userId: string },
  capabilitiesOf: CapabilitiesOf = LINK_ONLY,
): Promise<number> {
  const held = await db
    .select({
      id: noticeDeliveries.id,
      noticeId: notices.id,
      title: notices.title,
      body: notices.body,
      link: notices.link,
      at: noticeDeliveries.heldAt,
    })
    .from(noticeDeliveries)
    .innerJoin(notices, eq(notices.id, noticeDeliveries.noticeId))
    // A resident who unsubscribed since is not sent what was held for them.
    .innerJoin(noticeSubscriptions, eq(noticeSubscriptions.id, noticeDeliveries.subscriptionId))
    .where(
      and(
        eq(noticeDeliveries.communeId, to.communeId),
        eq(noticeDeliveries.channel, to.channel),
        eq(noticeDeliveries.chatId, to.chatId),
        isNull(noticeDeliveries.outboundId),
        isNull(noticeSubscriptions.unsubscribedAt),
      ),
    )
    .orderBy(asc(noticeDeliveries.id))
    .limit(20);
  if (!held.length) return 0;
  await enqueueMessages(db, to, [{ text: `Anh/chị có ${held.length} thông báo mới của xã:` }]);
  for (const h of held) {
    const info = await attachmentInfo(db, h.noticeId);
    const caps = capabilitiesOf(to.channel);
    const reply: HeldCopy = {
      ...noticeReply(h, h.at ?? new Date(), info && { channel: to.channel, caps, info }),
      [NOTICE_COPY]: true,
    };
    const [id] = await enqueueMessages(db, to, [reply]);
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
