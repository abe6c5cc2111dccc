import express, { type Request } from 'express';
import { consolePage, formText } from '../../core/console-kit.js';
import { ValidationError } from '../../core/errors.js';
import { formatDateTimeVi } from '../../core/format-vi.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { ATTACHMENT_JS, ATTACHMENT_JS_PATH } from './console-attachment.js';
import { listPage, NOTICES_JS, noticePage, targetsPage } from './console-pages.js';
import { isAdmin } from './http-approval.js';
import { maySendAs } from './http-resend.js';
import { APPROVE, READ, WRITE, type NoticesApiDeps } from './http.js';
import {
  addHamlet,
  addTopic,
  approveNotice,
  attachmentContent,
  attachmentInfo,
  NoticeApprovalForbidden,
  rejectNotice,
  cancelNotice,
  createNotice,
  findNotice,
  removeHamlet,
  removeTopic,
  resendUnconfirmed,
  NoticeResendForbidden,
  startSending,
} from './service.js';

/**
 * "Thông báo": compose a notice (targets with a live recipient count), send it
 * now or schedule it, cancel it, read each notice's delivery report; the
 * commune's hamlets and topics on a sub-page. Officers and admins write;
 * leaders read. Every change is audited by the service.
 */
export function createNoticesConsole(deps: NoticesApiDeps): ConsoleContribution {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const router = express.Router();

  router.get('/console/notices/notices.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(NOTICES_JS);
  });

  router.get(ATTACHMENT_JS_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(ATTACHMENT_JS);
  });

  const idOf = (req: Request) => {
    const id = Number(req.params.id);
    return Number.isSafeInteger(id) && id > 0 ? id : -1;
  };
  const notFound = (ctx: ConsoleContext) => listPage(db, ctx, { kind: 'error', text: 'Không tìm thấy thông báo này.' }, 404);

  router.get(
    '/console/notices',
    consolePage(READ, async (_req, _res, ctx) => listPage(db, ctx)),
  );
  router.get(
    '/console/notices/targets',
    consolePage(READ, async (_req, _res, ctx) => targetsPage(db, ctx)),
  );
  router.get(
    '/console/notices/:id',
    consolePage(READ, async (req, _res, ctx) => {
      const notice = await findNotice(db, ctx.communeId, idOf(req));
      return notice ? noticePage(db, ctx, notice) : notFound(ctx);
    }),
  );

  // Staff (approvers before deciding) open the file of a notice of their commune, whatever its status.
  router.get(
    '/console/notices/:id/attachment',
    consolePage(READ, async (req, res, ctx) => {
      const notice = await findNotice(db, ctx.communeId, idOf(req));
      const content = notice ? await attachmentContent(db, notice.id) : undefined;
      const file = notice && content ? await attachmentInfo(db, notice.id) : undefined;
      if (!notice || !content || !file) return notFound(ctx);
      res
        .status(200)
        .set({
          'content-type': file.mimeType,
          'content-disposition': `inline; filename="${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
          'content-security-policy': "default-src 'none'; sandbox",
          'x-content-type-options': 'nosniff',
          'cache-control': 'private, no-store',
        })
        .send(Buffer.from(content, 'base64'));
    }),
  );

  router.post(
    '/console/notices',
    consolePage(WRITE, async (req, _res, ctx) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const mode = formText(body.mode, 20);
      if (mode === 'schedule' && !formText(body.scheduledAt, 30))
        return listPage(db, ctx, { kind: 'error', text: 'Anh/chị chọn thời điểm gửi để lên lịch.' }, 400, body);
      try {
        const actor = actorOf(ctx.principal);
        const notice = await db.transaction(async (tx) => {
          const n = await createNotice(tx as unknown as Db, {
            communeId: ctx.communeId,
            actor,
            now: now(),
            title: body.title,
            text: body.text,
            link: body.link,
            hamlets: body.hamlets,
            topics: body.topics,
            scheduledAt: mode === 'schedule' ? body.scheduledAt : undefined,
          });
          return mode === 'now'
            ? ((await startSending(tx as unknown as Db, { communeId: ctx.communeId, id: n.id, actor })) ?? n)
            : n;
        });
        // Queued in the background (as the API does): a large audience takes minutes to queue batch by batch.
        if (notice.status === 'sending') void deps.noticeSender.send(notice.id);
        const fresh = (await findNotice(db, ctx.communeId, notice.id)) ?? notice;
        const text =
          notice.status === 'sending'
            ? 'Đã bắt đầu gửi thông báo.'
            : notice.status === 'awaiting_approval'
              ? 'Đã chuyển thông báo để lãnh đạo duyệt; thông báo được gửi sau khi duyệt.'
              : notice.status === 'scheduled'
                ? `Đã lên lịch gửi lúc ${formatDateTimeVi(notice.scheduledAt!)}.`
                : 'Đã lưu bản nháp.';
        return noticePage(db, ctx, fresh, { kind: 'ok', text });
      } catch (e) {
        if (e instanceof ValidationError) return listPage(db, ctx, { kind: 'error', text: e.message }, e.status, body);
        throw e;
      }
    }),
  );

  router.post(
    '/console/notices/:id/send',
    consolePage(WRITE, async (req, _res, ctx) => {
      try {
        const notice = await db.transaction((tx) =>
          startSending(tx as unknown as Db, { communeId: ctx.communeId, id: idOf(req), actor: actorOf(ctx.principal) }),
        );
        if (!notice) return notFound(ctx);
        if (notice.status === 'awaiting_approval')
          return noticePage(db, ctx, notice, { kind: 'ok', text: 'Đã chuyển thông báo để lãnh đạo duyệt.' });
        void deps.noticeSender.send(notice.id); // in the background, as above
        const fresh = (await findNotice(db, ctx.communeId, notice.id)) ?? notice;
        return noticePage(db, ctx, fresh, { kind: 'ok', text: 'Đã bắt đầu gửi thông báo.' });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        const notice = await findNotice(db, ctx.communeId, idOf(req));
        return notice ? noticePage(db, ctx, notice, { kind: 'error', text: e.message }, e.status) : notFound(ctx);
      }
    }),
  );

  router.post(
    '/console/notices/:id/cancel',
    consolePage(WRITE, async (req, _res, ctx) => {
      try {
        const notice = await db.transaction((tx) =>
          cancelNotice(tx as unknown as Db, { communeId: ctx.communeId, id: idOf(req), actor: actorOf(ctx.principal) }),
        );
        if (!notice) return notFound(ctx);
        return noticePage(db, ctx, notice, { kind: 'ok', text: 'Đã hủy thông báo.' });
      } catch (e) {
        if (!(e instanceof ValidationError)) throw e;
        const notice = await findNotice(db, ctx.communeId, idOf(req));
        return notice ? noticePage(db, ctx, notice, { kind: 'error', text: e.message }, e.status) : notFound(ctx);
      }
    }),
  );

  router.post(
    '/console/notices/:id/resend-unconfirmed',
    consolePage(READ, async (req, _res, ctx) => {
      try {
        const done = await resendUnconfirmed(db, {
          communeId: ctx.communeId,
          id: idOf(req),
          actor: actorOf(ctx.principal),
          maySend: maySendAs(ctx.principal),
          replyWindowMs: deps.replyWindowMs,
        });
        if (!done) return notFound(ctx);
        const fresh = (await findNotice(db, ctx.communeId, done.notice.id)) ?? done.notice;
        return noticePage(db, ctx, fresh, { kind: 'ok', text: `Đang gửi lại ${done.reopened} tin chưa xác nhận.` });
      } catch (e) {
        if (!(e instanceof ValidationError) && !(e instanceof NoticeResendForbidden)) throw e;
        const notice = await findNotice(db, ctx.communeId, idOf(req));
        return notice ? noticePage(db, ctx, notice, { kind: 'error', text: e.message }, e.status) : notFound(ctx);
      }
    }),
  );

  const decide = (approve: boolean) =>
    consolePage(APPROVE, async (req, _res, ctx) => {
      try {
        const q = {
          communeId: ctx.communeId,
          id: idOf(req),
          actor: actorOf(ctx.principal),
          isAdmin: isAdmin(ctx.principal),
          now: now(),
        };
        const notice = await db.transaction((tx) =>
          approve
            ? approveNotice(tx as unknown as Db, q)
            : rejectNotice(tx as unknown as Db, { ...q, reason: (req.body as { reason?: unknown } | undefined)?.reason }),
        );
        if (!notice) return notFound(ctx);
        // Queued in the background (as the API does): a large audience takes minutes to queue batch by batch.
        if (notice.status === 'sending') void deps.noticeSender.send(notice.id);
        const fresh = (await findNotice(db, ctx.communeId, notice.id)) ?? notice;
        const text = !approve
          ? 'Đã từ chối thông báo; thông báo sẽ không được gửi.'
          : notice.status === 'scheduled'
            ? `Đã duyệt; thông báo sẽ gửi lúc ${formatDateTimeVi(notice.scheduledAt!)}.`
            : 'Đã duyệt và bắt đầu gửi thông báo.';
        return noticePage(db, ctx, fresh, { kind: 'ok', text });
      } catch (e) {
        if (!(e instanceof ValidationError) && !(e instanceof NoticeApprovalForbidden)) throw e;
        const notice = await findNotice(db, ctx.communeId, idOf(req));
        return notice ? noticePage(db, ctx, notice, { kind: 'error', text: e.message }, e.status) : notFound(ctx);
      }
    });
  router.post('/console/notices/:id/approve', decide(true));
  router.post('/console/notices/:id/reject', decide(false));

  const targetWrite = (fn: (req: Request, ctx: ConsoleContext, tx: Db) => Promise<string>) =>
    consolePage(WRITE, async (req, _res, ctx) => {
      try {
        const text = await db.transaction(async (tx) => fn(req, ctx, tx as unknown as Db));
        return targetsPage(db, ctx, { kind: 'ok', text });
      } catch (e) {
        if (e instanceof ValidationError) return targetsPage(db, ctx, { kind: 'error', text: e.message }, e.status);
        throw e;
      }
    });

  router.post(
    '/console/notices/hamlets',
    targetWrite(async (req, ctx, tx) => {
      const h = await addHamlet(tx, { communeId: ctx.communeId, name: req.body?.name, actor: actorOf(ctx.principal) });
      return `Đã thêm "${h.name}".`;
    }),
  );
  router.post(
    '/console/notices/hamlets/:id/delete',
    targetWrite(async (req, ctx, tx) =>
      (await removeHamlet(tx, { communeId: ctx.communeId, id: idOf(req), actor: actorOf(ctx.principal) }))
        ? 'Đã xóa.'
        : 'Không tìm thấy mục này.',
    ),
  );
  router.post(
    '/console/notices/topics',
    targetWrite(async (req, ctx, tx) => {
      const t = await addTopic(tx, {
        communeId: ctx.communeId,
        name: req.body?.name,
        urgent: req.body?.urgent === '1',
        actor: actorOf(ctx.principal),
      });
      return `Đã thêm chủ đề "${t.name}".`;
    }),
  );
  router.post(
    '/console/notices/topics/:id/delete',
    targetWrite(async (req, ctx, tx) =>
      (await removeTopic(tx, { communeId: ctx.communeId, id: idOf(req), actor: actorOf(ctx.principal) }))
        ? 'Đã xóa chủ đề.'
        : 'Không tìm thấy chủ đề này.',
    ),
  );

  return {
    menu: [{ href: '/console/notices', label: 'Thông báo', permission: READ, order: 35 }],
    router,
  };
}
