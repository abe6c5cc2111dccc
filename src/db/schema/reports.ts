import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { communes } from './core.js';
import { noticeHamlets } from './notices.js';
import { staffAccounts } from './staff.js';

/**
 * A photo a resident attached to a report. It arrives as the platform's own
 * reference (Telegram file_id, Zalo URL) in state `pending`; the photo worker
 * downloads it, re-encodes it without metadata and stores it under the photo
 * directory (`stored`: `file`, `type`, `size`, `storedAt`; the reference is
 * dropped). A download that keeps failing ends `failed` with the reference
 * kept; retention leaves only `erased` and the time. A web chat upload is
 * stored on arrival. Entries without `state` predate stored photos
 * (references only).
 */
export interface ReportPhoto {
  channel: string;
  fileId?: string;
  url?: string;
  state?: 'pending' | 'stored' | 'failed' | 'erased';
  /** The stored file's random name (no path). */
  file?: string;
  /** The stored file's media type (image/jpeg, image/png, image/webp). */
  type?: string;
  /** The stored file's size in bytes. */
  size?: number;
  storedAt?: string;
  /** Download attempts so far, and when the next may run (pending). */
  attempts?: number;
  nextAttemptAt?: string;
  /** Why the download gave up (an error code, never the resident's data). */
  error?: string;
  erasedAt?: string;
}

/**
 * A resident's report of a local problem (phản ánh, kiến nghị): a street
 * light out, flooding, rubbish… with a description, where it is (a shared
 * location, a typed address, or neither) and photos. Staff move it from
 * `received` to `in_progress` and `done`, or say it is `not_ours` and where
 * to go instead; a duplicate is `merged` into another report, whose status
 * changes reach its reporters too.
 */
export const reports = pgTable(
  'reports',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    communeId: integer('commune_id')
      .notNull()
      .references(() => communes.id),
    /** `PA-` and six unguessable characters, unique per commune. */
    code: text('code').notNull(),
    channel: text('channel').notNull(),
    chatId: text('chat_id').notNull(),
    userId: text('user_id').notNull(),
    /** streetlight | flooding | rubbish | road | noise | order | other */
    category: text('category').notNull(),
    description: text('description').notNull(),
    /** The address or landmark the resident typed. */
    address: text('address'),
    /** The hamlet (ấp, thôn, tổ dân phố) the resident picked from staff's list; null when none (or since deleted). */
    hamletId: integer('hamlet_id').references(() => noticeHamlets.id, { onDelete: 'set null' }),
    latitude: doublePrecision('latitude'),
    longitude: doublePrecision('longitude'),
    photos: jsonb('photos').$type<ReportPhoto[]>().notNull().default([]),
    /** received -> in_progress -> done | not_ours; merged (a duplicate of `merged_into`) */
    status: text('status').notNull().default('received'),
    /** What staff told the reporters with the last status change. */
    note: text('note'),
    /** For not_ours: where the resident should go instead. */
    referral: text('referral'),
    assignedTo: integer('assigned_to').references(() => staffAccounts.id),
    mergedInto: bigint('merged_into', { mode: 'number' }).references((): AnyPgColumn => reports.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reports_code').on(t.communeId, t.code),
    index('reports_queue').on(t.communeId, t.status, t.id),
    index('reports_chat').on(t.communeId, t.channel, t.chatId, t.status),
    index('reports_merged_into').on(t.mergedInto),
    index('reports_hamlet').on(t.communeId, t.hamletId, t.id),
    check('reports_status', sql`${t.status} in ('received', 'in_progress', 'done', 'not_ours', 'merged')`),
    check('reports_category', sql`${t.category} in ('streetlight', 'flooding', 'rubbish', 'road', 'noise', 'order', 'other')`),
    check('reports_latitude', sql`${t.latitude} is null or ${t.latitude} between -90 and 90`),
    check('reports_longitude', sql`${t.longitude} is null or ${t.longitude} between -180 and 180`),
    check('reports_merged', sql`(${t.status} = 'merged') = (${t.mergedInto} is not null)`),
  ],
);
