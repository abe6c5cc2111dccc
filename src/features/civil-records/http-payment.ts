/**
 * The fee of a copy request.
 *
 *   POST /api/v1/civil-record-requests/:id/payment   record that the fee was paid (the resident is told)
 */
import express from 'express';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalOf } from '../../core/staff.js';
import { BASE, type CivilRecordsApiDeps, decider, DECIDE, fail, idOf, idParams, refusals, statusJson } from './http-shared.js';
import { recordPayment } from './service.js';

export function createPaymentRoutes(deps: CivilRecordsApiDeps): express.Router {
  const router = express.Router();

  apiRoute(
    router,
    {
      ...decider,
      method: 'post',
      path: `${BASE}/:id/payment`,
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

  return router;
}
