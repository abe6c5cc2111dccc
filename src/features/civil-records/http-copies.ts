/**
 * The copy files of a request: the signed PDF from the national software, the
 * current copy as PDF, sending it again, handing it over, and revocation.
 *
 *   POST /api/v1/civil-record-requests/:id/signed-copy   upload the officially signed PDF
 *   GET  /api/v1/civil-record-requests/:id/pdf           the current copy (audited)
 *   POST /api/v1/civil-record-requests/:id/resend        send the current copy again
 *   POST /api/v1/civil-record-requests/:id/handed-over   handed over at the counter or posted
 *   POST /api/v1/civil-record-requests/:id/revoke        revoke the copies (their links stop working)
 */
import express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalOf } from '../../core/staff.js';
import { httpErrors } from '../../core/http-errors.js';
import { writeAudit } from '../../db/audit.js';
import {
  BASE,
  type CivilRecordsApiDeps,
  decider,
  DECIDE,
  fail,
  idOf,
  idParams,
  READ,
  reader,
  refusals,
  statusJson,
} from './http-shared.js';
import {
  currentCopy,
  findRequest,
  markHandedOver,
  resendCopy,
  revokeCopies,
  SIGNED_COPY_MAX_BYTES,
  uploadSignedCopy,
} from './service.js';

export function createCopyRoutes(deps: CivilRecordsApiDeps): express.Router {
  const router = express.Router();

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${BASE}/:id/revoke`,
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
      path: `${BASE}/:id/signed-copy`,
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
      path: `${BASE}/:id/resend`,
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
      path: `${BASE}/:id/handed-over`,
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

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: `${BASE}/:id/pdf`,
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
  router.use(`${BASE}/:id/signed-copy`, httpErrors({ tooLarge: 'Tệp PDF quá lớn (tối đa 5 MB).' }));
  return router;
}
