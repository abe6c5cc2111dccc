import { closurePhraseVi, closureReason, computedHolidays } from './holidays.js';
import {
  addDays,
  dayNumber,
  isTimeOfDay,
  localDate,
  localInstant,
  localMinutes,
  MINUTE_MS,
  minutesOf,
  pad2,
  weekdayOf,
  type LocalDate,
} from './local-date.js';

// Local dates (local-date.ts) and the computed public holidays (holidays.ts) are part of the calendar's surface.
export * from './holidays.js';
export * from './local-date.js';

/**
 * The working calendar: Vietnam's public holidays computed for any year, the
 * days staff enter from the government's yearly announcement, and a commune's
 * weekly counter hours. Pure: no clock, no I/O; every feature that counts
 * time (dossier due dates, the inquiry handover, the calendar API) asks it.
 *
 * Dates are local Vietnamese calendar dates ("YYYY-MM-DD", UTC+7, no DST).
 */

/** What a day of the calendar is, besides an ordinary day of the weekly hours. */
export type DayKind = 'holiday' | 'makeup_workday' | 'day_off';
export const DAY_KINDS: readonly DayKind[] = ['holiday', 'day_off', 'makeup_workday'];

/** A day that differs from the weekly hours: a public holiday, a day off, a make-up working day. */
export interface CalendarDay {
  date: LocalDate;
  kind: DayKind;
  name: string;
  /** `computed` from the Labour Code; `entered` by staff from the government's announcement. */
  source: 'computed' | 'entered';
}

/** One open period of a day, local time "HH:MM" (from < to). */
export interface OpenPeriod {
  from: string;
  to: string;
}

/** Open periods per weekday, index 0 = Sunday … 6 = Saturday. */
export type WeeklyHours = OpenPeriod[][];

const MORNING: OpenPeriod = { from: '07:30', to: '11:30' };
const AFTERNOON: OpenPeriod = { from: '13:30', to: '17:00' };

/** Monday–Friday 7:30–11:30 and 13:30–17:00 (the common pattern; each province sets its own). */
export const DEFAULT_WEEKLY_HOURS: WeeklyHours = [
  [],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [MORNING, AFTERNOON],
  [],
];

/** The 15:00 cut-off: hộ tịch and chứng thực dossiers received later count from the next working day (NĐ 23/2015 art. 7). */
export const SAME_DAY_CUTOFF = '15:00';

// ---------------------------------------------------------------------------
// A commune's calendar

/** The working-day port the dossier arithmetic needs. */
export interface WorkingCalendar {
  /** A day deadlines count: Monday–Friday with hours, or a make-up day; never a holiday or day off. */
  isWorkingDay(date: LocalDate): boolean;
}

/** One day as the calendar sees it. */
export interface DayInfo {
  date: LocalDate;
  /** Set when the day is a holiday, a day off or a make-up working day. */
  special?: CalendarDay;
  /** Counts for deadlines. */
  working: boolean;
  /** When the counter is open that day (empty when closed). */
  periods: OpenPeriod[];
}

/** Whether the counter is open at an instant, and if not, when and why it is closed. */
export type Availability =
  | { open: true; at: Date; closesAt: Date }
  | {
      open: false;
      at: Date;
      opensAt: Date;
      /** Why: a holiday run (its name and last closed day), a weekend, the lunch break, the evening. */
      reason: 'holiday' | 'weekend' | 'break' | 'after_hours' | 'before_hours';
      /**
       * For `holiday`: the first holiday's name ("Tết Nguyên đán"), the last closed
       * day, and the closure in words ("nghỉ lễ Chiến thắng và Quốc tế Lao động").
       */
      holiday?: { name: string; until: LocalDate; phrase: string };
    };

export interface WorkCalendar extends WorkingCalendar {
  weekly: WeeklyHours;
  day(date: LocalDate): DayInfo;
  /** The year's holidays, days off and make-up days, computed and entered, by date. */
  daysOfYear(year: number): CalendarDay[];
  availability(at: Date): Availability;
}

export interface WorkCalendarOptions {
  weekly?: WeeklyHours;
  /** Days entered by staff; a later entry for the same date wins (commune after installation-wide). */
  entered?: Iterable<Omit<CalendarDay, 'source'>>;
}

/** How far ahead the calendar looks for the next opening (a schedule with no hours at all has none). */
const HORIZON_DAYS = 400;

/** Each year's computed holidays, shared by every calendar of the process (pure: they depend on the year alone). */
const computedByYear = new Map<number, Map<LocalDate, CalendarDay>>();
function computedOf(year: number): Map<LocalDate, CalendarDay> {
  let m = computedByYear.get(year);
  if (!m) {
    m = new Map(computedHolidays(year).map((d) => [d.date, Object.freeze(d)]));
    computedByYear.set(year, m);
  }
  return m;
}

export function createWorkCalendar(opts: WorkCalendarOptions = {}): WorkCalendar {
  const weekly = opts.weekly ?? DEFAULT_WEEKLY_HOURS;
  const entered = new Map<LocalDate, CalendarDay>();
  for (const d of opts.entered ?? []) entered.set(d.date, { date: d.date, kind: d.kind, name: d.name, source: 'entered' });
  // A make-up day keeps the hours of an ordinary weekday.
  const workdayPeriods = [1, 2, 3, 4, 5].map((wd) => weekly[wd] ?? []).find((p) => p.length > 0) ?? [MORNING, AFTERNOON];

  function special(date: LocalDate): CalendarDay | undefined {
    return entered.get(date) ?? computedOf(Number(date.slice(0, 4))).get(date);
  }

  function day(date: LocalDate): DayInfo {
    const s = special(date);
    const wd = weekdayOf(date);
    if (s?.kind === 'makeup_workday') return { date, special: s, working: true, periods: workdayPeriods };
    if (s) return { date, special: s, working: false, periods: [] };
    const periods = weekly[wd] ?? [];
    return { date, working: wd >= 1 && wd <= 5 && periods.length > 0, periods };
  }

  function daysOfYear(year: number): CalendarDay[] {
    const merged = new Map(computedOf(year));
    for (const [date, d] of entered) if (date.startsWith(`${year}-`)) merged.set(date, d);
    return [...merged.values()].sort((a, b) => a.date.localeCompare(b.date));
  }

  function availability(at: Date): Availability {
    const today = localDate(at);
    const now = localMinutes(at);
    const first = day(today);
    for (const p of first.periods) {
      if (now >= minutesOf(p.from) && now < minutesOf(p.to)) return { open: true, at, closesAt: localInstant(today, p.to) };
    }
    let opening: { date: LocalDate; from: string } | undefined;
    const later = first.periods.find((p) => minutesOf(p.from) > now);
    if (later) opening = { date: today, from: later.from };
    for (let i = 1; !opening && i <= HORIZON_DAYS; i++) {
      const d = day(addDays(today, i));
      if (d.periods.length > 0) opening = { date: d.date, from: d.periods[0].from };
    }
    if (!opening) throw new RangeError('the weekly hours have no open period');
    const opensAt = localInstant(opening.date, opening.from);
    if (opening.date === today) {
      const before = first.periods.every((p) => minutesOf(p.from) > now);
      return { open: false, at, opensAt, reason: before ? 'before_hours' : 'break' };
    }
    // The closed days between now and the opening: a holiday among them names the closure.
    const start = first.periods.length > 0 ? addDays(today, 1) : today;
    const holidays: CalendarDay[] = [];
    for (let d = start; d < opening.date; d = addDays(d, 1)) {
      const s = day(d).special;
      if (s && s.kind !== 'makeup_workday') holidays.push(s);
    }
    if (holidays.length > 0) {
      return {
        open: false,
        at,
        opensAt,
        reason: 'holiday',
        holiday: {
          name: closureReason(holidays[0].name),
          until: addDays(opening.date, -1),
          phrase: closurePhraseVi(holidays.map((h) => h.name)),
        },
      };
    }
    return { open: false, at, opensAt, reason: start >= opening.date ? 'after_hours' : 'weekend' };
  }

  return { weekly, day, daysOfYear, availability, isWorkingDay: (date) => day(date).working };
}

/** How far back waiting time is counted (a question older than this counts this much at most). */
const WAIT_HORIZON_DAYS = 366;

/**
 * Minutes the counter was open between two instants: the waiting time staff
 * are answerable for (a question left on Friday evening and read on Monday at
 * 8:00 waited 30 working minutes). 0 when `to` is not after `from`.
 */
export function workingMinutesBetween(cal: WorkCalendar, from: Date, to: Date): number {
  if (to.getTime() <= from.getTime()) return 0;
  const first = localDate(from);
  const last = localDate(to);
  let start = first;
  if (dayNumber(last) - dayNumber(first) > WAIT_HORIZON_DAYS) start = addDays(last, -WAIT_HORIZON_DAYS);
  let total = 0;
  for (let d = start; d <= last; d = addDays(d, 1)) {
    for (const p of cal.day(d).periods) {
      const a = Math.max(localInstant(d, p.from).getTime(), from.getTime());
      const b = Math.min(localInstant(d, p.to).getTime(), to.getTime());
      if (b > a) total += (b - a) / MINUTE_MS;
    }
  }
  return Math.floor(total);
}

/** Open minutes of an ordinary working day (Monday's hours, or the first weekday with hours). */
export function workdayMinutes(cal: WorkCalendar): number {
  const periods = [1, 2, 3, 4, 5].map((wd) => cal.weekly[wd] ?? []).find((p) => p.length > 0) ?? [];
  return periods.reduce((sum, p) => sum + minutesOf(p.to) - minutesOf(p.from), 0);
}

/** "2 giờ 15 phút", "45 phút", "dưới 1 phút": working time, in hours (a "day" would read as 24 hours). */
export function formatWorkingMinutesVi(minutes: number): string {
  if (minutes < 1) return 'dưới 1 phút';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} phút`;
  return m ? `${h} giờ ${m} phút` : `${h} giờ`;
}

/** Check a weekly schedule: seven days, "HH:MM" periods in order, not overlapping; at least one open period. */
export function weeklyHoursProblem(weekly: WeeklyHours): string | undefined {
  if (!Array.isArray(weekly) || weekly.length !== 7) return 'cần đủ 7 ngày trong tuần';
  let any = false;
  for (const periods of weekly) {
    let end = -1;
    for (const p of periods) {
      if (!isTimeOfDay(p.from) || !isTimeOfDay(p.to)) return 'giờ phải có dạng HH:MM, ví dụ 07:30';
      if (minutesOf(p.from) >= minutesOf(p.to)) return `giờ bắt đầu phải trước giờ kết thúc (${p.from}–${p.to})`;
      if (minutesOf(p.from) < end) return 'các buổi trong một ngày không được chồng lên nhau';
      end = minutesOf(p.to);
      any = true;
    }
  }
  return any ? undefined : 'cần ít nhất một buổi làm việc trong tuần';
}

// ---------------------------------------------------------------------------
// Vietnamese wording

/** Vietnamese weekday names, index 0 = Sunday. */
export const WEEKDAY_VI = ['Chủ nhật', 'thứ Hai', 'thứ Ba', 'thứ Tư', 'thứ Năm', 'thứ Sáu', 'thứ Bảy'];

/** "dd/MM/yyyy" of a local date. */
export function formatLocalDate(date: LocalDate): string {
  return `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
}

/** "7:30 sáng", "13:30 chiều": a local time of day as residents say it. */
export function formatClockVi(instant: Date): string {
  const m = localMinutes(instant);
  const h = Math.floor(m / 60);
  const part = h < 11 ? 'sáng' : h < 13 ? 'trưa' : h < 18 ? 'chiều' : 'tối';
  return `${h}:${pad2(m % 60)} ${part}`;
}

/** "7:30 sáng thứ Tư 10/02/2027"; today's opening reads "13:30 chiều nay". */
export function formatOpeningVi(opensAt: Date, now: Date): string {
  const date = localDate(opensAt);
  if (date === localDate(now)) return `${formatClockVi(opensAt)} nay`;
  return `${formatClockVi(opensAt)} ${WEEKDAY_VI[weekdayOf(date)]} ${formatLocalDate(date)}`;
}

/**
 * "nghỉ Tết Nguyên đán đến hết 09/02", "nghỉ cuối tuần", "nghỉ trưa": why the
 * counter is closed, for a resident; '' before or after the day's hours, when
 * the opening time says it all.
 */
export function closureTextVi(a: Extract<Availability, { open: false }>): string {
  switch (a.reason) {
    case 'holiday':
      return `${a.holiday?.phrase ?? 'nghỉ lễ'} đến hết ${formatLocalDate(a.holiday?.until ?? localDate(a.opensAt)).slice(0, 5)}`;
    case 'weekend':
      return 'nghỉ cuối tuần';
    case 'break':
      return 'nghỉ trưa';
    case 'before_hours':
    case 'after_hours':
      return '';
  }
}
