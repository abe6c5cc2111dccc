import express, { type Request, type RequestHandler } from 'express';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import { ValidationError } from '../../core/errors.js';
import { escapeHtml } from '../../core/html.js';
import { httpErrors } from '../../core/http-errors.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import { loadCommuneCalendar } from '../calendar/index.js';
import { getInquiryStats } from '../inquiries/index.js';
import { normalizeDossierCode } from './code-parser.js';
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

  router.put('/api/v1/dossiers/:code', deps.requireIntegration, json, async (req, res) => {
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
  });

  router.post('/api/v1/dossiers/:code/events', deps.requireIntegration, json, async (req, res) => {
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
  });

  router.get('/api/v1/dossiers/:code', deps.requireStaff('dossiers'), async (req, res) => {
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
  });

  router.post('/api/v1/dossiers/:code/verification/unlock', deps.requireStaff('dossiers'), async (req, res) => {
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
  });

  router.get('/api/v1/stats/dossiers', deps.requireStaff('stats'), async (req, res) => {
    const communeId = await communeOf(req);
    const { from, to } = parsePeriod(req.query.from, req.query.to, localDate(now()));
    const stats = await getDossierStats(deps.db, { communeId, from, to });
    if (req.query.format === 'html') {
      res.type('html').send(renderStatsHtml(stats));
      return;
    }
    res.json(stats);
  });

  router.get('/api/v1/stats/inquiries', deps.requireStaff('stats'), async (req, res) => {
    const communeId = await communeOf(req);
    const { from, to } = parsePeriod(req.query.from, req.query.to, localDate(now()));
    const calendar = await loadCommuneCalendar(deps.db, communeId);
    res.json(await getInquiryStats(deps.db, { communeId, from, to, calendar }));
  });

  // Errors of this router, mapped by the one HTTP error map; internal ones go on to the app's handler.
  router.use(httpErrors());
  return router;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

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
