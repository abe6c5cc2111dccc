import { date, integer, jsonb, pgTable, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { communes } from './core.js';

/**
 * A day staff enter from the government's yearly announcement: the exact Tết
 * break, a substitute day off, a make-up working day (`kind` is `holiday`,
 * `day_off` or `makeup_workday`). A null commune applies to every commune of
 * the installation; a commune's own row for the same date wins over it.
 */
export const calendarDays = pgTable(
  'calendar_days',
  {
    id: serial('id').primaryKey(),
    communeId: integer('commune_id').references(() => communes.id),
    day: date('day', { mode: 'string' }).notNull(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('calendar_days_commune_day').on(t.communeId, t.day).nullsNotDistinct()],
);

/**
 * A commune's weekly counter hours: `weekly[0..6]` (Sunday first) lists the
 * day's open periods as `{ from: 'HH:MM', to: 'HH:MM' }`, local time. No row
 * means the default (Monday–Friday 7:30–11:30 and 13:30–17:00).
 */
export const communeWorkingHours = pgTable('commune_working_hours', {
  communeId: integer('commune_id')
    .primaryKey()
    .references(() => communes.id),
  weekly: jsonb('weekly').$type<{ from: string; to: string }[][]>().notNull(),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
