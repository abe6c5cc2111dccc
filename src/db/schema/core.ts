import { sql } from 'drizzle-orm';
import {
  bigserial,
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ChannelName, StoredReply } from '../../core/types.js';

/** A commune (xã/phường): the tenant. Every commune-owned row references it. */
export const communes = pgTable('communes', {
  id: serial('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  province: text('province').notNull().default(''),
  address: text('address').notNull().default(''),
  phone: text('phone').notNull().default(''),
  /** Office hours text shown to residents, plus structured hours in settings. */
  hoursText: text('hours_text').notNull().default(''),
  /** Agency identifier used in dossier codes (e.g. 000.33.12.H56). */
  agencyCode: text('agency_code'),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  /** Notices an officer sends or schedules wait for a leader's or admin's approval (issue 17). */
  noticesRequireApproval: boolean('notices_require_approval').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One bot/OA account of a commune on a platform. Webhooks resolve the commune
 * through it. Secrets and rotating tokens live here (Zalo refresh tokens are
 * single-use, so they must survive restarts).
 */
export const channelAccounts = pgTable(
  'channel_accounts',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    channel: text('channel').notNull(),
    /** Platform account key: Telegram bot id, Zalo OA id, `default` for web. */
    accountKey: text('account_key').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull().default({}),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    tokenExpiresAt: timestamp('token_expires_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('channel_accounts_channel_key').on(t.channel, t.accountKey)],
);

/** A chat between one resident and the commune on one channel, with persisted flow state. */
export const conversations = pgTable(
  'conversations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    flow: text('flow'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    lastInboundAt: timestamp('last_inbound_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('conversations_chat').on(t.communeId, t.channel, t.chatId)],
);

/**
 * Every inbound message, recorded before the webhook is acknowledged. The
 * unique (commune, channel, external id) makes redelivery a no-op.
 */
export const inboundMessages = pgTable(
  'inbound_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    conversationId: bigint('conversation_id', { mode: 'number' })
      .notNull()
      .references(() => conversations.id),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    text: text('text'),
    action: text('action'),
    /** What processing needs beyond text and action: attachments, a shared contact, an event. Never the raw update. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    /** received -> processed | failed (fallback sent). */
    status: text('status').notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    requestId: text('request_id').notNull(),
    errorCode: text('error_code'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inbound_messages_external').on(t.communeId, t.channel, t.externalId),
    index('inbound_messages_pending')
      .on(t.conversationId, t.id)
      .where(sql`status = 'received'`),
  ],
);

/**
 * The outbox: replies are written here in the same transaction as the
 * handler's changes, then delivered (and retried) by the delivery worker.
 */
export const outboundMessages = pgTable(
  'outbound_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    channel: text('channel').$type<ChannelName>().notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    conversationId: bigint('conversation_id', { mode: 'number' }).references(() => conversations.id),
    inboundId: bigint('inbound_id', { mode: 'number' }),
    /** The neutral Reply (a delivered file keeps its name and type, not its content). */
    payload: jsonb('payload').$type<StoredReply>().notNull(),
    /** pending -> sent | undeliverable | failed (gave up). */
    status: text('status').notNull().default('pending'),
    /**
     * 0: replies and personal notifications; 1: broadcasts (notices). The worker
     * claims lower first, and a broadcast row never holds up a chat's replies.
     */
    priority: smallint('priority').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    /** Platform messages of this reply already delivered (a long reply is several); a retry resumes after them. */
    partsSent: integer('parts_sent').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** Claim lease: a worker that dies mid-send lets another retry after it expires. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /**
     * When the worker began handing a notice copy to the platform (replies never set it). A copy found claimed
     * again with this set was in flight when its process died: the platform may have it, so it is not sent again.
     */
    sendStartedAt: timestamp('send_started_at', { withTimezone: true }),
    /**
     * A notice copy found in flight from a dead process: counted as sent (the platform most likely has it) but
     * never confirmed, and not sent again unless staff reopen it. Only ever on a sent row.
     */
    unconfirmed: boolean('unconfirmed').notNull().default(false),
    lastError: text('last_error'),
    platformMessageIds: jsonb('platform_message_ids').$type<string[]>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('outbound_messages_due')
      .on(t.nextAttemptAt)
      .where(sql`status = 'pending'`),
    index('outbound_messages_chat').on(t.communeId, t.channel, t.chatId, t.id),
    // "Is anything of this chat still waiting?" (per-chat order) without walking the chat's history
    // or every pending row of the outbox.
    index('outbound_messages_chat_pending')
      .on(t.communeId, t.channel, t.chatId, t.id)
      .where(sql`status = 'pending'`),
    check('outbound_messages_unconfirmed_sent', sql`not ${t.unconfirmed} or ${t.status} = 'sent'`),
  ],
);

/** Append-only audit trail: every disclosure of personal data and every staff action. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id').references(() => communes.id),
    /** `resident:<channel>:<userId>`, `staff:<id>`, `integration`, `admin`. */
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    subject: text('subject'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_commune_at').on(t.communeId, t.at)],
);

/** Installation-wide settings, e.g. a generated data secret when DATA_SECRET is not configured. */
export const appSettings = pgTable('app_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
