/**
 * The review queue of copy requests and the decisions on them, bound to the
 * caller's commune (another commune's request is a 404).
 *
 *   GET  /api/v1/civil-record-requests              the queue
 *   GET  /api/v1/civil-record-requests/:id          one request, its candidate registrations and copies (audited)
 *   GET  /api/v1/civil-record-requests/:id/attachments/:attachmentId   one piece of evidence (audited)
 *   POST /api/v1/civil-record-requests/:id/approve  approve against one registration
 *   POST /api/v1/civil-record-requests/:id/reject   reject with the reason the resident is told
 *   POST /api/v1/civil-record-requests/:id/erase    erase the resident's data (a pending request is cancelled)
 */
import express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalOf } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import { answerRefusal, readEvidence, sendEvidence } from './evidence-files.js';
import {
  approveBody,
  BASE,
  type CivilRecordsApiDeps,
  decider,
  fail,
  idOf,
  idParams,
  oneRequest,
  READ,
  DECIDE,
  reader,
  REASON,
  refusals,
  requestJson,
  requestShape,
  STATUSES,
  statusJson,
} from './http-shared.js';
import {
  approveRequest,
  eraseRequestData,
  findCandidates,
  findRequest,
  listAttachments,
  listCopies,
  listRequests,
  rejectRequest,
} from './service.js';

export function createReviewRoutes(deps: CivilRecordsApiDeps): express.Router {
  const router = express.Router();

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: BASE,
      summary: 'Requests for civil-status copies, newest first',
      query: z.object({ status: z.enum(STATUSES, { error: STATUSES.join(' | ') }).optional() }),
      invalid: { status: 422, error: 'invalid status' },
      responses: {
        200: { description: 'The requests (without personal data).', schema: z.object({ requests: z.array(requestShape) }) },
      },
    },
    deps.requireStaff(READ),
    async (req, res, { query }) => {
      const rows = await listRequests(deps.db, await deps.communeOfRequest(req), query.status);
      res.json({
        requests: rows.map((r) => ({
          id: r.id,
          code: r.code,
          status: r.status,
          kind: r.kind,
          relationship: r.relationship,
          copies: r.copies,
          deliveryMode: r.deliveryMode,
          phoneVerified: r.phoneVerified,
          createdAt: r.createdAt,
        })),
      });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: `${BASE}/:id`,
      summary: 'One request with the candidate registrations and its copies (audited)',
      params: idParams,
      responses: {
        200: {
          description: 'The request (the CCCD in full), the register entries that may match it, and its copies.',
          schema: z.object({
            request: requestShape,
            candidates: z.array(z.looseObject({ recordId: z.number().int() })),
            copies: z.array(z.looseObject({})),
            attachments: z.array(z.looseObject({ kind: z.enum(['image', 'pdf']), mimeType: z.string() })),
          }),
        },
        404: { description: 'No such request in this commune.' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const r = await findRequest(deps.db, communeId, idOf(req));
      if (!r) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      const [candidates, copies, attachments] = await Promise.all([
        findCandidates(deps.db, r),
        listCopies(deps.db, r.id),
        listAttachments(deps.db, r.id),
      ]);
      await writeAudit(deps.db, {
        communeId,
        actor: actorOf(principalOf(req)!),
        action: 'civil-request.viewed',
        subject: r.code,
      });
      res.json({
        request: requestJson(r),
        candidates: candidates.map((c) => ({
          recordId: c.record.id,
          book: c.record.book,
          number: c.record.number,
          registeredOn: c.record.registeredOn,
          eventDate: c.record.eventDate,
          persons: c.record.persons,
          nameMatches: c.nameMatches,
          dateMatches: c.dateMatches,
          numberMatches: c.numberMatches,
          idMatches: c.idMatches,
        })),
        copies,
        attachments,
      });
    },
  );

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${BASE}/:id/approve`,
      summary: 'Approve a request against one registration; the copy is made and the resident told',
      params: idParams,
      body: approveBody,
      bodyValidatedBy: 'handler',
      responses: { 200: { description: 'Approved.', schema: oneRequest }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      const recordId = Number(req.body?.recordId);
      try {
        const result = await approveRequest(
          deps.db,
          {
            communeId: await deps.communeOfRequest(req),
            id: idOf(req),
            recordId,
            paid: req.body?.paid === true,
            actor: actorOf(principalOf(req)!),
          },
          deps,
        );
        deps.deliver(result.outboxIds);
        res.json({ request: requestJson(result.request) });
      } catch (error) {
        fail(res, error);
      }
    },
  );

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${BASE}/:id/reject`,
      summary: 'Reject a request with the reason the resident is told',
      params: idParams,
      body: z.object({ reason: z.string({ error: REASON }).trim().min(1, REASON).max(1000, REASON) }),
      invalid: { status: 422, error: 'reason is required' },
      responses: { 200: { description: 'Rejected.', schema: statusJson('rejected') }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res, { body }) => {
      const { reason } = body;
      try {
        const result = await rejectRequest(deps.db, {
          communeId: await deps.communeOfRequest(req),
          id: idOf(req),
          reason,
          actor: actorOf(principalOf(req)!),
        });
        deps.deliver(result.outboxIds);
        res.json({ status: 'rejected' });
      } catch (error) {
        fail(res, error);
      }
    },
  );

  // The resident asked for their data to be erased (Law 91/2025/QH15): a pending request is cancelled too.
  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${BASE}/:id/erase`,
      summary: "Erase the resident's data of a request (a pending one is cancelled too)",
      params: idParams,
      responses: {
        200: { description: 'Erased.', schema: statusJson('erased') },
        404: { description: 'No such request in this commune.' },
      },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      const ok = await eraseRequestData(deps.db, {
        communeId: await deps.communeOfRequest(req),
        id: idOf(req),
        actor: actorOf(principalOf(req)!),
      });
      if (!ok) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      res.json({ status: 'erased' });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: `${BASE}/:id/attachments/:attachmentId`,
      summary: 'One piece of evidence the resident attached, fetched from the platform it was sent on (audited)',
      params: idParams.extend({ attachmentId: z.string().describe('The attachment id (a number).') }),
      responses: {
        200: {
          description: 'The file: a photo re-encoded without metadata (inline), a PDF or any other format as a download.',
          mediaType: 'application/octet-stream',
        },
        404: { description: 'No such request in this commune, or no such attachment on it.' },
        410: { description: 'The platform no longer has the file (an expired link, a file gone): `reason` `gone`.' },
        422: { description: 'Over 20 MB (`too_large`), or neither a photo this server can re-encode nor a PDF (`format`).' },
        502: { description: 'The platform failed or did not answer in time (`network`): try again later.' },
        503: { description: 'The channel is no longer set up (`channel_off`), or too many files are being fetched (`busy`).' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      // Express answers HEAD with the GET route: that would fetch the file and audit a view that disclosed nothing.
      if (req.method === 'HEAD') {
        res.status(405).set('allow', 'GET').end();
        return;
      }
      const communeId = await deps.communeOfRequest(req);
      const e = await readEvidence(deps, { communeId, requestId: idOf(req), attachmentId: Number(req.params.attachmentId) });
      if (!e.ok) {
        if (e.reason === 'not_found') {
          res.status(404).json({ error: 'not found' });
          return;
        }
        const refusal = answerRefusal(res, e);
        res.status(refusal.status).json({ error: refusal.text, reason: e.reason, channel: e.channel });
        return;
      }
      await sendEvidence(deps.db, res, e, { communeId, actor: actorOf(principalOf(req)!) });
    },
  );

  return router;
}
