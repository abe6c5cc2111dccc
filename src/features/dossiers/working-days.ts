/**
 * Working-day arithmetic for promised return dates. Pure: no clock, no I/O.
 *
 * Dates are local Vietnamese calendar dates ("YYYY-MM-DD", UTC+7, no DST).
 * Which days count comes from the working calendar (core/calendar.ts): the
 * weekdays with hours, minus Vietnam's public holidays and the days off staff
 * entered, plus make-up working days. Callers pass the commune's calendar
 * (features/calendar loads it); the default is the national one.
 */
import {
  createWorkCalendar,
  dayNumber,
  fromDayNumber,
  localDate,
  localInstant,
  localMinutes,
  minutesOf,
  SAME_DAY_CUTOFF,
  type LocalDate,
  type WorkCalendar,
  type WorkingCalendar,
} from '../../core/calendar.js';

export { addDays, isoWeekday, localDate, startOfLocalDate, VN_OFFSET_MINUTES } from '../../core/calendar.js';
export type { LocalDate, WorkingCalendar } from '../../core/calendar.js';

export interface CalendarOptions {
  /** ISO weekdays that are working days (1 = Monday … 7 = Sunday). Default Monday–Friday. */
  workingWeekdays?: number[];
  /** Public holidays and bridge days off. */
  holidays?: Iterable<LocalDate>;
  /** Weekend days declared working days (make-up days when holidays are bridged). */
  extraWorkingDays?: Iterable<LocalDate>;
}

/** A bare calendar from explicit lists (tests, benchmarks); no computed holidays. */
export function createCalendar(opts: CalendarOptions = {}): WorkingCalendar {
  const weekdays = new Set(opts.workingWeekdays ?? [1, 2, 3, 4, 5]);
  const holidays = new Set(opts.holidays ?? []);
  const extra = new Set(opts.extraWorkingDays ?? []);
  return {
    isWorkingDay(date) {
      if (extra.has(date)) return true;
      if (holidays.has(date)) return false;
      const d = new Date(dayNumber(date) * 86_400_000).getUTCDay();
      return weekdays.has(d === 0 ? 7 : d);
    },
  };
}

/** Monday–Friday without holidays (the arithmetic alone; tests of it). */
export const weekdayCalendar: WorkingCalendar = createCalendar();

/** Monday–Friday with Vietnam's public holidays computed for every year (no commune's entered days). */
export const nationalCalendar: WorkingCalendar = createWorkCalendar();

/** Working days d with from < d ≤ to (negative when to < from). Friday → Monday is 1. */
export function workingDaysBetween(from: LocalDate, to: LocalDate, calendar: WorkingCalendar = nationalCalendar): number {
  const a = dayNumber(from);
  const b = dayNumber(to);
  if (a === b) return 0;
  const [lo, hi, sign] = a < b ? [a, b, 1] : [b, a, -1];
  let n = 0;
  for (let d = lo + 1; d <= hi; d++) if (calendar.isWorkingDay(fromDayNumber(d))) n++;
  return sign * n;
}

/** A calendar that has no working day where one is needed (a commune's weekly hours left empty, say). */
export class NoWorkingDayError extends RangeError {
  constructor() {
    super('no working day within the horizon of the calendar');
  }
}

/**
 * The date `n` working days after `date` (n ≥ 0; n = 0 gives the date itself or the next working day).
 * Looks at most a year past a week per working day asked: a calendar without working days throws
 * NoWorkingDayError instead of looping for ever.
 */
export function addWorkingDays(date: LocalDate, n: number, calendar: WorkingCalendar = nationalCalendar): LocalDate {
  let d = dayNumber(date);
  const horizon = d + 7 * n + 366;
  if (n === 0) {
    while (!calendar.isWorkingDay(fromDayNumber(d))) if (++d > horizon) throw new NoWorkingDayError();
    return fromDayNumber(d);
  }
  let left = n;
  while (left > 0) {
    if (++d > horizon) throw new NoWorkingDayError();
    if (calendar.isWorkingDay(fromDayNumber(d))) left--;
  }
  return fromDayNumber(d);
}

/**
 * The working day a dossier received at `receivedAt` counts from: the same day
 * when it is a working day and the dossier came before the 15:00 cut-off
 * (hộ tịch, chứng thực: NĐ 23/2015 art. 7), otherwise the next working day.
 * A same-day procedure's result is due that day.
 */
export function receptionDay(
  receivedAt: Date,
  calendar: WorkingCalendar = nationalCalendar,
  cutoff = SAME_DAY_CUTOFF,
): LocalDate {
  const day = localDate(receivedAt);
  if (calendar.isWorkingDay(day) && localMinutes(receivedAt) < minutesOf(cutoff)) return day;
  return addWorkingDays(day, 1, calendar);
}

/** The promised day of a procedure taking `workingDays` (0 = same day), the cut-off applied. */
export function promisedDay(receivedAt: Date, workingDays: number, calendar: WorkingCalendar = nationalCalendar): LocalDate {
  return addWorkingDays(receptionDay(receivedAt, calendar), workingDays, calendar);
}

/** What a procedure states of its processing time on one submission channel (the catalog's `channels`). */
export interface StatedProcessingTime {
  channel: string;
  time?: { value: number; unit: string };
}

/**
 * The processing time in working days a procedure states for a submission
 * channel, when it states one clearly: every entry for that channel in
 * working days ("ngày làm việc", or a bare number) and all the same value.
 * Less than one day counts as the same day, a fraction above one as the next
 * whole day. Calendar days, hours, months, no time or entries that disagree
 * (one per case) give undefined: no date is made up.
 */
export function statedWorkingDays(channels: readonly StatedProcessingTime[], channel: string): number | undefined {
  const times = channels.filter((c) => c.channel === channel).map((c) => c.time);
  if (!times.length || times.some((t) => !t || t.unit !== 'ngày làm việc' || !(t.value >= 0))) return undefined;
  const values = new Set(times.map((t) => t!.value));
  if (values.size !== 1) return undefined;
  const [value] = values;
  // A stated time beyond a year is a typing mistake in a local procedure, not a promise to compute.
  if (value > MAX_STATED_WORKING_DAYS) return undefined;
  return value < 1 ? 0 : Math.ceil(value);
}

/** The longest processing time a procedure may state and still get a computed date (working days). */
const MAX_STATED_WORKING_DAYS = 365;

/**
 * The promised instant of a dossier received at `receivedAt` for a procedure
 * taking `workingDays`: the promised day (the 15:00 cut-off applied,
 * `promisedDay`) at the close of that day's counter hours in the commune's
 * calendar (17:00 when the day has none).
 */
export function promisedDueAt(receivedAt: Date, workingDays: number, calendar: WorkCalendar): Date {
  const day = promisedDay(receivedAt, workingDays, calendar);
  return localInstant(day, calendar.day(day).periods.at(-1)?.to ?? '17:00');
}

/** The first working day on or after `date`. */
export function nextWorkingDayOnOrAfter(date: LocalDate, calendar: WorkingCalendar = nationalCalendar): LocalDate {
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

export function computeTimeliness(input: TimelinessInput, calendar: WorkingCalendar = nationalCalendar): Timeliness {
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
  calendar: WorkingCalendar = nationalCalendar,
): Extract<Timeliness, { kind: 'early' | 'on_time' | 'late' }> {
  const fDay = localDate(finishedAt);
  const dDay = localDate(dueAt);
  if (finishedAt.getTime() > dueAt.getTime()) {
    return { kind: 'late', days: Math.max(1, workingDaysBetween(dDay, fDay, calendar)) };
  }
  if (fDay < dDay) return { kind: 'early', days: Math.max(1, workingDaysBetween(fDay, dDay, calendar)) };
  return { kind: 'on_time' };
}
