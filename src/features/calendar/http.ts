import express, { type Request } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
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
const commune = z.string().optional().describe('The commune (slug) on a shared platform; default: the main one.');
const YEAR_RANGE = 'between 1900 and 2199';
const BAD_QUERY = 'Tham số tra cứu không hợp lệ.';

const calendarQuery = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/, 'expected YYYY')
    .refine((v) => Number(v) >= 1900 && Number(v) <= 2199, YEAR_RANGE)
    .transform(Number)
    .optional()
    .describe('The year (YYYY, 1900–2199); default: this year.'),
  commune,
});

const nextOpenQuery = z.object({
  at: z
    .string()
    .transform((v, ctx) => {
      const d = parseInstant(v);
      if (!d) ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 date-time' });
      return d ?? z.NEVER;
    })
    .optional()
    .describe('An ISO 8601 date-time (without an offset: Vietnam time); default: now.'),
  commune,
});

const dayKind = z.enum(['holiday', 'day_off', 'makeup_workday']);
const localIso = z.string().describe('Local time with its offset, e.g. 2027-02-07T20:00:00+07:00');

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

  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/calendar',
      summary: "The year's holidays, days off and make-up working days",
      tags: ['calendar'],
      auth: 'public',
      query: calendarQuery,
      invalid: {
        error: (fe) =>
          fe.year === YEAR_RANGE
            ? 'Năm phải trong khoảng 1900–2199.'
            : fe.year
              ? 'Năm không hợp lệ: dùng dạng YYYY, ví dụ ?year=2027.'
              : BAD_QUERY,
      },
      responses: {
        200: {
          description: 'The days, in date order.',
          schema: z.object({
            year: z.number().int(),
            days: z.array(
              z.object({ date: z.string(), kind: dayKind, name: z.string(), source: z.enum(['computed', 'entered']) }),
            ),
          }),
        },
      },
    },
    async (req, res, { query }) => {
      const year = query.year ?? Number(localDate(now()).slice(0, 4));
      const cal = await loadCommuneCalendar(deps.db, await deps.communeOfRequest(req));
      res.json({
        year,
        days: cal.daysOfYear(year).map((d) => ({ date: d.date, kind: d.kind, name: d.name, source: d.source })),
      });
    },
  );

  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/calendar/next-open',
      summary: 'When the counter next opens, with a Vietnamese sentence',
      tags: ['calendar'],
      auth: 'public',
      query: nextOpenQuery,
      invalid: {
        error: (fe) => (fe.at ? 'Thời điểm không hợp lệ: dùng dạng ISO 8601, ví dụ ?at=2027-02-07T20:00:00%2B07:00.' : BAD_QUERY),
      },
      responses: {
        200: {
          description: 'Open now, or when it opens next and why it is closed.',
          schema: z.object({
            at: localIso,
            open: z.boolean(),
            opensAt: localIso,
            closesAt: localIso.optional(),
            reason: z.string().optional(),
            holiday: z.string().optional(),
            text: z.string(),
          }),
        },
      },
    },
    async (req, res, { query }) => {
      const at = query.at ?? now();
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
    },
  );

  router.use(httpErrors());
  return router;
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * An ISO 8601 date-time; without an offset it is Vietnam's local time. A "+"
 * left unencoded in a query string arrives as a space, so "…00 07:00" reads as "…00+07:00".
 * Undefined when it is not one.
 */
function parseInstant(v: string): Date | undefined {
  if (v.length > 40) return undefined;
  const s = v.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = ISO_RE.exec(s);
  if (!m) return undefined;
  const [, date, hh, mm, ss] = m;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss ?? 0) > 59) return undefined;
  const withOffset = m[5] ? s : `${s}+07:00`;
  const d = new Date(withOffset);
  if (Number.isNaN(d.getTime())) return undefined;
  // Date accepts 2027-02-30 and rolls it over; a date that is not on the calendar is refused.
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) return undefined;
  const year = d.getUTCFullYear();
  if (year < 1900 || year > 2199) return undefined;
  return d;
}
