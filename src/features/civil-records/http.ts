/**
 * The staff REST API of civil-status copy requests, bound to the caller's
 * commune: three routers by job, one prefix (/api/v1/civil-record-requests).
 *
 *   http-review.ts   the queue, one request, approve, reject, erase
 *   http-payment.ts  the fee paid
 *   http-copies.ts   the signed PDF, the copy as PDF, resend, handed over, revoke
 */
import express from 'express';
import type { CivilRecordsApiDeps } from './http-shared.js';
import { createCopyRoutes } from './http-copies.js';
import { createPaymentRoutes } from './http-payment.js';
import { createReviewRoutes } from './http-review.js';

export { DECIDE, READ, requestJson, statusOfError, type CivilRecordsApiDeps } from './http-shared.js';

export function createCivilRecordsApi(deps: CivilRecordsApiDeps): express.Router {
  return express.Router().use(createReviewRoutes(deps), createPaymentRoutes(deps), createCopyRoutes(deps));
}
