import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { httpErrors } from '../../core/http-errors.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { mapLink, STATUSES } from './codes.js';
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

const LIMIT = `1 đến ${PAGE_MAX}`;
const BEFORE = 'mã phản ánh (số) của trang trước';
const HAMLET = 'mã thôn/ấp (số)';

/** The queue's filters and paging (400 with `fieldErrors` when one is wrong). */
const pageQuery = z.object({
  status: z.enum(STATUSES, { error: STATUSES.join(' | ') }).optional(),
  hamlet: z.coerce.number({ error: HAMLET }).int(HAMLET).min(1, HAMLET).optional().describe('A hamlet id.'),
  limit: z.coerce
    .number({ error: LIMIT })
    .int(LIMIT)
    .min(1, LIMIT)
    .max(PAGE_MAX, LIMIT)
    .optional()
    .describe(`Page size (default ${PAGE_DEFAULT}).`),
  before: z.coerce.number({ error: BEFORE }).int(BEFORE).min(1, BEFORE).optional().describe('`next` of the previous page.'),
});
const idParams = z.object({ id: z.string().describe('The report id (a number); anything else is a 404.') });
const reportShape = z.looseObject({
  id: z.number().int(),
  code: z.string(),
  status: z.enum(STATUSES),
  category: z.string().nullable(),
  description: z.string().nullable(),
  photos: z.number().int(),
  storedPhotos: z.array(z.looseObject({ file: z.string(), url: z.string() })),
  createdAt: z.string(),
});
const changed = z.object({ report: reportShape, notified: z.number().int() });

/** The body of a status change, as changeStatus (service.ts) checks it (400 with `fieldErrors`). */
const statusBody = z.object({
  status: z.enum(['in_progress', 'done', 'not_ours']).optional(),
  note: z.string().optional().describe('Shown to the resident with the new status.'),
  referral: z.string().optional().describe('Required with not_ours: where the resident should turn.'),
  assignee: z.union([z.number().int(), z.string(), z.null()]).optional().describe('A staff id of this commune; null unassigns.'),
});
/** The body of a merge, as mergeReport (merge.ts) checks it. */
const mergeBody = z.object({
  into: z.union([z.string(), z.number().int()]).describe('The main report: its PA- code or its id.'),
});

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
  const reader = { tags: ['reports'], auth: 'staff' as const, permission: READ };
  const writer = { tags: ['reports'], auth: 'staff' as const, permission: WRITE };

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: base,
      summary: "Residents' reports, newest first, a page at a time",
      query: pageQuery,
      invalid: { error: 'Tham số tra cứu không hợp lệ.' },
      responses: {
        200: {
          description: 'One page; `next` is the `before` of the following page (null on the last one).',
          schema: z.object({ reports: z.array(reportShape), next: z.number().int().nullable() }),
        },
      },
    },
    deps.requireStaff(READ),
    async (req, res, { query }) => {
      const page = { status: query.status, hamletId: query.hamlet, limit: query.limit ?? PAGE_DEFAULT, before: query.before };
      const communeId = await deps.communeOfRequest(req);
      const { reports, next } = await listReports(db, communeId, page);
      const hamlets = await hamletNames(db, communeId);
      res.json({ reports: reports.map((r) => reportJson(r, hamlets)), next: next ?? null });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: `${base}/:id`,
      summary: 'One report with the duplicates merged into it (audited)',
      params: idParams,
      responses: {
        200: {
          description: 'The report.',
          schema: z.object({
            report: reportShape,
            merged: z.array(z.object({ id: z.number().int(), code: z.string(), createdAt: z.string() })),
          }),
        },
        404: { description: 'No such report in this commune.' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const r = await findReport(db, communeId, idOf(req));
      if (!r) throw notFound();
      const merged = await listMergedInto(db, r.id);
      await writeAudit(db, { communeId, actor: actorOf(principalOf(req)!), action: 'report.viewed', subject: r.code });
      res.json({
        report: reportJson(r, await hamletNames(db, communeId)),
        merged: merged.map((m) => ({ id: m.id, code: m.code, createdAt: m.createdAt })),
      });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: `${base}/:id/photos/:file`,
      summary: 'One stored photo of a report (audited)',
      params: z.object({ id: z.string(), file: z.string().describe('`file` of one of the report’s storedPhotos.') }),
      responses: {
        200: { description: 'The image, as stored.', mediaType: 'image/*' },
        404: { description: 'No such photo (plain text).', mediaType: 'text/plain' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      await sendReportPhoto(res, {
        db,
        store: deps.reportPhotos?.store,
        communeId: await deps.communeOfRequest(req),
        id: idOf(req),
        file: String(req.params.file),
        actor: actorOf(principalOf(req)!),
      });
    },
  );

  apiRoute(
    router,
    {
      ...writer,
      method: 'post',
      path: `${base}/:id/status`,
      summary: 'Change the status, note, referral or assignee; the resident is told of a new status',
      params: idParams,
      body: statusBody,
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'Changed.', schema: changed },
        400: { description: 'A field is invalid (`fieldErrors`).' },
        404: { description: 'No such report in this commune.' },
        409: { description: 'Not allowed in the current status.' },
      },
    },
    deps.requireStaff(WRITE),
    async (req, res) => {
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
    },
  );

  apiRoute(
    router,
    {
      ...writer,
      method: 'post',
      path: `${base}/:id/merge`,
      summary: 'Merge a duplicate into a main report; its reporter follows the main one',
      params: idParams,
      body: mergeBody,
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'Merged.', schema: changed },
        400: { description: '`into` is missing or the report itself.' },
        404: { description: 'No such report, or no such main report, in this commune.' },
        409: { description: 'Already merged, or already handled.' },
      },
    },
    deps.requireStaff(WRITE),
    async (req, res) => {
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
    },
  );

  router.use(httpErrors());
  return router;
}
