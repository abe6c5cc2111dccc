import type { CalendarDay } from './calendar.js';
import { addDays, pad2, weekdayOf, type LocalDate } from './local-date.js';
import { lunarToIsoDate } from './lunar.js';

/** Vietnam's public holidays, computed for any year, and how the bot names a closure. */

const NEW_YEAR = 'Tết Dương lịch';
const TET = 'Tết Nguyên đán';
const HUNG_KINGS = 'Giỗ Tổ Hùng Vương';
const VICTORY = 'Ngày Chiến thắng';
const LABOUR = 'Ngày Quốc tế Lao động';
const NATIONAL = 'Quốc khánh';
const SUBSTITUTE_PREFIX = 'Nghỉ bù ';

const ymd = (y: number, m: number, d: number) => `${y}-${pad2(m)}-${pad2(d)}`;

/** The adjacent National Day holiday the Prime Minister usually picks, by 2/9's weekday (0 = Sunday). */
const NATIONAL_DAY_NEIGHBOUR = [3, 3, 1, 3, 3, 1, 1];

/**
 * The public holidays of a year as the law fixes them, before the yearly
 * announcement: 1/1; Tết Nguyên đán, the last day of the old lunar year and
 * the first four of the new (five days); Giỗ Tổ Hùng Vương (10/3 lunar);
 * 30/4; 1/5; 2/9 and the adjacent day that joins a weekend (the Prime
 * Minister fixes which; 1/9 or 3/9 here). A holiday on a Saturday or Sunday
 * gives a day off on the next working day (art. 111 §3: `day_off`, "Nghỉ bù …").
 * The exact Tết break, swaps and make-up Saturdays come from the announcement,
 * which staff enter and which wins over these.
 */
export function computedHolidays(year: number): CalendarDay[] {
  const days: { date: LocalDate; name: string }[] = [{ date: ymd(year, 1, 1), name: NEW_YEAR }];
  const tet = lunarToIsoDate({ day: 1, month: 1, year, leap: false });
  if (tet) for (let i = -1; i <= 3; i++) days.push({ date: addDays(tet, i), name: TET });
  const hungKings = lunarToIsoDate({ day: 10, month: 3, year, leap: false });
  if (hungKings) days.push({ date: hungKings, name: HUNG_KINGS });
  days.push({ date: ymd(year, 4, 30), name: VICTORY }, { date: ymd(year, 5, 1), name: LABOUR });
  const national = ymd(year, 9, 2);
  days.push({ date: national, name: NATIONAL });
  days.push({ date: ymd(year, 9, NATIONAL_DAY_NEIGHBOUR[weekdayOf(national)]), name: NATIONAL });
  days.sort((a, b) => a.date.localeCompare(b.date));

  const taken = new Set(days.map((d) => d.date));
  const out: CalendarDay[] = days.map((d) => ({ ...d, kind: 'holiday', source: 'computed' }));
  for (const d of days) {
    const wd = weekdayOf(d.date);
    if (wd !== 0 && wd !== 6) continue;
    let sub = addDays(d.date, 1);
    while (taken.has(sub) || weekdayOf(sub) === 0 || weekdayOf(sub) === 6) sub = addDays(sub, 1);
    taken.add(sub);
    out.push({ date: sub, kind: 'day_off', name: SUBSTITUTE_PREFIX + d.name, source: 'computed' });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

/** "Tết Nguyên đán" from "Nghỉ bù Tết Nguyên đán" or "Nghỉ Tết Nguyên đán": what a closure is for. */
export function closureReason(name: string): string {
  return name.replace(/^nghỉ( bù)?\s+/i, '').trim() || name;
}

/** One closed day's name as residents say it: "nghỉ Tết Nguyên đán", "nghỉ lễ Quốc khánh", "nghỉ theo thông báo". */
function closureWordsVi(name: string): string {
  const base = name.replace(/^nghỉ bù\s+/i, '').trim() || name;
  if (/^nghỉ\s/i.test(base)) return `n${base.slice(1)}`;
  if (/^tết\s/i.test(base)) return `nghỉ ${base}`;
  return `nghỉ lễ ${base.replace(/^ngày\s+/i, '')}`;
}

/** The closed days' names in words, each once: "nghỉ lễ Chiến thắng và Quốc tế Lao động". */
export function closurePhraseVi(names: string[]): string {
  const words = [...new Set(names.map(closureWordsVi))];
  const [first, ...rest] = words;
  const prefix = /^nghỉ lễ /.exec(first)?.[0] ?? 'nghỉ ';
  return [first, ...rest.map((w) => (w.startsWith(prefix) ? w.slice(prefix.length) : w))].join(' và ');
}
