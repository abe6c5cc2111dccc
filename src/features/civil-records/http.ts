import express, { type Request, type RequestHandler, type Response } from 'express';
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

const STATUSES: RequestStatus[] = ['pending', 'approved', 'rejected', 'delivered', 'cancelled'];

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

/** The staff REST API of the review queue, bound to the caller's commune (another commune's request is a 404). */
export function createCivilRecordsApi(deps: CivilRecordsApiDeps): express.Router {
  const router = express.Router();
  const base = '/api/v1/civil-record-requests';
  const fail = (res: Response, error: unknown) => {
    const mapped = statusOfError(error);
    if (!mapped) throw error;
    res.status(mapped.status).json({ error: mapped.error });
  };

  router.get(base, deps.requireStaff(READ), async (req, res) => {
    const status = req.query.status === undefined ? undefined : String(req.query.status);
    if (status !== undefined && !STATUSES.includes(status as RequestStatus)) {
      res.status(422).json({ error: 'invalid status', fieldErrors: { status: STATUSES.join(' | ') } });
      return;
    }
    const rows = await listRequests(deps.db, await deps.communeOfRequest(req), status as RequestStatus | undefined);
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
  });

  router.get(`${base}/:id`, deps.requireStaff(READ), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const r = await findRequest(deps.db, communeId, idOf(req));
    if (!r) {
      res.status(404).json({ error: 'not found' });
      return;
    }
    const [candidates, copies] = await Promise.all([findCandidates(deps.db, r), listCopies(deps.db, r.id)]);
    await writeAudit(deps.db, { communeId, actor: actorOf(principalOf(req)!), action: 'civil-request.viewed', subject: r.code });
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
  });

  router.post(`${base}/:id/approve`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  router.post(`${base}/:id/reject`, deps.requireStaff(DECIDE), async (req, res) => {
    const reason = typeof req.body?.reason === 'string' ? req.body.reason.trim() : '';
    if (!reason || reason.length > 1000) {
      res.status(422).json({ error: 'reason is required', fieldErrors: { reason: 'required, at most 1000 characters' } });
      return;
    }
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
  });

  router.post(`${base}/:id/payment`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  router.post(`${base}/:id/revoke`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  // The officially signed PDF from the national civil-status software, sent as the body (Content-Type: application/pdf).
  router.post(
    `${base}/:id/signed-copy`,
    deps.requireStaff(DECIDE),
    express.raw({ type: 'application/pdf', limit: SIGNED_COPY_MAX_BYTES }),
    async (req, res) => {
      if (!Buffer.isBuffer(req.body)) {
        res.status(415).json({ error: 'send the PDF as the body with Content-Type: application/pdf' });
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

  router.post(`${base}/:id/resend`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  // Handed over at the counter or posted (copies delivered in the chat are marked by the delivery itself).
  router.post(`${base}/:id/handed-over`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  // The resident asked for their data to be erased (Law 91/2025/QH15): a pending request is cancelled too.
  router.post(`${base}/:id/erase`, deps.requireStaff(DECIDE), async (req, res) => {
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
  });

  router.get(`${base}/:id/pdf`, deps.requireStaff(READ), async (req, res) => {
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
  });
  return router;
}
