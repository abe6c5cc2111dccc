import { httpErrors } from '../../core/http-errors.js';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { apiRoute, type ApiRouteSpec } from '../../core/api-route.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import {
  approveRequest,
  CivilRecordError,
  eraseRequestData,
  currentCopy,
  findCandidates,
  findRequest,
  listCopies,
  listRequests,
  markHandedOver,
  recordPayment,
  rejectRequest,
  resendCopy,
  revokeCopies,
  SIGNED_COPY_MAX_BYTES,
  uploadSignedCopy,
  type CivilRecordsServiceDeps,
  type RequestRow,
  type RequestStatus,
} from './service.js';

export interface CivilRecordsApiDeps extends CivilRecordsServiceDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Called after commit with the outbox ids of queued messages (the delivery worker's kick). */
  deliver: (outboxIds: number[]) => void;
}

/** Reading requests and copies: registrar, admin, leader. */
export const READ: Permission = 'civil-records';
/** Approving, rejecting, recording payment, revoking: registrar and admin. */
export const DECIDE: Permission = 'civil-records-decide';

const STATUSES = ['pending', 'approved', 'rejected', 'delivered', 'cancelled'] as const satisfies readonly RequestStatus[];
/** The body of an approval, as approveRequest (decisions.ts) checks it after the request's status. */
const approveBody = z.object({
  recordId: z.number().int().positive().describe('The registration (one of the candidates) the copy is made from.'),
  paid: z.boolean().optional().describe('The fee was paid at the counter.'),
});

/** A service error as the HTTP status and message staff scripts see. */
export function statusOfError(error: unknown): { status: number; error: string } | undefined {
  if (!(error instanceof CivilRecordError)) return undefined;
  const status = { not_found: 404, not_pending: 409, not_approved: 409, no_copy: 404 }[error.code as string] ?? 422;
  return { status, error: error.code };
}

/** A request as the staff API returns it (the CCCD in full: staff compare it with the register). */
export function requestJson(r: RequestRow) {
  return {
    id: r.id,
    code: r.code,
    status: r.status,
    kind: r.kind,
    subjectName: r.subjectName,
    subjectDate: r.subjectDate,
    registerNumber: r.registerNumber,
    relationship: r.relationship,
    requesterIdNumber: r.requesterIdNumber,
    phone: r.phone,
    phoneVerified: r.phoneVerified,
    copies: r.copies,
    deliveryMode: r.deliveryMode,
    postAddress: r.postAddress,
    feeAmount: r.feeAmount,
    paid: Boolean(r.paidAt),
    channel: r.channel,
    consentAt: r.consentAt,
    reason: r.reason,
    recordId: r.recordId,
    createdAt: r.createdAt,
    decidedAt: r.decidedAt,
    deliveredAt: r.deliveredAt,
  };
}

function idOf(req: Request): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

const REASON = 'required, at most 1000 characters';
const idParams = z.object({ id: z.string().describe('The request id (a number); anything else is a 404.') });
const requestShape = z.looseObject({
  id: z.number().int(),
  code: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'delivered', 'cancelled']),
  kind: z.string(),
  copies: z.number().int(),
  deliveryMode: z.string(),
  phoneVerified: z.boolean(),
  createdAt: z.string(),
});
const oneRequest = z.object({ request: requestShape });
const statusJson = (status: string) => z.object({ status: z.literal(status) });
/** Service refusals: `error` is the code (not_found, not_pending, not_approved, no_copy, record_required, …). */
const refusals = {
  404: { description: '`not_found` (no such request in this commune) or `no_copy`.' },
  409: { description: '`not_pending` or `not_approved`: not allowed in the current status.' },
  422: { description: 'Another refusal; `error` is its code.' },
};

/** The staff REST API of the review queue, bound to the caller's commune (another commune's request is a 404). */
export function createCivilRecordsApi(deps: CivilRecordsApiDeps): express.Router {
  const router = express.Router();
  const base = '/api/v1/civil-record-requests';
  const reader: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = { tags: ['civil-records'], auth: 'staff', permission: READ };
  const decider: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = {
    tags: ['civil-records'],
    auth: 'staff',
    permission: DECIDE,
  };
  const fail = (res: Response, error: unknown) => {
    const mapped = statusOfError(error);
    if (!mapped) throw error;
    res.status(mapped.status).json({ error: mapped.error });
  };

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: base,
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
      path: `${base}/:id`,
      summary: 'One request with the candidate registrations and its copies (audited)',
      params: idParams,
      responses: {
        200: {
          description: 'The request (the CCCD in full), the register entries that may match it, and its copies.',
          schema: z.object({
            request: requestShape,
            candidates: z.array(z.looseObject({ recordId: z.number().int() })),
            copies: z.array(z.looseObject({})),
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
      const [candidates, copies] = await Promise.all([findCandidates(deps.db, r), listCopies(deps.db, r.id)]);
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
      });
    },
  );

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${base}/:id/approve`,
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
      path: `${base}/:id/reject`,
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

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${base}/:id/payment`,
      summary: 'Record that the fee was paid',
      params: idParams,
      responses: { 200: { description: 'Recorded.', schema: statusJson('paid') }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      try {
        const result = await recordPayment(
          deps.db,
          { communeId: await deps.communeOfRequest(req), id: idOf(req), actor: actorOf(principalOf(req)!) },
          deps,
        );
        deps.deliver(result.outboxIds);
        res.json({ status: 'paid' });
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
      path: `${base}/:id/revoke`,
      summary: "Revoke the request's copies (their links stop working)",
      params: idParams,
      responses: { 200: { description: 'How many were revoked.', schema: z.object({ revoked: z.number().int() }) }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      try {
        const revoked = await revokeCopies(deps.db, {
          communeId: await deps.communeOfRequest(req),
          id: idOf(req),
          actor: actorOf(principalOf(req)!),
        });
        res.json({ revoked });
      } catch (error) {
        fail(res, error);
      }
    },
  );

  // The officially signed PDF from the national civil-status software, sent as the body (Content-Type: application/pdf).
  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${base}/:id/signed-copy`,
      summary: 'Upload the officially signed PDF from the national civil-status software',
      description: 'The PDF is the body, with `Content-Type: application/pdf`; anything else is a 415.',
      params: idParams,
      bodyMediaTypes: ['application/pdf'],
      responses: {
        201: { description: 'Stored as the current copy.', schema: z.looseObject({}) },
        413: { description: 'Larger than the limit.' },
        415: { description: 'Not sent as application/pdf.' },
        ...refusals,
      },
    },
    deps.requireStaff(DECIDE),
    express.raw({ type: 'application/pdf', limit: SIGNED_COPY_MAX_BYTES }),
    async (req, res) => {
      if (!Buffer.isBuffer(req.body)) {
        res.status(415).json({ error: 'Hãy gửi tệp PDF làm nội dung yêu cầu, với Content-Type: application/pdf.' });
        return;
      }
      try {
        const result = await uploadSignedCopy(deps.db, {
          communeId: await deps.communeOfRequest(req),
          id: idOf(req),
          pdf: req.body,
          actor: actorOf(principalOf(req)!),
        });
        res.status(201).json(result);
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
      path: `${base}/:id/resend`,
      summary: 'Send the current copy to the resident again',
      params: idParams,
      responses: { 200: { description: 'Queued.', schema: statusJson('resent') }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      try {
        const result = await resendCopy(
          deps.db,
          { communeId: await deps.communeOfRequest(req), id: idOf(req), actor: actorOf(principalOf(req)!) },
          deps,
        );
        deps.deliver(result.outboxIds);
        res.json({ status: 'resent' });
      } catch (error) {
        fail(res, error);
      }
    },
  );

  // Handed over at the counter or posted (copies delivered in the chat are marked by the delivery itself).
  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${base}/:id/handed-over`,
      summary: 'Mark the copy handed over at the counter or posted',
      params: idParams,
      responses: { 200: { description: 'Delivered.', schema: statusJson('delivered') }, ...refusals },
    },
    deps.requireStaff(DECIDE),
    async (req, res) => {
      try {
        await markHandedOver(deps.db, {
          communeId: await deps.communeOfRequest(req),
          id: idOf(req),
          actor: actorOf(principalOf(req)!),
        });
        res.json({ status: 'delivered' });
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
      path: `${base}/:id/erase`,
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
      path: `${base}/:id/pdf`,
      summary: 'The current copy as PDF (audited)',
      params: idParams,
      responses: {
        200: { description: 'The PDF.', mediaType: 'application/pdf' },
        404: { description: 'No such request, or no copy yet.' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const r = await findRequest(deps.db, communeId, idOf(req));
      const copy = r ? await currentCopy(deps.db, r.id) : undefined;
      if (!r || !copy) {
        res.status(404).json({ error: 'not found' });
        return;
      }
      await writeAudit(deps.db, {
        communeId,
        actor: actorOf(principalOf(req)!),
        action: 'civil-copy.viewed',
        subject: r.code,
        details: { copyId: copy.id },
      });
      res
        .status(200)
        .set({
          'content-type': 'application/pdf',
          'content-disposition': `inline; filename="ban-sao-${r.code}.pdf"`,
          'cache-control': 'no-store',
        })
        .send(Buffer.from(copy.pdfBase64, 'base64'));
    },
  );
  // A PDF over the limit is refused with a message about the file, not the chat's "message too long".
  router.use(`${base}/:id/signed-copy`, httpErrors({ tooLarge: 'Tệp PDF quá lớn (tối đa 5 MB).' }));
  return router;
}
