import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { httpErrors } from '../../core/http-errors.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { registerApprovalRoutes } from './http-approval.js';
import { registerAttachmentRoutes } from './http-attachment.js';
import { registerResendRoute } from './http-resend.js';
import type { NoticeSender } from './sender.js';
import {
  attachmentInfo,
  cancelNotice,
  createNotice,
  deliveryReport,
  findNotice,
  listHamlets,
  listNotices,
  listTopics,
  parseTargets,
  previewAudience,
  startSending,
  type NoticeRow,
} from './service.js';

/** What the notices' staff routes need. */
export interface NoticesApiDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Queues a sending notice into the outbox (runtime: the notice sender). */
  noticeSender: Pick<NoticeSender, 'send'>;
  now?: () => Date;
  /** The installation's public address: a notice's file is linked as `<publicUrl>/notices/files/<token>`. */
  publicUrl: string;
  /** The platform's reply window by channel (runtime: channels/capabilities.ts): a resend skips residents outside it. */
  replyWindowMs?: (channel: string) => number | undefined;
}

/** Composing and sending: officers and admins. Reading (list, report, preview) also leaders. */
export const WRITE: Permission = 'notices';
export const READ: Permission = 'notices-read';
/** Approving or rejecting notices where the commune requires it: leaders and admins. */
export const APPROVE: Permission = 'notices-approve';

export function noticeJson(n: NoticeRow) {
  return {
    id: n.id,
    title: n.title,
    text: n.body,
    link: n.link,
    hamlets: n.hamletIds,
    topics: n.topicIds,
    status: n.status,
    scheduledAt: n.scheduledAt,
    createdBy: n.createdBy,
    createdAt: n.createdAt,
    sentAt: n.sentAt,
    cancelledAt: n.cancelledAt,
    decidedBy: n.decidedBy,
    decidedAt: n.decidedAt,
    rejectReason: n.rejectReason,
  };
}

export function idOf(req: Request): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

const idList = z
  .union([z.array(z.number().int()), z.string()])
  .optional()
  .describe('Ids of this commune (an array, or comma-separated in a query); none: everyone.');
const idQuery = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .describe('Ids of this commune, comma-separated or repeated; none: everyone.');
export const noticeParams = z.object({ id: z.string().describe('The notice id (a number); anything else is a 404.') });
const noticeShape = z.object({
  id: z.number().int(),
  title: z.string(),
  text: z.string(),
  link: z.string().nullable(),
  hamlets: z.array(z.number().int()),
  topics: z.array(z.number().int()),
  status: z.enum(['draft', 'awaiting_approval', 'scheduled', 'sending', 'sent', 'cancelled', 'rejected']),
  scheduledAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  decidedBy: z.string().nullable().describe('Who approved or rejected it, where approval was required.'),
  decidedAt: z.string().nullable(),
  rejectReason: z.string().nullable(),
});
export const oneNotice = z.object({ notice: noticeShape });

/**
 * The body of `POST /api/v1/notices`, as createNotice (service.ts) checks it: the route documents it and the
 * service answers bad input (422 with `fieldErrors`; a bad `scheduledAt` 400), the targets against the commune's own.
 */
const composeBody = z.object({
  title: z.string().min(1).max(150).describe('Whitespace is collapsed.'),
  text: z.string().min(1).max(3000),
  link: z
    .string()
    .max(500)
    .regex(/^https?:\/\/[^\s]+$/i)
    .optional(),
  hamlets: idList,
  topics: idList,
  scheduledAt: z.string().optional().describe('ISO 8601 (without an offset: Vietnam time), in the coming year; absent: a draft.'),
});

/**
 * Staff routes of notices (bound to the caller's commune, audited):
 * - `GET  /api/v1/notices`                          notices, newest first, with the hamlets and topics
 * - `GET  /api/v1/notices/preview?hamlets=&topics=` recipients per channel of a target
 * - `POST /api/v1/notices`                          compose { title, text, link?, hamlets?, topics?, scheduledAt? }
 * - `GET  /api/v1/notices/:id`                      one notice with its delivery report
 * - `POST /api/v1/notices/:id/send`                 send now (or submit for approval where the commune requires it)
 * - `POST /api/v1/notices/:id/cancel`               cancel a draft, scheduled or awaiting notice
 * - approval and its setting: http-approval.ts; the attachment: http-attachment.ts; resending the unconfirmed
 *   copies of a sent notice: http-resend.ts
 */
export function createNoticesApi(deps: NoticesApiDeps): express.Router {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  const notFound = { error: 'Không tìm thấy thông báo này.' };
  const reader = { tags: ['notices'], auth: 'staff' as const, permission: READ };
  const writer = { tags: ['notices'], auth: 'staff' as const, permission: WRITE };
  const missing = { 404: { description: 'No such notice in this commune.' } };

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: '/api/v1/notices',
      summary: "Notices, newest first, with the commune's hamlets and topics",
      responses: {
        200: {
          description: 'At most 200 notices.',
          schema: z.object({
            notices: z.array(noticeShape),
            hamlets: z.array(z.object({ id: z.number().int(), name: z.string() })),
            topics: z.array(z.object({ id: z.number().int(), name: z.string(), urgent: z.boolean() })),
          }),
        },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const [list, hamlets, topics] = [
        await listNotices(db, communeId),
        await listHamlets(db, communeId),
        await listTopics(db, communeId),
      ];
      res.json({
        notices: list.map(noticeJson),
        hamlets: hamlets.map((h) => ({ id: h.id, name: h.name })),
        topics: topics.map((t) => ({ id: t.id, name: t.name, urgent: t.urgent })),
      });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: '/api/v1/notices/preview',
      summary: 'How many residents a target reaches, per channel',
      description: 'Ids not of this commune: 422.',
      query: z.object({ hamlets: idQuery, topics: idQuery }),
      responses: {
        200: {
          description: 'Recipients.',
          schema: z.object({ total: z.number().int(), byChannel: z.record(z.string(), z.number().int()) }),
        },
        422: { description: 'An id is not one of this commune.' },
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const target = await parseTargets(db, communeId, { hamlets: req.query.hamlets, topics: req.query.topics });
      res.json(await previewAudience(db, communeId, target));
    },
  );

  apiRoute(
    router,
    {
      ...writer,
      method: 'post',
      path: '/api/v1/notices',
      summary: 'Compose a notice: a draft, or scheduled with `scheduledAt`',
      body: composeBody,
      bodyValidatedBy: 'handler',
      responses: {
        201: { description: 'Created.', schema: oneNotice },
        400: { description: '`scheduledAt` is not a date-time.' },
        422: { description: 'Title or text missing or too long, a bad link, an unknown target, a time not ahead.' },
      },
    },
    deps.requireStaff(WRITE),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const notice = await db.transaction((tx) =>
        createNotice(tx as unknown as Db, {
          communeId,
          actor: actorOf(principalOf(req)!),
          now: now(),
          title: body.title,
          text: body.text,
          link: body.link,
          hamlets: body.hamlets,
          topics: body.topics,
          scheduledAt: body.scheduledAt,
        }),
      );
      res.status(201).json({ notice: noticeJson(notice) });
    },
  );

  apiRoute(
    router,
    {
      ...reader,
      method: 'get',
      path: '/api/v1/notices/:id',
      summary: 'One notice with its delivery report',
      params: noticeParams,
      responses: {
        200: {
          description: 'The notice.',
          schema: z.object({
            notice: noticeShape,
            report: z.looseObject({}),
            attachment: z
              .object({ kind: z.enum(['image', 'pdf']), name: z.string(), mimeType: z.string(), size: z.number().int() })
              .nullable(),
          }),
        },
        ...missing,
      },
    },
    deps.requireStaff(READ),
    async (req, res) => {
      const notice = await findNotice(db, await deps.communeOfRequest(req), idOf(req));
      if (!notice) {
        res.status(404).json(notFound);
        return;
      }
      const file = await attachmentInfo(db, notice.id);
      res.json({
        notice: noticeJson(notice),
        report: await deliveryReport(db, notice),
        attachment: file ? { kind: file.kind, name: file.name, mimeType: file.mimeType, size: file.size } : null,
      });
    },
  );

  apiRoute(
    router,
    {
      ...writer,
      method: 'post',
      path: '/api/v1/notices/:id/send',
      summary: 'Send a draft or scheduled notice now',
      params: noticeParams,
      responses: {
        202: { description: 'Sending has started, or (status awaiting_approval) it waits for approval.', schema: oneNotice },
        ...missing,
        409: { description: 'Already sent or cancelled.' },
      },
    },
    deps.requireStaff(WRITE),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const notice = await db.transaction((tx) =>
        startSending(tx as unknown as Db, { communeId, id: idOf(req), actor: actorOf(principalOf(req)!) }),
      );
      if (!notice) {
        res.status(404).json(notFound);
        return;
      }
      if (notice.status === 'sending') void deps.noticeSender.send(notice.id);
      res.status(202).json({ notice: noticeJson(notice) });
    },
  );

  apiRoute(
    router,
    {
      ...writer,
      method: 'post',
      path: '/api/v1/notices/:id/cancel',
      summary: 'Cancel a draft or a scheduled notice',
      params: noticeParams,
      responses: {
        200: { description: 'Cancelled.', schema: oneNotice },
        ...missing,
        409: { description: 'Already sending, sent or cancelled.' },
      },
    },
    deps.requireStaff(WRITE),
    async (req, res) => {
      const communeId = await deps.communeOfRequest(req);
      const notice = await db.transaction((tx) =>
        cancelNotice(tx as unknown as Db, { communeId, id: idOf(req), actor: actorOf(principalOf(req)!) }),
      );
      if (!notice) {
        res.status(404).json(notFound);
        return;
      }
      res.json({ notice: noticeJson(notice) });
    },
  );

  registerApprovalRoutes(router, deps);
  registerAttachmentRoutes(router, deps);
  registerResendRoute(router, deps);
  router.use(httpErrors());
  return router;
}
