import type express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalAllows, principalOf, type StaffPrincipal } from '../../core/staff.js';
import { APPROVE, idOf, noticeParams, READ, WRITE, type NoticesApiDeps } from './http.js';
import { resendUnconfirmed } from './service.js';

/** Who may resend a notice: whoever may send one, or, where the commune requires approval, whoever may approve. */
export function maySendAs(p: StaffPrincipal): (approvalRequired: boolean) => boolean {
  return (approvalRequired) => principalAllows(p, approvalRequired ? APPROVE : WRITE);
}

/**
 * - `POST /api/v1/notices/:id/resend-unconfirmed`   queue the notice again for the residents whose copy is unconfirmed
 */
export function registerResendRoute(router: express.Router, deps: NoticesApiDeps): void {
  const { db } = deps;
  apiRoute(
    router,
    {
      tags: ['notices'],
      auth: 'staff',
      // What the guard below checks; the rule that decides depends on the commune's setting (the description).
      permission: READ,
      method: 'post',
      path: '/api/v1/notices/:id/resend-unconfirmed',
      summary: 'Send a sent notice again to the residents whose copy the platform never confirmed',
      description:
        'Copies in flight when a send was cut off (`unconfirmed` in the report) are not sent again on their own, ' +
        'so that nobody gets the notice twice; some of them never reached the platform. This reopens those copies, ' +
        'in their own outbox rows, for a fresh send: residents who did get the first copy get a second one. ' +
        'Anyone who reads notices reaches the route; resending takes the permission sending takes, `notices`, ' +
        'or, where the commune requires approval, `notices-approve` (403 otherwise). Audited ' +
        '(`notice.resend_unconfirmed` with the count).',
      params: noticeParams,
      responses: {
        202: {
          description: 'The copies are queued again; the delivery worker sends them.',
          schema: z.object({ reopened: z.number().int().describe('How many copies were queued again.') }),
        },
        403: { description: 'The caller may not send notices (or, where approval is required, approve them).' },
        404: { description: 'No such notice in this commune.' },
        409: { description: 'The notice is not sent, or none of its copies is unconfirmed.' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const principal = principalOf(req)!;
      const done = await resendUnconfirmed(db, {
        communeId: await deps.communeOfRequest(req),
        id: idOf(req),
        actor: actorOf(principal),
        maySend: maySendAs(principal),
        replyWindowMs: deps.replyWindowMs,
      });
      if (!done) {
        res.status(404).json({ error: 'Không tìm thấy thông báo này.' });
        return;
      }
      res.status(202).json({ reopened: done.reopened });
    },
  );
}
