import { bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { communes } from './core.js';

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
  },
  (t) => [uniqueIndex('inquiries_code').on(t.communeId, t.code), index('inquiries_open').on(t.communeId, t.status, t.createdAt)],
);
