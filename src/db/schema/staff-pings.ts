import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { communes } from './core.js';
import { staffAccounts } from './staff.js';

/**
 * A staff member's own chat with the commune's bot, where the bot tells them
 * a question waits in the inbox. Linked with a one-time code the console shows
 * (only its SHA-256 is kept, for 10 minutes) and the staff member sends to the
 * bot as `/lienket <code>`.
 */
export const staffPingLinks = pgTable('staff_ping_links', {
  staffId: integer('staff_id')
    .primaryKey()
    .references(() => staffAccounts.id, { onDelete: 'cascade' }),
  communeId: integer('commune_id')
    .notNull()
    .references(() => communes.id),
  codeHash: text('code_hash'),
  codeExpiresAt: timestamp('code_expires_at', { withTimezone: true }),
  /** The linked chat (null until the code is used). */
  channel: text('channel'),
  chatId: text('chat_id'),
  userId: text('user_id'),
  linkedAt: timestamp('linked_at', { withTimezone: true }),
  /** The last ping: questions that arrived after it (or after linking) are the next ping's news. */
  lastPingedAt: timestamp('last_pinged_at', { withTimezone: true }),
});
