import { describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../../../src/core/calendar.js';
import {
  addWorkingDays,
  NoWorkingDayError,
  promisedDueAt,
  statedWorkingDays,
} from '../../../../src/features/dossiers/working-days.js';

const wd = (value: number, channel = 'truc_tiep') => ({ channel, time: { value, unit: 'ngày làm việc' } });

describe('the working days a procedure states for a channel', () => {
  it('reads a clear statement', () => {
    expect(statedWorkingDays([wd(3), wd(5, 'truc_tuyen')], 'truc_tiep')).toBe(3);
    expect(statedWorkingDays([wd(3), wd(3)], 'truc_tiep')).toBe(3);
    expect(statedWorkingDays([wd(0.5)], 'truc_tiep')).toBe(0);
    expect(statedWorkingDays([wd(1.5)], 'truc_tiep')).toBe(2);
  });

  it('makes no date up from calendar days, hours, no time, another channel or entries that disagree', () => {
    expect(statedWorkingDays([{ channel: 'truc_tiep', time: { value: 15, unit: 'ngày' } }], 'truc_tiep')).toBeUndefined();
    expect(statedWorkingDays([{ channel: 'truc_tiep', time: { value: 8, unit: 'giờ' } }], 'truc_tiep')).toBeUndefined();
    expect(statedWorkingDays([{ channel: 'truc_tiep' }], 'truc_tiep')).toBeUndefined();
    expect(statedWorkingDays([wd(3, 'truc_tuyen')], 'truc_tiep')).toBeUndefined();
    expect(statedWorkingDays([wd(3), wd(10)], 'truc_tiep')).toBeUndefined();
  });

  it('promises the close of the promised day’s counter hours, the cut-off applied', () => {
    const cal = createWorkCalendar();
    expect(promisedDueAt(new Date('2026-07-16T14:59:00+07:00'), 0, cal)).toEqual(new Date('2026-07-16T17:00:00+07:00'));
    expect(promisedDueAt(new Date('2026-07-16T15:00:00+07:00'), 0, cal)).toEqual(new Date('2026-07-17T17:00:00+07:00'));
    const shortDays = createWorkCalendar({
      weekly: [[], ...Array.from({ length: 5 }, () => [{ from: '07:00', to: '16:30' }]), []],
    });
    expect(promisedDueAt(new Date('2026-07-16T10:00:00+07:00'), 1, shortDays)).toEqual(new Date('2026-07-17T16:30:00+07:00'));
  });

  it('makes no date up from a time beyond a year, and a calendar without working days stops instead of looping', () => {
    expect(statedWorkingDays([wd(250)], 'truc_tiep')).toBe(250);
    expect(statedWorkingDays([wd(100_000_000)], 'truc_tiep')).toBeUndefined();
    const closed = createWorkCalendar({ weekly: [[], [], [], [], [], [], []] });
    expect(() => addWorkingDays('2026-07-16', 3, closed)).toThrow(NoWorkingDayError);
    expect(() => promisedDueAt(new Date('2026-07-16T10:00:00+07:00'), 0, closed)).toThrow(NoWorkingDayError);
  });
});
