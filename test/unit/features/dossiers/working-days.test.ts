import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  computeTimeliness,
  createCalendar,
  localDate,
  workingDaysBetween,
} from '../../../../src/features/dossiers/working-days.js';

const at = (iso: string) => new Date(iso);

describe('working days (Monday–Friday)', () => {
  // 2026-07-17 is a Friday.
  it.each([
    ['2026-07-17', '2026-07-20', 1], // Friday -> Monday
    ['2026-07-13', '2026-07-17', 4],
    ['2026-07-13', '2026-07-20', 5],
    ['2026-07-18', '2026-07-19', 0], // Saturday -> Sunday
    ['2026-07-15', '2026-07-15', 0],
    ['2026-07-20', '2026-07-17', -1],
  ])('between %s and %s: %i', (from, to, n) => {
    expect(workingDaysBetween(from, to)).toBe(n);
  });

  it('adds working days over a weekend', () => {
    expect(addWorkingDays('2026-07-16', 3)).toBe('2026-07-21');
    expect(addWorkingDays('2026-07-18', 0)).toBe('2026-07-20');
  });

  it('takes a holiday calendar plugged in later', () => {
    const cal = createCalendar({ holidays: ['2026-09-02'], extraWorkingDays: ['2026-09-05'] });
    expect(workingDaysBetween('2026-09-01', '2026-09-04', cal)).toBe(2);
    expect(cal.isWorkingDay('2026-09-05')).toBe(true);
  });

  it('uses the Vietnamese date (UTC+7)', () => {
    expect(localDate(at('2026-07-15T17:30:00Z'))).toBe('2026-07-16');
    expect(localDate(at('2026-07-15T16:59:00Z'))).toBe('2026-07-15');
  });
});

describe('early, on time, late', () => {
  const due = at('2026-07-20T17:00:00+07:00'); // Monday
  it('open, before the date: working days left', () => {
    expect(computeTimeliness({ status: 4, dueAt: due, finishedAt: null, now: at('2026-07-16T09:00:00+07:00') })).toEqual({
      kind: 'due',
      daysLeft: 2,
    });
    expect(computeTimeliness({ status: 4, dueAt: due, finishedAt: null, now: at('2026-07-20T09:00:00+07:00') })).toEqual({
      kind: 'due',
      daysLeft: 0,
    });
  });
  it('open, after the date: overdue in working days', () => {
    expect(computeTimeliness({ status: 4, dueAt: due, finishedAt: null, now: at('2026-07-20T17:30:00+07:00') })).toEqual({
      kind: 'overdue',
      days: 1,
    });
    expect(computeTimeliness({ status: 2, dueAt: due, finishedAt: null, now: at('2026-07-27T08:00:00+07:00') })).toEqual({
      kind: 'overdue',
      days: 5,
    });
  });
  it('finished: early, on time or late', () => {
    expect(computeTimeliness({ status: 9, dueAt: due, finishedAt: at('2026-07-16T10:00:00+07:00'), now: due })).toEqual({
      kind: 'early',
      days: 2,
    });
    expect(computeTimeliness({ status: 10, dueAt: due, finishedAt: at('2026-07-20T16:00:00+07:00'), now: due })).toEqual({
      kind: 'on_time',
    });
    expect(computeTimeliness({ status: 9, dueAt: due, finishedAt: at('2026-07-21T08:00:00+07:00'), now: due })).toEqual({
      kind: 'late',
      days: 1,
    });
  });
  it('paused while the resident must act, nothing for refused or withdrawn dossiers', () => {
    expect(computeTimeliness({ status: 5, dueAt: due, finishedAt: null, now: at('2026-08-01T00:00:00Z') }).kind).toBe('paused');
    expect(computeTimeliness({ status: 3, dueAt: due, finishedAt: null, now: due }).kind).toBe('none');
    expect(computeTimeliness({ status: 4, dueAt: null, finishedAt: null, now: due }).kind).toBe('none');
  });
});
