import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/**
 * A civil-status registration the commune holds (birth, marriage, death), as
 * entered in its register book. `persons` carries what an extract prints about
 * each person (names, dates, personal identification numbers where the register
 * has them); `facts` the event's own fields (place of birth, cause of death…).
 * `folded_names` (lower case, no diacritics) is what a request is matched on.
 */
export const civilRecords = pgTable(
  'civil_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    /** birth | marriage | death */
    kind: text('kind').notNull(),
    /** Quyển số (register book), e.g. "01/2024". */
    book: text('book').notNull(),
    /** Số (entry number in the book). */
    number: text('number').notNull(),
    registeredOn: date('registered_on').notNull(),
    /** Registering authority, e.g. "UBND xã Thử". */
    authority: text('authority').notNull(),
    /** Date of birth (birth), of the marriage registration (marriage), of death (death). */
    eventDate: date('event_date').notNull(),
    /** The people printed on an extract: [{ role, fullName, birthDate?, idNumber?, … }]. */
    persons: jsonb('persons').$type<Record<string, string>[]>().notNull(),
    /** The event's printed fields by name (placeOfBirth, placeOfDeath, cause…). */
    facts: jsonb('facts').$type<Record<string, string>>().notNull().default({}),
    foldedNames: text('folded_names').array().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('civil_records_entry').on(t.communeId, t.kind, t.book, t.number),
    index('civil_records_event').on(t.communeId, t.kind, t.eventDate),
    check('civil_records_kind', sql`${t.kind} in ('birth', 'marriage', 'death')`),
  ],
);

/**
 * A resident's request for a copy of an extract (bản sao trích lục). It names
 * the record as the resident describes it; staff find the registration and
 * decide. The requester's identity number and phone are personal data: kept
 * only as long as the request needs them (see the feature's retention note).
 */
export const civilRecordRequests = pgTable(
  'civil_record_requests',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    /** `BS-` and six unguessable characters, unique per commune. */
    code: text('code').notNull(),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    kind: text('kind').notNull(),
    /** The person the record is about, as the resident wrote it. */
    subjectName: text('subject_name').notNull(),
    subjectDate: date('subject_date').notNull(),
    registerNumber: text('register_number'),
    /** self | guardian | authorised | relative | agency */
    relationship: text('relationship').notNull(),
    requesterIdNumber: text('requester_id_number'),
    phone: text('phone'),
    phoneVerified: boolean('phone_verified').notNull().default(false),
    copies: smallint('copies').notNull(),
    /** chat | counter | post */
    deliveryMode: text('delivery_mode').notNull(),
    postAddress: text('post_address'),
    feeAmount: integer('fee_amount').notNull(),
    /** When the resident consented to the processing of their personal data (Law 91/2025/QH15). */
    consentAt: timestamp('consent_at', { withTimezone: true }).notNull(),
    /** pending -> approved -> delivered | rejected | cancelled */
    status: text('status').notNull().default('pending'),
    /** The rejection reason the resident receives. */
    reason: text('reason'),
    /** The registration staff matched when approving. */
    recordId: bigint('record_id', { mode: 'number' }).references(() => civilRecords.id),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('civil_record_requests_code').on(t.communeId, t.code),
    index('civil_record_requests_queue').on(t.communeId, t.status, t.createdAt),
    check('civil_record_requests_status', sql`${t.status} in ('pending', 'approved', 'rejected', 'delivered', 'cancelled')`),
    check('civil_record_requests_kind', sql`${t.kind} in ('birth', 'marriage', 'death')`),
    check(
      'civil_record_requests_relationship',
      sql`${t.relationship} in ('self', 'guardian', 'authorised', 'relative', 'agency')`,
    ),
    check('civil_record_requests_delivery', sql`${t.deliveryMode} in ('chat', 'counter', 'post')`),
    check('civil_record_requests_copies', sql`${t.copies} between 1 and 10`),
  ],
);

/**
 * The copy produced for an approved request: the PDF (base64) and what it
 * prints, which `/verify/<token>` shows. Only the verify token's SHA-256 is
 * kept; revoking the copy makes the QR code show nothing.
 */
export const civilRecordCopies = pgTable(
  'civil_record_copies',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    requestId: bigint('request_id', { mode: 'number' })
      .notNull()
      .references(() => civilRecordRequests.id),
    /** generated | uploaded (the officially signed PDF from the national civil-status software) */
    source: text('source').notNull().default('generated'),
    pdfBase64: text('pdf_base64').notNull(),
    /** Exactly what the copy prints: title, lines, commune, date. */
    printed: jsonb('printed').$type<{ title: string; lines: [string, string][]; commune: string; issuedOn: string }>().notNull(),
    verifyTokenHash: text('verify_token_hash').notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('civil_record_copies_verify').on(t.verifyTokenHash), index('civil_record_copies_request').on(t.requestId)],
);

/** A one-time, expiring download link for a copy (web chat and channels that carry no files). SHA-256 of the token only. */
export const civilRecordDownloads = pgTable(
  'civil_record_downloads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    copyId: bigint('copy_id', { mode: 'number' })
      .notNull()
      .references(() => civilRecordCopies.id),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('civil_record_downloads_token').on(t.tokenHash)],
);

/**
 * Evidence a resident attached to a copy request in the chat (an authorisation
 * letter, proof of kinship, an agency's official letter): an image or a PDF,
 * kept as the platform's reference (Telegram file_id, Zalo attachment URL) or,
 * for a web chat upload, the name of the file the upload route stored. Erased
 * (deleted) with the request's personal data (CIVIL_RECORD_RETENTION_DAYS).
 */
export const civilRecordRequestAttachments = pgTable(
  'civil_record_request_attachments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: bigint('request_id', { mode: 'number' })
      .notNull()
      .references(() => civilRecordRequests.id, { onDelete: 'cascade' }),
    channel: text('channel').notNull(),
    /** image | pdf */
    kind: text('kind').notNull(),
    mimeType: text('mime_type').notNull(),
    /** The platform's file id, or with `stored` the stored file's name. */
    fileId: text('file_id'),
    url: text('url'),
    stored: boolean('stored').notNull().default(false),
    /** The file name the resident's app gave, if any. */
    name: text('name'),
    size: integer('size'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('civil_record_request_attachments_request').on(t.requestId),
    check('civil_record_request_attachments_kind', sql`${t.kind} in ('image', 'pdf')`),
  ],
);
