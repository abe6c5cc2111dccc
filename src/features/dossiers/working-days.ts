/**
 * Working-day arithmetic for promised return dates. Pure: no clock, no I/O.
 *
 * Dates are local Vietnamese calendar dates ("YYYY-MM-DD", UTC+7, no DST).
 * The calendar is a small port so a holiday calendar (Tết, 30/4, 1/5, 2/9 …,
 * domain notes §7) can be plugged in later without touching callers.
 */

/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;

export interface WorkingCalendar {
  isWorkingDay(date: LocalDate): boolean;
}

/** Vietnam is UTC+7 all year. */
export const VN_OFFSET_MINUTES = 7 * 60;
const DAY_MS = 86_400_000;

export interface CalendarOptions {
  /** ISO weekdays that are working days (1 = Monday … 7 = Sunday). Default Monday–Friday. */
  workingWeekdays?: number[];
  /** Public holidays and bridge days off. */
  holidays?: Iterable<LocalDate>;
  /** Weekend days declared working days (make-up days when holidays are bridged). */
  extraWorkingDays?: Iterable<LocalDate>;
}

export function createCalendar(opts: CalendarOptions = {}): WorkingCalendar {
  const weekdays = new Set(opts.workingWeekdays ?? [1, 2, 3, 4, 5]);
  const holidays = new Set(opts.holidays ?? []);
  const extra = new Set(opts.extraWorkingDays ?? []);
  return {
    isWorkingDay(date) {
      if (extra.has(date)) return true;
      if (holidays.has(date)) return false;
      return weekdays.has(isoWeekday(date));
    },
  };
}

/** Monday–Friday, no holidays (the current rule; see README for plugging holidays in). */
export const weekdayCalendar: WorkingCalendar = createCalendar();

function dayNumber(date: LocalDate): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a local date: ${date}`);
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
}

function fromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  const d = new Date(dayNumber(date) * DAY_MS).getUTCDay();
  return d === 0 ? 7 : d;
}

/** The Vietnamese calendar date of an instant. */
export function localDate(instant: Date, offsetMinutes = VN_OFFSET_MINUTES): LocalDate {
  return new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** Midnight (local) of a local date, as an instant. */
export function startOfLocalDate(date: LocalDate, offsetMinutes = VN_OFFSET_MINUTES): Date {
  return new Date(dayNumber(date) * DAY_MS - offsetMinutes * 60_000);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Working days d with from < d ≤ to (negative when to < from). Friday → Monday is 1. */
export function workingDaysBetween(from: LocalDate, to: LocalDate, calendar: WorkingCalendar = weekdayCalendar): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === b) return 0;
  const [lo, hi, sign] = a < b ? [a, b, 1] : [b, a, -1];
  let n = 0;
  for (let d = lo + 1; d <= hi; d++) if (calendar.isWorkingDay(fromDayNumber(d))) n++;
  return sign * n;
}

/** The date `n` working days after `date` (n ≥ 0; n = 0 gives the date itself or the next working day). */
export function addWorkingDays(date: LocalDate, n: number, calendar: WorkingCalendar = weekdayCalendar): LocalDate {
  let d = dayNumber(date);
  if (n === 0) {
    while (!calendar.isWorkingDay(fromDayNumber(d))) d++;
    return fromDayNumber(d);
  }
  let left = n;
  while (left > 0) {
    d++;
    if (calendar.isWorkingDay(fromDayNumber(d))) left--;
  }
  return fromDayNumber(d);
}

/** The first working day on or after `date`. */
export function nextWorkingDayOnOrAfter(date: LocalDate, calendar: WorkingCalendar = weekdayCalendar): LocalDate {
  return addWorkingDays(date, 0, calendar);
}

/**
 * Whether a dossier is early, on time or late. Computed, never stored.
 * - finished: `early` when finished on a day before the promised day, `late`
 *   when finished after the promised instant, otherwise `on_time`;
 * - open: `overdue` once the promised instant passed, otherwise `due` with the
 *   working days left (0 = due today);
 * - `paused` while the resident must act (5 documents, 6 fee) or processing is
 *   stopped (8): the one-stop system sets a new date when it resumes;
 * - `none` when there is no promised date or the dossier ended without a result (3, 7).
 */
export type Timeliness =
  | { kind: 'early'; days: number }
  | { kind: 'on_time' }
  | { kind: 'late'; days: number }
  | { kind: 'due'; daysLeft: number }
  | { kind: 'overdue'; days: number }
  | { kind: 'paused' }
  | { kind: 'none' };

export interface TimelinessInput {
  status: number;
  dueAt: Date | null;
  finishedAt: Date | null;
  now: Date;
}

export function computeTimeliness(input: TimelinessInput, calendar: WorkingCalendar = weekdayCalendar): Timeliness {
  const { status, dueAt, finishedAt, now } = input;
  if (status === 3 || status === 7) return { kind: 'none' };
  if (finishedAt && (status === 9 || status === 10)) {
    if (!dueAt) return { kind: 'on_time' };
    return finishTimeliness(finishedAt, dueAt, calendar);
  }
  if (status === 5 || status === 6 || status === 8) return { kind: 'paused' };
  if (!dueAt) return { kind: 'none' };
  const today = localDate(now);
  const dueDay = localDate(dueAt);
  if (now.getTime() > dueAt.getTime()) {
    return { kind: 'overdue', days: Math.max(1, workingDaysBetween(dueDay, today, calendar)) };
  }
  return { kind: 'due', daysLeft: Math.max(0, workingDaysBetween(today, dueDay, calendar)) };
}

/** Early / on time / late for a finished dossier (the same rule the statistics use in SQL). */
export function finishTimeliness(
  finishedAt: Date,
  dueAt: Date,
  calendar: WorkingCalendar = weekdayCalendar,
): Extract<Timeliness, { kind: 'early' | 'on_time' | 'late' }> {
  const fDay = localDate(finishedAt);
  const dDay = localDate(dueAt);
  if (finishedAt.getTime() > dueAt.getTime()) {
    return { kind: 'late', days: Math.max(1, workingDaysBetween(dDay, fDay, calendar)) };
  }
  if (fDay < dDay) return { kind: 'early', days: Math.max(1, workingDaysBetween(fDay, dDay, calendar)) };
  return { kind: 'on_time' };
}
