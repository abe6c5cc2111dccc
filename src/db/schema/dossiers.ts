import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/**
 * A dossier (hồ sơ) received by the commune's one-stop desk, mirrored from the
 * one-stop system. The bot never changes it; the integration API does.
 *
 * The applicant's phone number is not stored: only an HMAC of its last four
 * digits (keyed by a server secret and bound to the commune and code) and a
 * hint with the carrier prefix. See features/dossiers/phone.ts.
 */
export const dossiers = pgTable(
  'dossiers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    /** Receipt code `{agency id}-{yyMMdd}-{NNNN}`, upper case, e.g. 000.33.12.H56-260715-0007. */
    code: text('code').notNull(),
    /** National procedure code, e.g. 1.001193. */
    procedureCode: text('procedure_code').notNull(),
    /** Procedure name as sent by the one-stop system (optional; the catalog is asked otherwise). */
    procedureName: text('procedure_name'),
    /** truc_tiep | truc_tuyen | buu_chinh */
    channel: text('channel').notNull(),
    /** 1 Mới đăng ký … 10 Đã trả kết quả (see domain notes §4). */
    status: smallint('status').notNull(),
    /** When the current status was entered. */
    statusAt: timestamp('status_at', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    /** Ngày hẹn trả kết quả (promised return). */
    dueAt: timestamp('due_at', { withTimezone: true }),
    /** When processing finished (entered 9 Đã xử lý xong). */
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** When the result was handed over (entered 10 Đã trả kết quả). */
    returnedAt: timestamp('returned_at', { withTimezone: true }),
    /** Display name of the applicant (shown to a verified resident only in masked form). */
    applicantName: text('applicant_name').notNull(),
    /** HMAC-SHA256 (hex) of the last four digits of the applicant's phone; never the number itself. */
    phoneLast4Hmac: text('phone_last4_hmac').notNull(),
    /** Carrier prefix only, e.g. "091x xxx xxx": helps the resident recall which number, reveals none of the last four. */
    phoneHint: text('phone_hint').notNull(),
    /** Note of the current status: documents to add (5), fee (6), refusal or stop reason (3, 8), pickup note (9). */
    reason: text('reason'),
    /** Amount to pay in đồng when status is 6. */
    feeAmount: bigint('fee_amount', { mode: 'number' }),
    /** How the result is handed over: tai_quay | buu_chinh | truc_tuyen. */
    resultDelivery: text('result_delivery').notNull().default('tai_quay'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dossiers_code').on(t.communeId, t.code),
    index('dossiers_received').on(t.communeId, t.receivedAt),
    index('dossiers_finished')
      .on(t.communeId, t.finishedAt)
      .where(sql`finished_at is not null`),
    check('dossiers_status_range', sql`${t.status} between 1 and 10`),
    check('dossiers_channel', sql`${t.channel} in ('truc_tiep', 'truc_tuyen', 'buu_chinh')`),
  ],
);

/**
 * Status history. (dossier, status, at) is unique: the same event sent twice
 * is recorded once, which is what makes ingestion and notifications idempotent.
 */
export const dossierEvents = pgTable(
  'dossier_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    dossierId: bigint('dossier_id', { mode: 'number' })
      .notNull()
      .references(() => dossiers.id, { onDelete: 'cascade' }),
    status: smallint('status').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    note: text('note'),
    /** api | import */
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('dossier_events_unique').on(t.dossierId, t.status, t.at)],
);

/** A chat that asked to be told about every status change of a dossier ("Theo dõi hồ sơ"). */
export const dossierFollowers = pgTable(
  'dossier_followers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    dossierId: bigint('dossier_id', { mode: 'number' })
      .notNull()
      .references(() => dossiers.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    conversationId: bigint('conversation_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('dossier_followers_chat').on(t.dossierId, t.channel, t.chatId),
    index('dossier_followers_by_chat').on(t.communeId, t.channel, t.chatId),
  ],
);

/**
 * Every verification attempt (last four phone digits) by a resident for a
 * code. Counted to enforce the limits, so they hold across restarts and
 * processes. `code` is what the resident typed, whether or not it exists.
 */
export const dossierVerificationAttempts = pgTable(
  'dossier_verification_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    code: text('code').notNull(),
    channel: text('channel').notNull(),
    userId: text('user_id').notNull(),
    success: boolean('success').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('dossier_attempts_resident').on(t.communeId, t.channel, t.userId, t.at),
    index('dossier_attempts_code').on(t.communeId, t.code, t.at),
  ],
);
