import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import { ValidationError } from '../../core/errors.js';
import { escapeHtml } from '../../core/html.js';
import { httpErrors } from '../../core/http-errors.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import { loadCommuneCalendar } from '../calendar/index.js';
import { getInquiryStats } from '../inquiries/index.js';
import { normalizeDossierCode } from './code-parser.js';
import { CHANNELS, dossierEventSchema, dossierPutSchema } from './dossier-input.js';
import { CHANNEL_NAMES, formatIntVi, formatPercentVi, statusName } from './presenter.js';
import * as repo from './repo.js';
import { recordDossierEvent, unlockDossierVerification, upsertDossier, type DossierServiceDeps } from './service.js';
import { getDossierStats, type DossierStats, type StatsLine } from './stats.js';
import { addDays, computeTimeliness, localDate, type LocalDate } from './working-days.js';

export interface DossiersApiDeps extends DossierServiceDeps {
  /** The root database handle (each request opens its own transaction). */
  db: Db;
  log: Logger;
  /** `?commune=<slug>` or the runtime's default commune; undefined for an unknown slug. */
  resolveCommuneId: (req: Request) => Promise<number | undefined> | number | undefined;
  /** Integration key (the admin key works too): the one-stop system's writes. */
  requireIntegration: RequestHandler;
  /** Staff key: statistics and the staff view. */
  requireStaff: (permission: Permission) => RequestHandler;
  /** Called after commit with the outbox ids of queued notifications (the delivery worker's kick). */
  onOutbox?: (ids: number[]) => void;
}

/**
 * The dossier HTTP API:
 * - `PUT  /api/v1/dossiers/:code`           create or update (integration)
 * - `POST /api/v1/dossiers/:code/events`    status change (integration)
 * - `GET  /api/v1/dossiers/:code`           one dossier with its history, phone masked (staff)
 * - `POST /api/v1/dossiers/:code/verification/unlock`  lift the lock strangers' guesses put on it (staff)
 * - `GET  /api/v1/stats/dossiers?from=&to=` statistics as JSON, or `&format=html` (staff)
 * - `GET  /api/v1/stats/inquiries?from=&to=` questions for staff by month: in/out of hours, working time to
 *   the answer (median, 90th percentile, minutes), ratings (staff, permission 'stats')
 * Errors: 422 with `fieldErrors`, 404 for an unknown dossier or commune.
 */
export function createDossiersApi(deps: DossiersApiDeps): express.Router {
  const router = express.Router();
  const json = express.json({ limit: '64kb' });
  const now = deps.now ?? (() => new Date());

  async function communeOf(req: Request): Promise<number> {
    const id = await deps.resolveCommuneId(req);
    if (id === undefined) throw new ValidationError('unknown commune', { commune: 'no commune with this slug' }, 404);
    return id;
  }

  function kick(ids: number[]): void {
    if (ids.length && deps.onOutbox) deps.onOutbox(ids);
  }

  const integration = { tags: ['dossiers'], auth: 'integration' as const, params: codeParams };
  const staff = (permission: Permission) => ({ auth: 'staff' as const, permission });

  apiRoute(
    router,
    {
      ...integration,
      method: 'put',
      path: '/api/v1/dossiers/:code',
      summary: 'Create or update a dossier (the one-stop system)',
      description:
        'Creating needs every required field; an update may send only the fields that changed. ' +
        'A status change notifies the residents following the dossier. Bad fields: 422 with `fieldErrors`.',
      body: dossierPutSchema,
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'Updated (or unchanged).', schema: upsertJson },
        201: { description: 'Created.', schema: upsertJson },
        404: { description: 'Unknown commune.' },
        422: { description: 'A field is missing or invalid, or the status change is not allowed.' },
      },
    },
    deps.requireIntegration,
    json,
    async (req, res) => {
      const communeId = await communeOf(req);
      const result = await upsertDossier(
        deps.db,
        { communeId, code: String(req.params.code), body: req.body, source: 'api', actor: 'integration' },
        deps,
      );
      kick(result.outboxIds);
      deps.log.info(
        { code: result.code, created: result.created, changed: result.changed, status: result.status },
        'dossier upserted',
      );
      res.status(result.created ? 201 : 200).json({
        code: result.code,
        status: result.status,
        created: result.created,
        changed: result.changed,
        notified: result.outboxIds.length,
      });
    },
  );

  apiRoute(
    router,
    {
      ...integration,
      method: 'post',
      path: '/api/v1/dossiers/:code/events',
      summary: 'Record a status change of a dossier (the one-stop system)',
      description: 'Sending the same event again is answered as a duplicate and notifies no one.',
      body: dossierEventSchema,
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'No change (a duplicate).', schema: eventJson },
        201: { description: 'The status changed.', schema: eventJson },
        404: { description: 'Unknown dossier or commune.' },
        422: { description: 'A field is invalid, or the status change is not allowed.' },
      },
    },
    deps.requireIntegration,
    json,
    async (req, res) => {
      const communeId = await communeOf(req);
      const result = await recordDossierEvent(
        deps.db,
        { communeId, code: String(req.params.code), body: req.body, source: 'api', actor: 'integration' },
        deps,
      );
      kick(result.outboxIds);
      deps.log.info(
        { code: result.code, changed: result.changed, duplicate: result.duplicate, status: result.status },
        'dossier event',
      );
      res.status(result.changed ? 201 : 200).json({
        code: result.code,
        status: result.status,
        changed: result.changed,
        duplicate: result.duplicate,
        notified: result.outboxIds.length,
      });
    },
  );

  apiRoute(
    router,
    {
      ...staff('dossiers'),
      method: 'get',
      path: '/api/v1/dossiers/:code',
      summary: 'One dossier with its history, the phone masked (audited)',
      tags: ['dossiers'],
      params: codeParams,
      responses: {
        200: { description: 'The dossier.', schema: dossierJson },
        404: { description: 'Unknown dossier or commune.' },
        422: { description: 'Not a dossier code.' },
      },
    },
    deps.requireStaff('dossiers'),
    async (req, res) => {
      const communeId = await communeOf(req);
      const code = normalizeDossierCode(String(req.params.code));
      if (!code) throw new ValidationError('invalid dossier code', { code: 'must look like 000.33.12.H56-260715-0007' });
      const d = await repo.findDossierByCode(deps.db, communeId, code);
      if (!d) throw new ValidationError('dossier not found', { code: 'no dossier with this code' }, 404);
      const history = await repo.listEvents(deps.db, d.id);
      await repo.writeAudit(deps.db, { communeId, actor: 'staff', action: 'dossier.viewed', subject: code });
      res.json({
        code: d.code,
        procedureCode: d.procedureCode,
        procedureName: d.procedureName,
        channel: d.channel,
        status: d.status,
        statusName: statusName(d.status),
        statusAt: d.statusAt,
        receivedAt: d.receivedAt,
        dueAt: d.dueAt,
        finishedAt: d.finishedAt,
        returnedAt: d.returnedAt,
        timeliness: computeTimeliness(
          { status: d.status, dueAt: d.dueAt, finishedAt: d.finishedAt, now: now() },
          deps.calendar ?? (await loadCommuneCalendar(deps.db, communeId)),
        ),
        applicantName: d.applicantName,
        phoneHint: d.phoneHint,
        reason: d.reason,
        feeAmount: d.feeAmount,
        resultDelivery: d.resultDelivery,
        history: history.map((h) => ({ ...h, statusName: statusName(h.status) })),
      });
    },
  );

  apiRoute(
    router,
    {
      ...staff('dossiers'),
      method: 'post',
      path: '/api/v1/dossiers/:code/verification/unlock',
      summary: "Lift the lock strangers' wrong guesses put on a dossier's look-up",
      tags: ['dossiers'],
      params: codeParams,
      responses: {
        200: { description: 'Unlocked.', schema: z.looseObject({ code: z.string() }) },
        404: { description: 'Unknown dossier or commune.' },
        422: { description: 'Not a dossier code.' },
      },
    },
    deps.requireStaff('dossiers'),
    async (req, res) => {
      const communeId = await communeOf(req);
      const code = normalizeDossierCode(String(req.params.code));
      if (!code) throw new ValidationError('invalid dossier code', { code: 'must look like 000.33.12.H56-260715-0007' });
      if (!(await repo.findDossierByCode(deps.db, communeId, code))) {
        throw new ValidationError('dossier not found', { code: 'no dossier with this code' }, 404);
      }
      const principal = principalOf(req);
      const result = await unlockDossierVerification(deps.db, {
        communeId,
        code,
        actor: principal ? actorOf(principal) : 'staff',
        now: now(),
      });
      deps.log.info({ code, cleared: result.cleared }, 'dossier verification unlocked');
      res.json({ code, ...result });
    },
  );

  const periodSpec = {
    tags: ['statistics'],
    ...staff('stats'),
    method: 'get' as const,
    invalid: { status: 422 as const, error: 'invalid period' },
  };

  apiRoute(
    router,
    {
      ...periodSpec,
      path: '/api/v1/stats/dossiers',
      summary: 'Dossier statistics of a period (received, online, resolved early/on time/late)',
      description: 'The period is at most five years. `format=html` answers a printable page instead of JSON.',
      query: periodQuery.extend({
        format: z.string().optional().describe('`html`: a printable page; anything else: JSON.'),
      }),
      responses: {
        200: { description: 'The statistics (JSON, or HTML with `format=html`).', schema: statsJson },
        404: { description: 'Unknown commune.' },
      },
    },
    deps.requireStaff('stats'),
    async (req, res, { query }) => {
      const communeId = await communeOf(req);
      const { from, to } = parsePeriod(query.from, query.to, localDate(now()));
      const stats = await getDossierStats(deps.db, { communeId, from, to });
      if (query.format === 'html') {
        res.type('html').send(renderStatsHtml(stats));
        return;
      }
      res.json(stats);
    },
  );

  apiRoute(
    router,
    {
      ...periodSpec,
      path: '/api/v1/stats/inquiries',
      summary: 'Questions for staff by month: in or out of hours, working time to the answer, ratings',
      description: 'Working time in minutes (median and 90th percentile). The period is at most five years.',
      query: periodQuery,
      responses: {
        200: { description: 'The statistics.', schema: z.looseObject({ from: z.string(), to: z.string() }) },
        404: { description: 'Unknown commune.' },
      },
    },
    deps.requireStaff('stats'),
    async (req, res, { query }) => {
      const communeId = await communeOf(req);
      const { from, to } = parsePeriod(query.from, query.to, localDate(now()));
      const calendar = await loadCommuneCalendar(deps.db, communeId);
      res.json(await getInquiryStats(deps.db, { communeId, from, to, calendar }));
    },
  );

  // Errors of this router, mapped by the one HTTP error map; internal ones go on to the app's handler.
  router.use(httpErrors());
  return router;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const NOT_A_DATE = 'must be a date YYYY-MM-DD';

/** `from`/`to` of the statistics: the shape here, the calendar and the span in {@link parsePeriod}. */
const periodQuery = z.object({
  from: z
    .string({ error: NOT_A_DATE })
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, NOT_A_DATE)
    .optional()
    .describe('First day (YYYY-MM-DD, inclusive); default: 1 January of this year.'),
  to: z
    .string({ error: NOT_A_DATE })
    .regex(/^(\d{4}-\d{2}-\d{2})?$/, NOT_A_DATE)
    .optional()
    .describe('Last day (YYYY-MM-DD, inclusive); default: today.'),
  commune: z.string().optional(),
});

const codeParams = z.object({
  code: z.string().describe('The receipt code, e.g. 000.33.12.H56-260715-0007 (spaces and case do not matter).'),
});
const upsertJson = z.object({
  code: z.string(),
  status: z.number().int(),
  created: z.boolean(),
  changed: z.boolean(),
  notified: z.number().int().describe('Notifications queued for residents following the dossier.'),
});
const eventJson = z.object({
  code: z.string(),
  status: z.number().int(),
  changed: z.boolean(),
  duplicate: z.boolean(),
  notified: z.number().int(),
});
const dossierJson = z.looseObject({
  code: z.string(),
  procedureCode: z.string(),
  procedureName: z.string().nullable(),
  channel: z.enum(CHANNELS),
  status: z.number().int(),
  statusName: z.string(),
  receivedAt: z.string(),
  dueAt: z.string().nullable(),
  applicantName: z.string(),
  phoneHint: z.string().nullable(),
  history: z.array(z.looseObject({ status: z.number().int(), statusName: z.string() })),
});
const statsLine = {
  received: z.number().int(),
  receivedOnline: z.number().int(),
  resolved: z.number().int(),
  early: z.number().int(),
  onTime: z.number().int(),
  late: z.number().int(),
  onlineRate: z.number().describe('Percent with two decimals (66.26 means 66,26 %).'),
  earlyRate: z.number(),
  onTimeRate: z.number(),
  lateRate: z.number(),
  onTimeOrEarlyRate: z.number(),
};
const statsJson = z.object({
  from: z.string(),
  to: z.string(),
  ...statsLine,
  byProcedure: z.array(z.object({ procedureCode: z.string(), procedureName: z.string().nullable(), ...statsLine })),
  byMonth: z.array(z.object({ month: z.string(), ...statsLine })),
  summary: z.string(),
});

/** `from`/`to` as local dates (inclusive). Defaults: 1 January of this year to today. */
export function parsePeriod(fromQ: unknown, toQ: unknown, today: LocalDate): { from: LocalDate; to: LocalDate } {
  const errors: Record<string, string> = {};
  const check = (name: string, v: unknown): string | undefined => {
    if (v === undefined || v === '') return undefined;
    if (
      typeof v !== 'string' ||
      !DATE_RE.test(v) ||
      Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
      new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
    ) {
      errors[name] = 'must be a date YYYY-MM-DD';
      return undefined;
    }
    return v;
  };
  const from = check('from', fromQ) ?? `${today.slice(0, 4)}-01-01`;
  const to = check('to', toQ) ?? today;
  if (!errors.from && !errors.to) {
    if (from > to) errors.to = 'must not be before from';
    else if (from < addDays(to, -366 * 5)) errors.from = 'the period may span at most five years';
  }
  if (Object.keys(errors).length) throw new ValidationError('invalid period', errors);
  return { from, to };
}

/** A plain staff page: the report sentence and two tables. */
export function renderStatsHtml(s: DossierStats): string {
  const head =
    '<tr><th></th><th>Tiếp nhận</th><th>Trực tuyến</th><th>Tỷ lệ trực tuyến</th><th>Đã giải quyết</th>' +
    '<th>Trước hạn</th><th>Đúng hạn</th><th>Trễ hạn</th><th>Đúng và trước hạn</th></tr>';
  const row = (label: string, r: StatsLine) =>
    `<tr><th>${escapeHtml(label)}</th><td>${formatIntVi(r.received)}</td><td>${formatIntVi(r.receivedOnline)}</td>` +
    `<td>${formatPercentVi(r.onlineRate)}</td><td>${formatIntVi(r.resolved)}</td><td>${formatIntVi(r.early)}</td>` +
    `<td>${formatIntVi(r.onTime)}</td><td>${formatIntVi(r.late)}</td><td>${formatPercentVi(r.onTimeOrEarlyRate)}</td></tr>`;
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thống kê hồ sơ</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}th:first-child{text-align:left}</style>
</head><body><h1>Thống kê hồ sơ</h1><p>${escapeHtml(s.summary)}</p>
<h2>Theo tháng</h2><table>${head}${s.byMonth.map((m) => row(m.month.split('-').reverse().join('/'), m)).join('')}${row('Tổng', s)}</table>
<h2>Theo thủ tục</h2><table>${head}${s.byProcedure.map((p) => row(`${p.procedureCode}${p.procedureName ? ` – ${p.procedureName}` : ''}`, p)).join('')}</table>
<p>Kênh: ${Object.values(CHANNEL_NAMES).join(', ')}. Trễ hạn tính theo ngày hẹn trả; ngày làm việc Thứ Hai–Thứ Sáu.</p>
</body></html>`;
}
