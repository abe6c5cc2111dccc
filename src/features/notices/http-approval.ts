import type express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { actorOf, principalOf, type StaffPrincipal } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { APPROVE, idOf, noticeJson, noticeParams, oneNotice, type NoticesApiDeps } from './http.js';
import { approveNotice, noticesRequireApproval, rejectNotice, setNoticesRequireApproval } from './service.js';

/** Admins (and the installation's bootstrap key) may approve a notice they composed themselves. */
export function isAdmin(p: StaffPrincipal): boolean {
  return p.kind === 'bootstrap' || (p.kind === 'staff' && p.role === 'admin');
}

const settingShape = z.object({
  requireApproval: z.boolean().describe('Notices sent or scheduled wait for a leader’s or admin’s approval.'),
});

/**
 * Approval before sending (issue 17 item 2), on the notices router:
 * - `POST /api/v1/notices/:id/approve`   approve a notice awaiting approval: sent now, or scheduled if its time is ahead
 * - `POST /api/v1/notices/:id/reject`    reject it with { reason }: never sent
 * - `GET|PUT /api/v1/notice-settings`    the commune's setting { requireApproval } (admins change it)
 */
export function registerApprovalRoutes(router: express.Router, deps: NoticesApiDeps): void {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const approver = { tags: ['notices'], auth: 'staff' as const, permission: APPROVE };
  const notFound = { error: 'Không tìm thấy thông báo này.' };
  const refusals = {
    403: { description: 'The caller composed it and is not an admin.' },
    404: { description: 'No such notice in this commune.' },
    409: { description: 'Not awaiting approval.' },
  };

  apiRoute(
    router,
    {
      ...approver,
      method: 'post',
      path: '/api/v1/notices/:id/approve',
      summary: 'Approve a notice awaiting approval',
      description: 'It is sent now, or scheduled if its time is still ahead. Audited with the approver.',
      params: noticeParams,
      responses: { 200: { description: 'Approved.', schema: oneNotice }, ...refusals },
    },
    deps.requireStaff(APPROVE),
    async (req, res) => {
      const principal = principalOf(req)!;
      const communeId = await deps.communeOfRequest(req);
      const notice = await db.transaction((tx) =>
        approveNotice(tx as unknown as Db, {
          communeId,
          id: idOf(req),
          actor: actorOf(principal),
          isAdmin: isAdmin(principal),
          now: now(),
        }),
      );
      if (!notice) {
        res.status(404).json(notFound);
        return;
      }
      if (notice.status === 'sending') void deps.noticeSender.send(notice.id);
      res.json({ notice: noticeJson(notice) });
    },
  );

  apiRoute(
    router,
    {
      ...approver,
      method: 'post',
      path: '/api/v1/notices/:id/reject',
      summary: 'Reject a notice awaiting approval, with the reason the composer reads',
      params: noticeParams,
      body: z.object({ reason: z.string().min(1).max(500) }),
      bodyValidatedBy: 'handler',
      responses: {
        200: { description: 'Rejected: it is never sent.', schema: oneNotice },
        ...refusals,
        422: { description: 'No reason, or longer than 500 characters.' },
      },
    },
    deps.requireStaff(APPROVE),
    async (req, res) => {
      const principal = principalOf(req)!;
      const communeId = await deps.communeOfRequest(req);
      const notice = await db.transaction((tx) =>
        rejectNotice(tx as unknown as Db, {
          communeId,
          id: idOf(req),
          actor: actorOf(principal),
          isAdmin: isAdmin(principal),
          now: now(),
          reason: (req.body as { reason?: unknown } | undefined)?.reason,
        }),
      );
      if (!notice) {
        res.status(404).json(notFound);
        return;
      }
      res.json({ notice: noticeJson(notice) });
    },
  );

  apiRoute(
    router,
    {
      tags: ['notices'],
      auth: 'staff',
      permission: 'notices-read',
      method: 'get',
      path: '/api/v1/notice-settings',
      summary: "The commune's notice settings",
      responses: { 200: { description: 'The settings.', schema: settingShape } },
    },
    deps.requireStaff('notices-read'),
    async (req, res) => {
      res.json({ requireApproval: await noticesRequireApproval(db, await deps.communeOfRequest(req)) });
    },
  );

  apiRoute(
    router,
    {
      tags: ['notices'],
      auth: 'staff',
      permission: 'settings',
      method: 'put',
      path: '/api/v1/notice-settings',
      summary: 'Require (or not) a leader’s or admin’s approval before notices are sent',
      description: 'Applies to notices sent or scheduled from now on. Audited with the old and new value.',
      body: settingShape,
      invalid: { status: 422, error: 'Dữ liệu cài đặt chưa hợp lệ: requireApproval phải là true hoặc false.' },
      responses: {
        200: { description: 'Saved.', schema: settingShape },
        422: { description: '`requireApproval` missing or not a boolean.' },
      },
    },
    deps.requireStaff('settings'),
    async (req, res, input) => {
      const communeId = await deps.communeOfRequest(req);
      const changed = await db.transaction((tx) =>
        setNoticesRequireApproval(tx as unknown as Db, {
          communeId,
          on: input.body.requireApproval,
          actor: actorOf(principalOf(req)!),
        }),
      );
      res.json({ requireApproval: changed?.after ?? input.body.requireApproval });
    },
  );
}
