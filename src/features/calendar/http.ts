import express, { type Request } from 'express';
import { ValidationError } from '../../core/errors.js';
import { httpErrors } from '../../core/http-errors.js';
import { localDate, toLocalIso } from '../../core/calendar.js';
import { PUBLIC_LIMITS, publicRateLimit } from '../../core/rate-limit.js';
import type { Db } from '../../db/client.js';
import { nextOpenSentenceVi } from './presenter.js';
import { loadCommuneCalendar } from './service.js';

/**
 * The public calendar API (no sign-in; `?commune=<slug>` picks the commune):
 *   GET /api/v1/calendar?year=YYYY               the year's holidays, days off and make-up days
 *   GET /api/v1/calendar/next-open?at=<ISO time> when the counter next opens, with a Vietnamese sentence
 */
export function createCalendarApi(deps: { db: Db; communeOfRequest: (req: Request) => Promise<number>; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  // Public and unauthenticated: limited per address like the other public reads (issue 19).
  router.use('/api/v1/calendar', publicRateLimit(PUBLIC_LIMITS.read));

  router.get('/api/v1/calendar', async (req, res) => {
    const year = parseYear(req.query.year, Number(localDate(now()).slice(0, 4)));
    const cal = await loadCommuneCalendar(deps.db, await deps.communeOfRequest(req));
    res.json({
      year,
      days: cal.daysOfYear(year).map((d) => ({ date: d.date, kind: d.kind, name: d.name, source: d.source })),
    });
  });

  router.get('/api/v1/calendar/next-open', async (req, res) => {
    const at = parseInstant(req.query.at) ?? now();
    const cal = await loadCommuneCalendar(deps.db, await deps.communeOfRequest(req));
    const a = cal.availability(at);
    res.json({
      at: toLocalIso(at),
      open: a.open,
      opensAt: toLocalIso(a.open ? at : a.opensAt),
      closesAt: a.open ? toLocalIso(a.closesAt) : undefined,
      reason: a.open ? undefined : a.reason,
      holiday: a.open ? undefined : a.holiday,
      text: nextOpenSentenceVi(a),
    });
  });

  router.use(httpErrors());
  return router;
}

function parseYear(v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\d{4}$/.test(v)) {
    throw new ValidationError('Năm không hợp lệ: dùng dạng YYYY, ví dụ ?year=2027.', { year: 'expected YYYY' }, 400);
  }
  const year = Number(v);
  if (year < 1900 || year > 2199) {
    throw new ValidationError('Năm phải trong khoảng 1900–2199.', { year: 'between 1900 and 2199' }, 400);
  }
  return year;
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 date-time; without an offset it is Vietnam's local time. A "+"
 * left unencoded in a query string arrives as a space, so "…00 07:00" reads as "…00+07:00".
 */
function parseInstant(v: unknown): Date | undefined {
  if (v === undefined) return undefined;
  const bad = () =>
    new ValidationError(
      'Thời điểm không hợp lệ: dùng dạng ISO 8601, ví dụ ?at=2027-02-07T20:00:00%2B07:00.',
      { at: 'expected an ISO 8601 date-time' },
      400,
    );
  if (typeof v !== 'string' || v.length > 40) throw bad();
  const s = v.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = ISO_RE.exec(s);
  if (!m) throw bad();
  const [, date, hh, mm, ss] = m;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59) throw bad();
  const withOffset = m[5] ? s : `${s}+07:00`;
  const d = new Date(withOffset);
  if (Number.isNaN(d.getTime())) throw bad();
  // Date accepts 2027-02-30 and rolls it over; a date that is not on the calendar is refused.
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) throw bad();
  const year = d.getUTCFullYear();
  if (year < 1900 || year > 2199) throw bad();
  return d;
}
