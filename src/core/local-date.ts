/** Local Vietnamese calendar dates ("YYYY-MM-DD", UTC+7, no DST) and times of day: pure arithmetic. */

/** A local calendar date, "YYYY-MM-DD". */
export type LocalDate = string;

/** Vietnam is UTC+7 all year. */
export const VN_OFFSET_MINUTES = 7 * 60;
export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** Two digits, zero-padded. */
export const pad2 = (n: number): string => String(n).padStart(2, '0');

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether a string is a real local date "YYYY-MM-DD". */
export function isLocalDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export function dayNumber(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`not a local date: ${date}`);
  return Math.floor(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS);
}

export function fromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: LocalDate): number {
  return new Date(dayNumber(date) * DAY_MS).getUTCDay();
}

/** 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: LocalDate): number {
  return weekdayOf(date) || 7;
}

/** The Vietnamese calendar date of an instant. */
export function localDate(instant: Date, offsetMinutes = VN_OFFSET_MINUTES): LocalDate {
  return new Date(instant.getTime() + offsetMinutes * MINUTE_MS).toISOString().slice(0, 10);
}

/** Minutes since local midnight of an instant. */
export function localMinutes(instant: Date): number {
  const t = new Date(instant.getTime() + VN_OFFSET_MINUTES * MINUTE_MS);
  return t.getUTCHours() * 60 + t.getUTCMinutes();
}

/** Midnight (local) of a local date, as an instant. */
export function startOfLocalDate(date: LocalDate, offsetMinutes = VN_OFFSET_MINUTES): Date {
  return new Date(dayNumber(date) * DAY_MS - offsetMinutes * MINUTE_MS);
}

/** The instant of a local date at "HH:MM". */
export function localInstant(date: LocalDate, hhmm: string): Date {
  return new Date(startOfLocalDate(date).getTime() + minutesOf(hhmm) * MINUTE_MS);
}

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether a string is a time of day "HH:MM" (00:00–23:59). */
export function isTimeOfDay(s: string): boolean {
  return HHMM_RE.test(s);
}

export function minutesOf(hhmm: string): number {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** "2027-02-10T07:30:00+07:00": an instant in Vietnam's local time. */
export function toLocalIso(instant: Date): string {
  const t = new Date(instant.getTime() + VN_OFFSET_MINUTES * MINUTE_MS).toISOString();
  return `${t.slice(0, 19)}+07:00`;
}
