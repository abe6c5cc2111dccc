import express, { type Request, type RequestHandler } from 'express';
import { httpErrors } from '../../core/http-errors.js';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import type { NoticeSender } from './sender.js';
import {
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
}

/** Composing and sending: officers and admins. Reading (list, report, preview) also leaders. */
export const WRITE: Permission = 'notices';
export const READ: Permission = 'notices-read';

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
  };
}

function idOf(req: Request): number {
  const id = Number(req.params.id);
  return Number.isSafeInteger(id) && id > 0 ? id : -1;
}

/**
 * Staff routes of notices (bound to the caller's commune, audited):
 * - `GET  /api/v1/notices`                          notices, newest first, with the hamlets and topics
 * - `GET  /api/v1/notices/preview?hamlets=&topics=` recipients per channel of a target
 * - `POST /api/v1/notices`                          compose { title, text, link?, hamlets?, topics?, scheduledAt? }
 * - `GET  /api/v1/notices/:id`                      one notice with its delivery report
 * - `POST /api/v1/notices/:id/send`                 send now
 * - `POST /api/v1/notices/:id/cancel`               cancel a draft or a scheduled notice
 */
export function createNoticesApi(deps: NoticesApiDeps): express.Router {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();
  const notFound = { error: 'Không tìm thấy thông báo này.' };

  router.get('/api/v1/notices', deps.requireStaff(READ), async (req, res) => {
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
  });

  router.get('/api/v1/notices/preview', deps.requireStaff(READ), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const target = await parseTargets(db, communeId, { hamlets: req.query.hamlets, topics: req.query.topics });
    res.json(await previewAudience(db, communeId, target));
  });

  router.post('/api/v1/notices', deps.requireStaff(WRITE), async (req, res) => {
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
  });

  router.get('/api/v1/notices/:id', deps.requireStaff(READ), async (req, res) => {
    const notice = await findNotice(db, await deps.communeOfRequest(req), idOf(req));
    if (!notice) {
      res.status(404).json(notFound);
      return;
    }
    res.json({ notice: noticeJson(notice), report: await deliveryReport(db, notice) });
  });

  router.post('/api/v1/notices/:id/send', deps.requireStaff(WRITE), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const notice = await db.transaction((tx) =>
      startSending(tx as unknown as Db, { communeId, id: idOf(req), actor: actorOf(principalOf(req)!) }),
    );
    if (!notice) {
      res.status(404).json(notFound);
      return;
    }
    void deps.noticeSender.send(notice.id);
    res.status(202).json({ notice: noticeJson(notice) });
  });

  router.post('/api/v1/notices/:id/cancel', deps.requireStaff(WRITE), async (req, res) => {
    const communeId = await deps.communeOfRequest(req);
    const notice = await db.transaction((tx) =>
      cancelNotice(tx as unknown as Db, { communeId, id: idOf(req), actor: actorOf(principalOf(req)!) }),
    );
    if (!notice) {
      res.status(404).json(notFound);
      return;
    }
    res.json({ notice: noticeJson(notice) });
  });

  router.use(httpErrors());
  return router;
}
