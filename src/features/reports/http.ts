import express, { type Request, type RequestHandler } from 'express';
import { ValidationError } from '../../core/errors.js';
import { httpErrors } from '../../core/http-errors.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { mapLink, STATUSES, type ReportStatus } from './codes.js';
import { changeStatus, findReport, hamletNames, listMergedInto, listReports, notFound, type ReportRow } from './service.js';
import { mergeReport } from './merge.js';
import { sendReportPhoto } from './photo-http.js';
import type { ReportPhotos } from './photos.js';
import type { ReportPhoto } from '../../db/schema/index.js';

/** What the reports' staff routes need. */
export interface ReportsApiDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Called after commit with the outbox ids of queued messages (the delivery worker's kick). */
  deliver: (outboxIds: number[]) => void;
  /** Stored photos and their background work (absent: photos stay platform references, none is served). */
  reportPhotos?: ReportPhotos;
}

/** Status changes, assignment, merging: officers, registrars and admins. */
export const WRITE: Permission = 'reports';
/** Reading the queue: also leaders. */
export const READ: Permission = 'reports-read';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** A report as the staff API returns it. The reporter's chat address is not part of it. */
export function reportJson(r: ReportRow, hamlets: Map<number, string>) {
  return {
    id: r.id,
    code: r.code,
    status: r.status,
    category: r.category,
    description: r.description,
    address: r.address,
    hamlet: r.hamletId !== null ? { id: r.hamletId, name: hamlets.get(r.hamletId) ?? null } : null,
    location:
      r.latitude !== null && r.longitude !== null
        ? { latitude: r.latitude, longitude: r.longitude, map: mapLink(r.latitude, r.longitude) }
        : null,
    photos: r.photos.length,
    storedPhotos: r.photos.flatMap((p: ReportPhoto) =>
      p.state === 'stored' && p.file
        ? [{ file: p.file, type: p.type, size: p.size, storedAt: p.storedAt, url: `/api/v1/reports/${r.id}/photos/${p.file}` }]
        : [],
    ),
    channel: r.channel,
    note: r.note,
    referral: r.referral,
    assignedTo: r.assignedTo,
    mergedInto: r.mergedInto,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function idOf(req: Request): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

function pageOf(req: Request): { status?: ReportStatus; hamletId?: number; limit: number; before?: number } {
  const fieldErrors: Record<string, string> = {};
  const status = req.query.status === undefined ? undefined : String(req.query.status);
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) fieldErrors.status = STATUSES.join(' | ');
  const limit = req.query.limit === undefined ? PAGE_DEFAULT : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) fieldErrors.limit = `1 đến ${PAGE_MAX}`;
  const before = req.query.before === undefined ? undefined : Number(req.query.before);
  if (before !== undefined && (!Number.isSafeInteger(before) || before < 1))
    fieldErrors.before = 'mã phản ánh (số) của trang trước';
  const hamletId = req.query.hamlet === undefined ? undefined : Number(req.query.hamlet);
  if (hamletId !== undefined && (!Number.isSafeInteger(hamletId) || hamletId < 1)) fieldErrors.hamlet = 'mã thôn/ấp (số)';
  if (Object.keys(fieldErrors).length) throw new ValidationError('Tham số tra cứu không hợp lệ.', fieldErrors, 400);
  return { status: status as ReportStatus | undefined, hamletId, limit, before };
}

/**
 * Staff routes of residents' reports (bound to the caller's commune; another
 * commune's report is a 404, audited where a report changes):
 * - `GET  /api/v1/reports?status=&hamlet=&limit=&before=` the queue, newest first, paged by id
 * - `GET  /api/v1/reports/:id`                    one report with the duplicates merged into it
 * - `POST /api/v1/reports/:id/status`             { status?, note?, referral?, assignee? }
 * - `POST /api/v1/reports/:id/merge`              { into: id or PA- code }
 * - `GET  /api/v1/reports/:id/photos/:file`       one stored photo (audited; see photo-http.ts)
 */
export function createReportsApi(deps: ReportsApiDeps): express.Router {
  const { db } = deps;
  const router = express.Router();
  const base = '/api/v1/reports';

  router.get(base, deps.requireStaff(READ), async (req, res) => {
    const page = pageOf(req);
    const communeId = await deps.communeOfRequest(req);
    const { reports, next } = await listReports(db, communeId, page);
    const hamlets = await hamletNames(db, communeId);
    res.json({ reports: reports.map((r) => reportJson(r, hamlets)), next: next ?? null });
  });

  router.get(`${base}/:id`, deps.requireStaff(READ), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const r = await findReport(db, communeId, idOf(req));
    if (!r) throw notFound();
    const merged = await listMergedInto(db, r.id);
    await writeAudit(db, { communeId, actor: actorOf(principalOf(req)!), action: 'report.viewed', subject: r.code });
    res.json({
      report: reportJson(r, await hamletNames(db, communeId)),
      merged: merged.map((m) => ({ id: m.id, code: m.code, createdAt: m.createdAt })),
    });
  });

  router.get(`${base}/:id/photos/:file`, deps.requireStaff(READ), async (req, res) => {
    await sendReportPhoto(res, {
      db,
      store: deps.reportPhotos?.store,
      communeId: await deps.communeOfRequest(req),
      id: idOf(req),
      file: String(req.params.file),
      actor: actorOf(principalOf(req)!),
    });
  });

  router.post(`${base}/:id/status`, deps.requireStaff(WRITE), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { report, outboxIds } = await changeStatus(db, {
      communeId,
      id: idOf(req),
      actor: actorOf(principalOf(req)!),
      status: body.status,
      note: body.note,
      referral: body.referral,
      assignee: body.assignee,
    });
    deps.deliver(outboxIds);
    res.json({ report: reportJson(report, await hamletNames(db, communeId)), notified: outboxIds.length });
  });

  router.post(`${base}/:id/merge`, deps.requireStaff(WRITE), async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const communeId = await deps.communeOfRequest(req);
    const { report, outboxIds } = await mergeReport(db, {
      communeId,
      id: idOf(req),
      into: body.into,
      actor: actorOf(principalOf(req)!),
    });
    deps.deliver(outboxIds);
    res.json({ report: reportJson(report, await hamletNames(db, communeId)), notified: outboxIds.length });
  });

  router.use(httpErrors());
  return router;
}
