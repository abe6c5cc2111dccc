import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  pgTable,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { communes } from './core.js';
import { staffAccounts } from './staff.js';

/** A question a resident left for staff ("gặp cán bộ"), answered later. */
export const inquiries = pgTable(
  'inquiries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    /** Short code the resident can quote, e.g. HD-7K2Q. */
    code: text('code').notNull(),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    question: text('question').notNull(),
    /** open -> answered | closed */
    status: text('status').notNull().default('open'),
    answer: text('answer'),
    answeredBy: text('answered_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    /** The colleague it is assigned to (console), if any. */
    assignedTo: integer('assigned_to').references(() => staffAccounts.id),
    /** Closed without an answer sent (duplicate, resolved by phone…). */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** The asking chat's rating of the answer, 1–5; one per question, set once. */
    rating: smallint('rating'),
    /** The optional short comment given with the rating. */
    ratingComment: text('rating_comment'),
    ratedAt: timestamp('rated_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('inquiries_code').on(t.communeId, t.code),
    index('inquiries_open').on(t.communeId, t.status, t.createdAt),
    // Monthly statistics read a commune's questions by the time they came.
    index('inquiries_created').on(t.communeId, t.createdAt),
    check('inquiries_rating_range', sql`${t.rating} is null or ${t.rating} between 1 and 5`),
  ],
);

/** An internal note on a question: staff only, never sent to the resident. */
export const inquiryNotes = pgTable(
  'inquiry_notes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    inquiryId: bigint('inquiry_id', { mode: 'number' })
      .notNull()
      .references(() => inquiries.id),
    staffId: integer('staff_id').references(() => staffAccounts.id),
    text: text('text').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('inquiry_notes_inquiry').on(t.inquiryId)],
);

/** A saved answer staff reuse ("Mẫu trả lời"), per commune. */
export const replyTemplates = pgTable('reply_templates', {
  id: serial('id').primaryKey(),
  communeId: integer('commune_id')
    .notNull()
    .references(() => communes.id),
  title: text('title').notNull(),
  text: text('text').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
