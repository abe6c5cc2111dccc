import {
  closureTextVi,
  formatClockVi,
  formatOpeningVi,
  localDate,
  localInstant,
  type Availability,
  workdayMinutes,
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
 * A typical wait in working time, rounded as a person would say it: under an
 * hour in 15-minute steps (at least 15), then whole hours, and from a full
 * working day (`workday` minutes) on in working days.
 */
export function roundedWaitVi(minutes: number, workday = 450): string {
  const quarters = Math.max(15, Math.round(minutes / 15) * 15);
  if (quarters < 60) return `${quarters} phút`;
  if (minutes < workday) return `${Math.max(1, Math.round(minutes / 60))} giờ`;
  return `${Math.max(1, Math.round(minutes / workday))} ngày`;
}

/**
 * What a resident handed over to staff is told about the wait, concretely:
 * "Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 09/02). Cán bộ sẽ trả
 * lời từ 7:30 sáng thứ Tư 10/02/2027." or, during hours, roughly how long
 * staff usually take ("Thường cán bộ trả lời trong khoảng 2 giờ làm việc (hôm
 * nay làm việc đến 17:00).") when `typicalWaitMinutes` is known (the
 * commune's recent median), otherwise that staff answer during today's hours.
 */
export function handoverTextVi(cal: WorkCalendar, at: Date, typicalWaitMinutes?: number): string {
  const a = cal.availability(at);
  if (a.open) {
    const end = endOfToday(cal, at) ?? a.closesAt;
    const clock = formatClockVi(end).split(' ')[0];
    const next = end.getTime() - at.getTime() > LAST_CALL_MS ? undefined : cal.availability(end);
    // Near closing time, say when the rest will be answered.
    const later = next && !next.open ? `; nếu chưa kịp, từ ${formatOpeningVi(next.opensAt, at)}` : '';
    if (typicalWaitMinutes !== undefined) {
      const wait = roundedWaitVi(typicalWaitMinutes, workdayMinutes(cal) || 450);
      return `Thường cán bộ trả lời trong khoảng ${wait} làm việc (hôm nay làm việc đến ${clock}${later}).`;
    }
    return `Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến ${clock})${later}.`;
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
