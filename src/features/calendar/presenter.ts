import {
  closureTextVi,
  formatClockVi,
  formatOpeningVi,
  localDate,
  localInstant,
  type Availability,
  type WorkCalendar,
} from '../../core/calendar.js';

/** How close to the day's end a promise for "today" gets a fallback. */
const LAST_CALL_MS = 30 * 60_000;

/** When today's counter hours end ("17:00"), for an open counter. */
function endOfToday(cal: WorkCalendar, at: Date): Date | undefined {
  const today = localDate(at);
  const last = cal.day(today).periods.at(-1);
  return last ? localInstant(today, last.to) : undefined;
}

/**
 * What a resident handed over to staff is told about the wait, concretely:
 * "Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 09/02). Cán bộ sẽ trả
 * lời từ 7:30 sáng thứ Tư 10/02/2027." or, during hours, that staff answer
 * during today's working hours.
 */
export function handoverTextVi(cal: WorkCalendar, at: Date): string {
  const a = cal.availability(at);
  if (a.open) {
    const end = endOfToday(cal, at) ?? a.closesAt;
    const today = `Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến ${formatClockVi(end).split(' ')[0]})`;
    // Near closing time, say when the rest will be answered.
    if (end.getTime() - at.getTime() > LAST_CALL_MS) return `${today}.`;
    const next = cal.availability(end);
    return next.open ? `${today}.` : `${today}; nếu chưa kịp, từ ${formatOpeningVi(next.opensAt, at)}.`;
  }
  const why = closureTextVi(a);
  return `Hiện ngoài giờ làm việc${why ? ` (${why})` : ''}. Cán bộ sẽ trả lời từ ${formatOpeningVi(a.opensAt, at)}.`;
}

/** The next-open API's sentence: "Bộ phận một cửa mở cửa lại từ 7:30 sáng thứ Tư 10/02/2027 (nghỉ Tết …)." */
export function nextOpenSentenceVi(a: Availability): string {
  if (a.open) return `Bộ phận một cửa đang làm việc, đến ${formatClockVi(a.closesAt)} nay.`;
  const why = closureTextVi(a);
  return `Bộ phận một cửa mở cửa lại từ ${formatOpeningVi(a.opensAt, a.at)}${why ? ` (${why})` : ''}.`;
}
