import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  serial,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/** A hamlet of a commune (ấp, thôn, khu phố, tổ dân phố), as staff list them; `position` orders the list. */
export const noticeHamlets = pgTable(
  'notice_hamlets',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    name: text('name').notNull(),
    position: integer('position').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('notice_hamlets_name').on(t.communeId, t.name)],
);

/**
 * A topic residents subscribe to. An urgent topic (storm warnings…) cannot be
 * dropped on its own: every subscriber receives it. The defaults are seeded
 * when a commune has none.
 */
export const noticeTopics = pgTable(
  'notice_topics',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    name: text('name').notNull(),
    urgent: boolean('urgent').notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('notice_topics_name').on(t.communeId, t.name)],
);

/**
 * One chat's subscription to a commune's notices: its hamlet (null: none
 * chosen, receives only notices for the whole commune) and topics. One row per
 * chat; unsubscribing sets `unsubscribed_at`, subscribing again clears it.
 */
export const noticeSubscriptions = pgTable(
  'notice_subscriptions',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    hamletId: integer('hamlet_id').references(() => noticeHamlets.id, { onDelete: 'set null' }),
    topicIds: integer('topic_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    subscribedAt: timestamp('subscribed_at', { withTimezone: true }).notNull().defaultNow(),
    unsubscribedAt: timestamp('unsubscribed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('notice_subscriptions_chat').on(t.communeId, t.channel, t.chatId),
    index('notice_subscriptions_active')
      .on(t.communeId, t.id)
      .where(sql`unsubscribed_at is null`),
  ],
);

/**
 * A notice staff compose. Empty `hamlet_ids` means every hamlet (and
 * subscribers without one); empty `topic_ids` every subscriber whatever their
 * topics. Status: draft -> scheduled -> sending -> sent, or cancelled before
 * sending starts. Where the commune requires approval, sending or scheduling
 * goes to awaiting_approval first; a leader or admin approves it (scheduled or
 * sending) or rejects it (rejected, with the reason).
 */
export const notices = pgTable(
  'notices',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    title: text('title').notNull(),
    body: text('body').notNull(),
    link: text('link'),
    hamletIds: integer('hamlet_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    topicIds: integer('topic_ids')
      .array()
      .notNull()
      .default(sql`'{}'::integer[]`),
    status: text('status').notNull().default('draft'),
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sendingAt: timestamp('sending_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /** Who approved or rejected it (an audit actor) and when; null where no approval was asked. */
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    rejectReason: text('reject_reason'),
  },
  (t) => [
    index('notices_commune').on(t.communeId, t.id),
    index('notices_due')
      .on(t.scheduledAt)
      .where(sql`status in ('scheduled', 'sending')`),
    check(
      'notices_status',
      sql`${t.status} in ('draft', 'awaiting_approval', 'scheduled', 'sending', 'sent', 'cancelled', 'rejected')`,
    ),
  ],
);

/**
 * The image or PDF of a notice, kept once per notice (not once per recipient):
 * the outbox rows of channels that take files carry it only until sent, and
 * the others link to `/notices/files/<token>` (served once the notice is sending).
 */
export const noticeAttachments = pgTable('notice_attachments', {
  noticeId: integer('notice_id')
    .primaryKey()
    .references(() => notices.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  name: text('name').notNull(),
  mimeType: text('mime_type').notNull(),
  size: integer('size').notNull(),
  contentBase64: text('content_base64').notNull(),
  /** Random, unguessable: names the file in its download address. */
  token: text('token').notNull().unique(),
  /** The absolute download address (PUBLIC_URL at upload), for platforms that get a link instead of the file. */
  url: text('url').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One notice to one subscriber: the idempotency key (notice, subscription) is
 * unique and is written in the same transaction as the outbox row, so a
 * restart in the middle of a send never queues anyone's notice twice.
 */
export const noticeDeliveries = pgTable(
  'notice_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    noticeId: integer('notice_id')
      .notNull()
      .references(() => notices.id),
    subscriptionId: integer('subscription_id')
      .notNull()
      .references(() => noticeSubscriptions.id),
    communeId: integer('commune_id').notNull(),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    /** The outbox row carrying it (its status is the delivery's); null while held. */
    outboundId: bigint('outbound_id', { mode: 'number' }),
    /**
     * Set when the resident was outside the platform's reply window (Zalo OA: 7
     * days without writing): the notice waits and is queued the next time they write.
     */
    heldAt: timestamp('held_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('notice_deliveries_key').on(t.noticeId, t.subscriptionId),
    index('notice_deliveries_chat').on(t.communeId, t.channel, t.chatId, t.id),
    index('notice_deliveries_held')
      .on(t.communeId, t.channel, t.chatId)
      .where(sql`outbound_id is null`),
  ],
);
