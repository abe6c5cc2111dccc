import { and, desc, eq, gte } from 'drizzle-orm';
import { workingMinutesBetween, type WorkCalendar } from '../../core/calendar.js';
import type { Db } from '../../db/client.js';
import { inquiries } from '../../db/schema/index.js';
import { communeCalendarOf } from '../calendar/index.js';
import { median } from './stats.js';

/** The recent past the estimate reads: answers to questions received in the last 30 days. */
export const TYPICAL_WAIT_WINDOW_DAYS = 30;
/** Fewer answered questions than this in the window: no estimate (the deadline sentence stays). */
export const TYPICAL_WAIT_MIN_ANSWERED = 5;
/** The most recent answers read; a commune answering more in a month is estimated from its latest ones. */
const MAX_ROWS = 500;
/** How long an estimate serves a commune before it is read again. */
const CACHE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/**
 * The median working minutes from arrival to the first answer of a commune's
 * questions received in the last 30 days (the statistics' measure, `stats.ts`),
 * or undefined with fewer than five answered. One indexed read of at most 500
 * rows, for "gặp cán bộ" replies only, kept 10 minutes per commune: chat
 * messages otherwise do no extra database work.
 */
export async function recentMedianWaitMinutes(
  db: Db,
  communeId: number,
  cal: WorkCalendar,
  now: Date,
): Promise<number | undefined> {
  const rows = await db
    .select({ createdAt: inquiries.createdAt, answeredAt: inquiries.answeredAt })
    .from(inquiries)
    .where(
      and(
        eq(inquiries.communeId, communeId),
        gte(inquiries.createdAt, new Date(now.getTime() - TYPICAL_WAIT_WINDOW_DAYS * DAY_MS)),
        eq(inquiries.status, 'answered'),
      ),
    )
    .orderBy(desc(inquiries.createdAt))
    .limit(MAX_ROWS);
  const waits = rows
    .flatMap((r) => (r.answeredAt ? [workingMinutesBetween(cal, r.createdAt, r.answeredAt)] : []))
    .sort((a, b) => a - b);
  if (waits.length < TYPICAL_WAIT_MIN_ANSWERED) return undefined;
  return median(waits) ?? undefined;
}

/** Estimates per commune object of the runtime's directory (one per database, as the calendar's memory). */
const recent = new WeakMap<object, { at: number; minutes: number | undefined }>();

/** The commune's typical wait for a chat reply: `recentMedianWaitMinutes` with a 10-minute memory. */
export async function typicalWaitMinutes(ctx: { db: Db; commune: { id: number }; now: Date }): Promise<number | undefined> {
  const hit = recent.get(ctx.commune);
  const t = Date.now();
  if (hit && t - hit.at < CACHE_MS) return hit.minutes;
  const cal = await communeCalendarOf(ctx);
  const minutes = await recentMedianWaitMinutes(ctx.db, ctx.commune.id, cal, ctx.now);
  recent.set(ctx.commune, { at: t, minutes });
  return minutes;
}

/** Forget the remembered estimates (tests that change the answered questions between two handovers). */
export function forgetTypicalWaits(commune: object): void {
  recent.delete(commune);
}
