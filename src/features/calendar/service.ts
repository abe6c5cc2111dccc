import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import {
  createWorkCalendar,
  DAY_KINDS,
  DEFAULT_WEEKLY_HOURS,
  isLocalDate,
  weeklyHoursProblem,
  type DayKind,
  type LocalDate,
  type WeeklyHours,
  type WorkCalendar,
} from '../../core/calendar.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { calendarDays, communeWorkingHours } from '../../db/schema/index.js';

/** A day entered by staff, as stored. `communeId` null applies to every commune of the installation. */
export interface EnteredDay {
  id: number;
  communeId: number | null;
  date: LocalDate;
  kind: DayKind;
  name: string;
}

/** A refused calendar edit; the message is Vietnamese, for staff. */
export class CalendarInputError extends Error {}

/** The days entered for a commune and for every commune, installation-wide ones first. */
export async function listEnteredDays(db: Db, communeId: number, year?: number): Promise<EnteredDay[]> {
  const scope = or(eq(calendarDays.communeId, communeId), isNull(calendarDays.communeId));
  const rows = await db
    .select({
      id: calendarDays.id,
      communeId: calendarDays.communeId,
      date: calendarDays.day,
      kind: calendarDays.kind,
      name: calendarDays.name,
    })
    .from(calendarDays)
    .where(
      year === undefined
        ? scope
        : and(scope, sql`${calendarDays.day} between ${`${year}-01-01`}::date and ${`${year}-12-31`}::date`),
    )
    .orderBy(sql`${calendarDays.communeId} nulls first`, asc(calendarDays.day));
  return rows.map((r) => ({ ...r, kind: r.kind as DayKind }));
}

/** The commune's weekly hours, or the default when staff never set them. */
export async function loadWeeklyHours(db: Db, communeId: number): Promise<{ weekly: WeeklyHours; custom: boolean }> {
  const [row] = await db
    .select({ weekly: communeWorkingHours.weekly })
    .from(communeWorkingHours)
    .where(eq(communeWorkingHours.communeId, communeId));
  return row && !weeklyHoursProblem(row.weekly)
    ? { weekly: row.weekly, custom: true }
    : { weekly: DEFAULT_WEEKLY_HOURS, custom: false };
}

/**
 * The commune's working calendar as it stands now: its weekly hours, the
 * computed holidays, the days entered for every commune and its own (which
 * win). Read on every use, so a change in the console counts at once,
 * in every process.
 */
export async function loadCommuneCalendar(db: Db, communeId: number): Promise<WorkCalendar> {
  const [{ weekly }, entered] = [await loadWeeklyHours(db, communeId), await listEnteredDays(db, communeId)];
  return createWorkCalendar({ weekly, entered });
}

/**
 * Calendars read recently for the chat, one per commune object of the
 * runtime's commune directory (so one per database: a second runtime in the
 * process never sees another's). An entry serves for 30 s, or until a
 * calendar edit of this process; another instance of the server sees an
 * edit within those 30 s.
 */
const recentCalendars = new WeakMap<object, { at: number; generation: number; cal: WorkCalendar }>();
let calendarGeneration = 0;
const RECENT_MS = 30_000;

/** Runs a calendar edit and makes this process's recent calendars stale (after it, so no read in between keeps the old one). */
async function edit<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } finally {
    calendarGeneration++;
  }
}

/** The commune's calendar for a chat message: `loadCommuneCalendar` with a short memory (the hot path). */
export async function communeCalendarOf(ctx: { db: Db; commune: { id: number } }): Promise<WorkCalendar> {
  const hit = recentCalendars.get(ctx.commune);
  const t = Date.now();
  if (hit && hit.generation === calendarGeneration && t - hit.at < RECENT_MS) return hit.cal;
  const cal = await loadCommuneCalendar(ctx.db, ctx.commune.id);
  recentCalendars.set(ctx.commune, { at: t, generation: calendarGeneration, cal });
  return cal;
}

export interface AddDayInput {
  /** Null: every commune of the installation (province administrators only). */
  communeId: number | null;
  date: string;
  kind: string;
  name: string;
  actor: string;
  /** The commune the audit entry is filed under. */
  auditCommuneId: number;
}

/** Enter a day from the government's announcement; one entry per commune (or installation) and date. */
async function addEnteredDayNow(db: Db, input: AddDayInput): Promise<EnteredDay> {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (!isLocalDate(input.date)) throw new CalendarInputError('Ngày không hợp lệ (dạng YYYY-MM-DD, ví dụ 2027-02-10).');
  const year = Number(input.date.slice(0, 4));
  if (year < 2000 || year > 2100) throw new CalendarInputError('Năm phải trong khoảng 2000–2100.');
  if (!DAY_KINDS.includes(input.kind as DayKind)) throw new CalendarInputError('Loại ngày không hợp lệ.');
  if (name.length < 2 || name.length > 120) throw new CalendarInputError('Tên ngày cần từ 2 đến 120 ký tự.');
  const [row] = await db
    .insert(calendarDays)
    .values({ communeId: input.communeId, day: input.date, kind: input.kind, name, createdBy: input.actor })
    .onConflictDoNothing()
    .returning({ id: calendarDays.id });
  if (!row) throw new CalendarInputError('Ngày này đã được nhập; xóa mục cũ trước khi nhập lại.');
  await writeAudit(db, {
    communeId: input.auditCommuneId,
    actor: input.actor,
    action: 'calendar.day_added',
    subject: input.date,
    details: { kind: input.kind, name, scope: input.communeId === null ? 'all' : 'commune' },
  });
  return { id: row.id, communeId: input.communeId, date: input.date, kind: input.kind as DayKind, name };
}

/**
 * Remove an entered day. Staff of a commune remove only their commune's
 * entries; `mayEditShared` (province administrators) also the installation-wide ones.
 */
async function removeEnteredDayNow(
  db: Db,
  input: { id: number; communeId: number; mayEditShared: boolean; actor: string },
): Promise<EnteredDay | undefined> {
  const scope = input.mayEditShared
    ? or(eq(calendarDays.communeId, input.communeId), isNull(calendarDays.communeId))
    : eq(calendarDays.communeId, input.communeId);
  const [row] = await db
    .delete(calendarDays)
    .where(and(eq(calendarDays.id, input.id), scope))
    .returning({
      id: calendarDays.id,
      communeId: calendarDays.communeId,
      date: calendarDays.day,
      kind: calendarDays.kind,
      name: calendarDays.name,
    });
  if (!row) return undefined;
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'calendar.day_removed',
    subject: row.date,
    details: { kind: row.kind, name: row.name, scope: row.communeId === null ? 'all' : 'commune' },
  });
  return { ...row, kind: row.kind as DayKind };
}

/** Set the commune's weekly hours (validated); audited with the old and new schedule. */
async function setWeeklyHoursNow(db: Db, input: { communeId: number; weekly: WeeklyHours; actor: string }): Promise<void> {
  const problem = weeklyHoursProblem(input.weekly);
  if (problem) throw new CalendarInputError(`Chưa lưu: ${problem}.`);
  const before = await loadWeeklyHours(db, input.communeId);
  await db
    .insert(communeWorkingHours)
    .values({ communeId: input.communeId, weekly: input.weekly, updatedBy: input.actor })
    .onConflictDoUpdate({
      target: communeWorkingHours.communeId,
      set: { weekly: input.weekly, updatedBy: input.actor, updatedAt: new Date() },
    });
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'calendar.hours_changed',
    subject: 'weekly',
    details: { before: before.weekly, after: input.weekly },
  });
}

/** Enter a holiday, make-up working day or day off (staff, from the yearly announcement). */
export const addEnteredDay = (db: Db, input: AddDayInput) => edit(addEnteredDayNow(db, input));
/** Remove an entered day (an installation-wide one only with `mayEditShared`). */
export const removeEnteredDay = (db: Db, input: Parameters<typeof removeEnteredDayNow>[1]) =>
  edit(removeEnteredDayNow(db, input));
/** Set the commune's weekly counter hours. */
export const setWeeklyHours = (db: Db, input: Parameters<typeof setWeeklyHoursNow>[1]) => edit(setWeeklyHoursNow(db, input));
