/** What the civil-records staff API's routers share: their dependencies, permissions, shapes and the refusal map. */
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { ApiRouteSpec } from '../../core/api-route.js';
import type { Permission } from '../../core/staff.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import type { EvidenceSources } from './evidence-files.js';
import { CivilRecordError, type CivilRecordsServiceDeps, type RequestRow, type RequestStatus } from './service.js';

export interface CivilRecordsApiDeps extends CivilRecordsServiceDeps, EvidenceSources {
  db: Db;
  log: Logger;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Called after commit with the outbox ids of queued messages (the delivery worker's kick). */
  deliver: (outboxIds: number[]) => void;
}

/** Reading requests and copies: registrar, admin, leader. */
export const READ: Permission = 'civil-records';
/** Approving, rejecting, recording payment, revoking: registrar and admin. */
export const DECIDE: Permission = 'civil-records-decide';

export const STATUSES = ['pending', 'approved', 'rejected', 'delivered', 'cancelled'] as const satisfies readonly RequestStatus[];
/** The body of an approval, as approveRequest (decisions.ts) checks it after the request's status. */
export const approveBody = z.object({
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

export function idOf(req: Request): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

export const REASON = 'required, at most 1000 characters';
export const idParams = z.object({ id: z.string().describe('The request id (a number); anything else is a 404.') });
export const requestShape = z.looseObject({
  id: z.number().int(),
  code: z.string(),
  status: z.enum(['pending', 'approved', 'rejected', 'delivered', 'cancelled']),
  kind: z.string(),
  copies: z.number().int(),
  deliveryMode: z.string(),
  phoneVerified: z.boolean(),
  createdAt: z.string(),
});
export const oneRequest = z.object({ request: requestShape });
export const statusJson = (status: string) => z.object({ status: z.literal(status) });
/** Service refusals: `error` is the code (not_found, not_pending, not_approved, no_copy, record_required, …). */
export const refusals = {
  404: { description: '`not_found` (no such request in this commune) or `no_copy`.' },
  409: { description: '`not_pending` or `not_approved`: not allowed in the current status.' },
  422: { description: 'Another refusal; `error` is its code.' },
};

export const BASE = '/api/v1/civil-record-requests';

/** The OpenAPI fields of a route that reads (READ) or decides (DECIDE). */
export const reader: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = {
  tags: ['civil-records'],
  auth: 'staff',
  permission: READ,
};
export const decider: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = {
  tags: ['civil-records'],
  auth: 'staff',
  permission: DECIDE,
};

/** Answers a service refusal with its status and code; anything else is thrown on to the error map. */
export function fail(res: Response, error: unknown): void {
  const mapped = statusOfError(error);
  if (!mapped) throw error;
  res.status(mapped.status).json({ error: mapped.error });
}
