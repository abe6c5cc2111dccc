import { describe, expect, it } from 'vitest';
import {
  closurePhraseVi,
  computedHolidays,
  createWorkCalendar,
  DEFAULT_WEEKLY_HOURS,
  formatOpeningVi,
  formatWorkingMinutesVi,
  toLocalIso,
  weeklyHoursProblem,
  workdayMinutes,
  workingMinutesBetween,
} from '../../../src/core/calendar.js';
import { lunarToIsoDate, solarToLunar } from '../../../src/core/lunar.js';
import { addWorkingDays, promisedDay, receptionDay } from '../../../src/features/dossiers/working-days.js';
import { handoverTextVi, nextOpenSentenceVi } from '../../../src/features/calendar/presenter.js';

const at = (iso: string) => new Date(iso);
const tet = (year: number) => lunarToIsoDate({ day: 1, month: 1, year, leap: false });

// Written down from public knowledge (Vietnamese calendars as printed): the first day of Tết
// Nguyên đán. 2027 is one of the years where Vietnam (UTC+7) and China (UTC+8) differ: the new
// moon falls between 23:00 and midnight Vietnam time, so Tết is 06/02 here and 07/02 in China.
// 2030 is left out: its new moon is minutes from midnight and published lists disagree.
const KNOWN_TET: Record<number, string> = {
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2031: '2031-01-23',
  2032: '2032-02-11',
  2033: '2033-01-31',
  2034: '2034-02-19',
  2035: '2035-02-08',
};
// Giỗ Tổ Hùng Vương (10/3 âm lịch) as observed.
const KNOWN_HUNG_KINGS: Record<number, string> = {
  2020: '2020-04-02',
  2021: '2021-04-21',
  2022: '2022-04-10',
  2023: '2023-04-29',
  2024: '2024-04-18',
  2025: '2025-04-07',
  2026: '2026-04-26',
};

describe('lunar conversion (Hồ Ngọc Đức, UTC+7) against two other sources, 2020–2035', () => {
  it('gives the known dates of Tết and Giỗ Tổ', () => {
    for (const [y, d] of Object.entries(KNOWN_TET)) expect(tet(Number(y)), `Tết ${y}`).toBe(d);
    for (const [y, d] of Object.entries(KNOWN_HUNG_KINGS)) {
      expect(lunarToIsoDate({ day: 10, month: 3, year: Number(y), leap: false }), `Giỗ Tổ ${y}`).toBe(d);
    }
  });

  it('agrees day by day with ICU’s Chinese calendar except where a new moon falls in the last hour of a Vietnamese day', () => {
    // ICU (built into Node) computes the Chinese calendar at UTC+8: the month starts one day later
    // there exactly when the new moon falls between 23:00 and 24:00 Vietnam time.
    const icu = new Intl.DateTimeFormat('en-u-ca-chinese', { timeZone: 'UTC', month: 'numeric', day: 'numeric' });
    const differentMonthStarts: string[] = [];
    let days = 0;
    for (let t = Date.UTC(2020, 0, 1); t <= Date.UTC(2035, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      const p = Object.fromEntries(icu.formatToParts(d).map((x) => [x.type, x.value]));
      const own = solarToLunar(d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCFullYear());
      days++;
      if (`${own.month}${own.leap ? 'bis' : ''}/${own.day}` !== `${p.month}/${p.day}` && own.day === 1) {
        differentMonthStarts.push(d.toISOString().slice(0, 10));
      }
    }
    expect(days).toBe(5844);
    expect(differentMonthStarts).toEqual(['2020-12-14', '2027-02-06', '2031-04-21', '2032-03-11', '2034-09-12']);
  });

  it('round-trips every day of 2020–2035', () => {
    for (let t = Date.UTC(2020, 0, 1); t <= Date.UTC(2035, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      const l = solarToLunar(d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCFullYear());
      expect(lunarToIsoDate(l)).toBe(d.toISOString().slice(0, 10));
    }
  });
});

describe('public holidays (Labour Code 2019 art. 112), 2024–2030', () => {
  const holidayDates = (y: number) =>
    computedHolidays(y)
      .filter((d) => d.kind === 'holiday')
      .map((d) => d.date);

  it.each([
    [2024, '2024-02-10', '2024-04-18'],
    [2025, '2025-01-29', '2025-04-07'],
    [2026, '2026-02-17', '2026-04-26'],
    [2027, '2027-02-06', '2027-04-16'],
    [2028, '2028-01-26', '2028-04-04'],
    [2029, '2029-02-13', '2029-04-23'],
    [2030, '2030-02-02', '2030-04-12'],
  ])('%i: Tết from %s, Giỗ Tổ %s, and the fixed days', (year, tetDay, hungKings) => {
    const days = holidayDates(year);
    expect(days).toContain(`${year}-01-01`);
    expect(days).toContain(tetDay);
    expect(days).toContain(hungKings);
    expect(days).toContain(`${year}-04-30`);
    expect(days).toContain(`${year}-05-01`);
    expect(days).toContain(`${year}-09-02`);
    // 11 days: 1/1, five of Tết, Giỗ Tổ, 30/4, 1/5, 2/9 and its neighbour.
    expect(days).toHaveLength(11);
  });

  it('takes the last day of the old year and the first four of the new for Tết', () => {
    const names = computedHolidays(2025)
      .filter((d) => d.name === 'Tết Nguyên đán')
      .map((d) => d.date);
    expect(names).toEqual(['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01']);
  });

  it('joins 2/9 to the weekend the way the announcements did (2023: 1/9, 2024: 3/9, 2025: 1/9)', () => {
    expect(holidayDates(2023)).toContain('2023-09-01');
    expect(holidayDates(2024)).toContain('2024-09-03');
    expect(holidayDates(2025)).toContain('2025-09-01');
  });

  it('gives a day off on the next working day for a holiday on a weekend', () => {
    // 2/9/2023 was a Saturday: the day off was Monday 4/9 (1/9 Friday being the neighbour).
    expect(computedHolidays(2023)).toContainEqual({
      date: '2023-09-04',
      kind: 'day_off',
      name: 'Nghỉ bù Quốc khánh',
      source: 'computed',
    });
    // Tết 2027 starts on a Saturday: Saturday and Sunday are made up on Wednesday 10/2 and Thursday 11/2.
    const offs = computedHolidays(2027)
      .filter((d) => d.kind === 'day_off')
      .map((d) => d.date);
    expect(offs).toEqual(expect.arrayContaining(['2027-02-10', '2027-02-11']));
  });
});

describe('a commune calendar', () => {
  it('lets entered days win over computed ones, and counts make-up days', () => {
    const cal = createWorkCalendar({
      entered: [
        { date: '2026-02-23', kind: 'day_off', name: 'Nghỉ Tết Nguyên đán' },
        { date: '2026-03-07', kind: 'makeup_workday', name: 'Làm bù ngày 23/02' },
        { date: '2026-04-27', kind: 'makeup_workday', name: 'Làm việc bình thường' },
      ],
    });
    expect(cal.isWorkingDay('2026-02-23')).toBe(false); // a Monday, now off
    expect(cal.isWorkingDay('2026-03-07')).toBe(true); // a Saturday, now worked
    expect(cal.day('2026-03-07').periods).toEqual(DEFAULT_WEEKLY_HOURS[1]);
    expect(cal.isWorkingDay('2026-04-27')).toBe(true); // the computed substitute for Giỗ Tổ on a Sunday, cancelled
    expect(addWorkingDays('2026-02-13', 1, cal)).toBe('2026-02-24');
    const year = cal.daysOfYear(2026);
    expect(year.find((d) => d.date === '2026-04-27')).toMatchObject({ kind: 'makeup_workday', source: 'entered' });
    expect(year.find((d) => d.date === '2026-02-17')).toMatchObject({ kind: 'holiday', source: 'computed' });
  });

  it('opens next across Tết with the reason and the last closed day', () => {
    const cal = createWorkCalendar();
    const now = at('2027-02-04T18:00:00+07:00'); // Thursday evening before Tết
    const a = cal.availability(now);
    expect(a.open).toBe(false);
    if (a.open) return;
    expect(toLocalIso(a.opensAt)).toBe('2027-02-12T07:30:00+07:00');
    expect(a.holiday).toEqual({ name: 'Tết Nguyên đán', until: '2027-02-11', phrase: 'nghỉ Tết Nguyên đán' });
    expect(handoverTextVi(cal, now)).toBe(
      'Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 11/02). Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 12/02/2027.',
    );
  });

  it('follows the government’s announced Tết break once staff enter it', () => {
    // Suppose the announcement ends the break on 09/02 and makes 10–11/02 working days.
    const cal = createWorkCalendar({
      entered: [
        { date: '2027-02-10', kind: 'makeup_workday', name: 'Đi làm theo thông báo' },
        { date: '2027-02-11', kind: 'makeup_workday', name: 'Đi làm theo thông báo' },
      ],
    });
    expect(handoverTextVi(cal, at('2027-02-07T21:00:00+07:00'))).toBe(
      'Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 09/02). Cán bộ sẽ trả lời từ 7:30 sáng thứ Tư 10/02/2027.',
    );
  });

  it('opens next across a weekend and after the lunch break', () => {
    const cal = createWorkCalendar();
    const friday = cal.availability(at('2026-07-17T17:30:00+07:00'));
    expect(friday).toMatchObject({ open: false, reason: 'weekend' });
    if (!friday.open) expect(toLocalIso(friday.opensAt)).toBe('2026-07-20T07:30:00+07:00');
    const lunch = cal.availability(at('2026-07-17T12:00:00+07:00'));
    expect(lunch).toMatchObject({ open: false, reason: 'break' });
    if (!lunch.open) {
      expect(toLocalIso(lunch.opensAt)).toBe('2026-07-17T13:30:00+07:00');
      expect(formatOpeningVi(lunch.opensAt, lunch.at)).toBe('13:30 chiều nay');
    }
    expect(handoverTextVi(cal, at('2026-07-17T12:00:00+07:00'))).toBe(
      'Hiện ngoài giờ làm việc (nghỉ trưa). Cán bộ sẽ trả lời từ 13:30 chiều nay.',
    );
    expect(handoverTextVi(cal, at('2026-07-17T09:00:00+07:00'))).toBe(
      'Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến 17:00).',
    );
    expect(handoverTextVi(cal, at('2026-07-17T16:45:00+07:00'))).toBe(
      'Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến 17:00); nếu chưa kịp, từ 7:30 sáng thứ Hai 20/07/2026.',
    );
    expect(handoverTextVi(cal, at('2026-07-17T06:10:00+07:00'))).toBe(
      'Hiện ngoài giờ làm việc. Cán bộ sẽ trả lời từ 7:30 sáng nay.',
    );
    expect(nextOpenSentenceVi(cal.availability(at('2026-07-18T10:00:00+07:00')))).toBe(
      'Bộ phận một cửa mở cửa lại từ 7:30 sáng thứ Hai 20/07/2026 (nghỉ cuối tuần).',
    );
  });

  it('opens on Saturday morning where the commune receives then, without making Saturday a deadline day', () => {
    const weekly = DEFAULT_WEEKLY_HOURS.map((p, wd) => (wd === 6 ? [{ from: '07:30', to: '11:30' }] : p));
    const cal = createWorkCalendar({ weekly });
    const a = cal.availability(at('2026-07-17T17:30:00+07:00'));
    expect(a).toMatchObject({ open: false, reason: 'after_hours' });
    if (!a.open) expect(toLocalIso(a.opensAt)).toBe('2026-07-18T07:30:00+07:00');
    expect(cal.availability(at('2026-07-18T09:00:00+07:00')).open).toBe(true);
    expect(cal.isWorkingDay('2026-07-18')).toBe(false);
  });

  it('refuses a weekly schedule that makes no sense', () => {
    expect(weeklyHoursProblem(DEFAULT_WEEKLY_HOURS)).toBeUndefined();
    expect(weeklyHoursProblem([[], [], [], [], [], [], []])).toMatch(/ít nhất một buổi/);
    expect(weeklyHoursProblem([[], [{ from: '13:00', to: '08:00' }], [], [], [], [], []])).toMatch(/trước giờ kết thúc/);
    expect(weeklyHoursProblem([[], [{ from: '7:30', to: '11:00' }], [], [], [], [], []])).toMatch(/HH:MM/);
  });
});

describe('the 15:00 cut-off', () => {
  it('counts a dossier from the same day before 15:00 and from the next working day after', () => {
    expect(receptionDay(at('2026-07-16T14:59:00+07:00'))).toBe('2026-07-16');
    expect(receptionDay(at('2026-07-16T15:00:00+07:00'))).toBe('2026-07-17');
    expect(receptionDay(at('2026-07-17T15:30:00+07:00'))).toBe('2026-07-20');
    expect(receptionDay(at('2026-07-18T09:00:00+07:00'))).toBe('2026-07-20');
    // Wednesday 29/04/2026 after 15:00: 30/4 and 1/5 are holidays, then the weekend.
    expect(receptionDay(at('2026-04-29T16:00:00+07:00'))).toBe('2026-05-04');
    expect(promisedDay(at('2026-04-29T10:00:00+07:00'), 0)).toBe('2026-04-29');
    expect(promisedDay(at('2026-04-29T16:00:00+07:00'), 0)).toBe('2026-05-04');
    expect(promisedDay(at('2026-04-29T10:00:00+07:00'), 3)).toBe('2026-05-06');
  });
});

describe('waiting time in working hours', () => {
  const cal = createWorkCalendar();
  it.each([
    ['across a weekend', '2026-07-17T16:30:00+07:00', '2026-07-20T08:00:00+07:00', 60],
    ['across the lunch break', '2026-07-16T11:00:00+07:00', '2026-07-16T14:00:00+07:00', 60],
    ['across Tết', '2027-02-04T16:00:00+07:00', '2027-02-12T08:00:00+07:00', 90],
    ['over a night', '2026-07-16T20:00:00+07:00', '2026-07-17T06:00:00+07:00', 0],
    ['backwards', '2026-07-17T10:00:00+07:00', '2026-07-16T10:00:00+07:00', 0],
    ['a whole week', '2026-07-13T00:00:00+07:00', '2026-07-20T00:00:00+07:00', 5 * 450],
  ])('%s', (_label, from, to, minutes) => {
    expect(workingMinutesBetween(cal, at(from), at(to))).toBe(minutes);
  });

  it('reads in hours and minutes, and knows a working day', () => {
    expect(formatWorkingMinutesVi(90)).toBe('1 giờ 30 phút');
    expect(formatWorkingMinutesVi(600)).toBe('10 giờ');
    expect(formatWorkingMinutesVi(0)).toBe('dưới 1 phút');
    expect(workdayMinutes(cal)).toBe(450);
  });
});

describe('closures in words', () => {
  it('names each closed day once, the way residents say it', () => {
    const cal = createWorkCalendar();
    // 30/4/2026 is a Thursday, 1/5 a Friday: closed until Sunday 3/5.
    expect(handoverTextVi(cal, at('2026-04-29T17:30:00+07:00'))).toBe(
      'Hiện ngoài giờ làm việc (nghỉ lễ Chiến thắng và Quốc tế Lao động đến hết 03/05). Cán bộ sẽ trả lời từ 7:30 sáng thứ Hai 04/05/2026.',
    );
    // 2/9/2026 (Wednesday) and 3/9.
    expect(handoverTextVi(cal, at('2026-09-02T09:00:00+07:00'))).toBe(
      'Hiện ngoài giờ làm việc (nghỉ lễ Quốc khánh đến hết 03/09). Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 04/09/2026.',
    );
    expect(closurePhraseVi(['Nghỉ bù Giỗ Tổ Hùng Vương'])).toBe('nghỉ lễ Giỗ Tổ Hùng Vương');
    expect(closurePhraseVi(['Nghỉ theo thông báo của tỉnh', 'Tết Dương lịch'])).toBe(
      'nghỉ theo thông báo của tỉnh và Tết Dương lịch',
    );
  });
});
