import express, { type Request } from 'express';
import { CHANNEL_LABELS, consolePage, formText } from '../../core/console-kit.js';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import { detailPage, STATUS_LABELS } from './console-detail.js';
import { answerRefusal, readEvidence, sendEvidence } from './evidence-files.js';
import { ERROR_TEXTS, SIGNED_COPY_JS, SIGNED_COPY_JS_PATH } from './console-upload.js';
import { DECIDE, READ, statusOfError, type CivilRecordsApiDeps } from './http.js';
import { KIND_LABELS, type RecordKind } from './records.js';
import {
  approveRequest,
  currentCopy,
  eraseRequestData,
  listRequests,
  markHandedOver,
  recordPayment,
  rejectRequest,
  resendCopy,
  revokeCopies,
  findRequest,
  type RequestStatus,
} from './service.js';

const VIEWS: { id: RequestStatus; label: string }[] = [
  { id: 'pending', label: 'Chờ duyệt' },
  { id: 'approved', label: 'Đã duyệt' },
  { id: 'delivered', label: 'Đã gửi' },
  { id: 'rejected', label: 'Từ chối' },
];

/** "Bản sao hộ tịch": the review queue, a request with its candidate registrations, the decision. */
export function createCivilRecordsConsole(deps: CivilRecordsApiDeps): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();
  const idOf = (req: Request) => {
    const id = Number(req.params.id);
    return Number.isSafeInteger(id) && id > 0 ? id : -1;
  };

  // Before '/console/civil-records/:id', which would take the file name for an id.
  router.get(SIGNED_COPY_JS_PATH, (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(SIGNED_COPY_JS);
  });

  router.get(
    '/console/civil-records',
    consolePage(READ, async (req, _res, ctx) => {
      const view = VIEWS.find((v) => v.id === req.query.status)?.id ?? 'pending';
      const rows = await listRequests(db, ctx.communeId, view);
      ctx.render({
        title: 'Bản sao hộ tịch',
        body: html`<h1>Yêu cầu cấp bản sao trích lục hộ tịch</h1>
          <nav class="tabs" aria-label="Lọc yêu cầu">
            ${VIEWS.map(
              (v) =>
                html`<a href="/console/civil-records?status=${v.id}" ${v.id === view ? html`aria-current="page"` : ''}
                  >${v.label}</a
                >`,
            )}
          </nav>
          ${
            rows.length === 0
              ? html`<p class="card muted">Không có yêu cầu nào.</p>`
              : html`<ul class="list">
                  ${rows.map(
                    (r) =>
                      html`<li>
                        <a class="item" href="/console/civil-records/${r.id}">
                          <span class="title">${r.code}</span> · ${KIND_LABELS[r.kind as RecordKind]} · ${r.copies} bản ·
                          ${CHANNEL_LABELS[r.channel] ?? r.channel}
                          <span class="tag">${STATUS_LABELS[r.status]}</span>
                          ${r.phoneVerified ? html`<span class="tag">SĐT đã xác minh</span>` : ''}
                          <br /><span class="muted">${formatShortDateTimeVi(r.createdAt)}</span>
                        </a>
                      </li>`,
                  )}
                </ul>`
          }`,
      });
    }),
  );

  router.get(
    '/console/civil-records/:id',
    consolePage(READ, async (req, _res, ctx) => detailPage(db, ctx, idOf(req))),
  );

  router.get(
    '/console/civil-records/:id/pdf',
    consolePage(READ, async (req, res, ctx) => {
      const r = await findRequest(db, ctx.communeId, idOf(req));
      const copy = r ? await currentCopy(db, r.id) : undefined;
      if (!r || !copy) return detailPage(db, ctx, idOf(req), { kind: 'error', text: 'Chưa có bản sao.' }, 404);
      await writeAudit(db, {
        communeId: ctx.communeId,
        actor: actorOf(ctx.principal),
        action: 'civil-copy.viewed',
        subject: r.code,
        details: { copyId: copy.id },
      });
      res
        .status(200)
        .set({ 'content-type': 'application/pdf', 'content-disposition': `inline; filename="ban-sao-${r.code}.pdf"` })
        .send(Buffer.from(copy.pdfBase64, 'base64'));
    }),
  );

  // A piece of evidence, fetched from the platform the resident sent it on (evidence-files.ts). A HEAD (a link
  // prefetcher) would fetch the file and write "viewed" for nothing; a link followed from another site is refused.
  const EVIDENCE = '/console/civil-records/:id/evidence/:attachmentId';
  router.head(EVIDENCE, (_req, res) => {
    res.status(405).set('allow', 'GET').end();
  });
  router.get(
    EVIDENCE,
    consolePage(READ, async (req, res, ctx) => {
      if (req.get('sec-fetch-site') === 'cross-site') {
        return detailPage(db, ctx, idOf(req), { kind: 'error', text: 'Hãy mở giấy tờ từ trang của yêu cầu.' }, 403);
      }
      const e = await readEvidence(deps, {
        communeId: ctx.communeId,
        requestId: idOf(req),
        attachmentId: Number(req.params.attachmentId),
      });
      if (!e.ok) {
        if (e.reason === 'not_found')
          return detailPage(db, ctx, idOf(req), { kind: 'error', text: 'Không tìm thấy giấy tờ này.' }, 404);
        const refusal = answerRefusal(res, e);
        return detailPage(db, ctx, e.request.id, { kind: 'error', text: refusal.text }, refusal.status);
      }
      await sendEvidence(db, res, e, { communeId: ctx.communeId, actor: actorOf(ctx.principal) });
    }),
  );

  /** A decision: the service's refusal becomes a Vietnamese flash with its status. */
  async function decideWith(ctx: ConsoleContext, id: number, ok: string, run: () => Promise<{ outboxIds: number[] }>) {
    try {
      const result = await run();
      deps.deliver(result.outboxIds);
      return detailPage(db, ctx, id, { kind: 'ok', text: ok });
    } catch (error) {
      const mapped = statusOfError(error);
      if (!mapped) throw error;
      return detailPage(
        db,
        ctx,
        id,
        { kind: 'error', text: ERROR_TEXTS[mapped.error] ?? 'Không thực hiện được.' },
        mapped.status,
      );
    }
  }

  router.post(
    '/console/civil-records/:id/approve',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      return decideWith(ctx, id, 'Đã duyệt và cấp bản sao.', () =>
        approveRequest(
          db,
          {
            communeId: ctx.communeId,
            id,
            recordId: Number(formText(req.body?.recordId, 20) || NaN),
            paid: formText(req.body?.paid, 5) === '1',
            actor: actorOf(ctx.principal),
          },
          deps,
        ),
      );
    }),
  );
  router.post(
    '/console/civil-records/:id/reject',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      const reason = formText(req.body?.reason, 1000);
      if (!reason) return detailPage(db, ctx, id, { kind: 'error', text: 'Cần ghi lý do từ chối.' }, 400);
      return decideWith(ctx, id, 'Đã từ chối; lý do đã được gửi cho người dân.', () =>
        rejectRequest(db, { communeId: ctx.communeId, id, reason, actor: actorOf(ctx.principal) }),
      );
    }),
  );
  router.post(
    '/console/civil-records/:id/payment',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      return decideWith(ctx, id, 'Đã ghi nhận lệ phí.', () =>
        recordPayment(db, { communeId: ctx.communeId, id, actor: actorOf(ctx.principal) }, deps),
      );
    }),
  );
  router.post(
    '/console/civil-records/:id/resend',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      return decideWith(ctx, id, 'Đã gửi lại bản sao cho người dân.', () =>
        resendCopy(db, { communeId: ctx.communeId, id, actor: actorOf(ctx.principal) }, deps),
      );
    }),
  );
  router.post(
    '/console/civil-records/:id/handed-over',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      return decideWith(ctx, id, 'Đã ghi nhận giao bản sao.', async () => {
        await markHandedOver(db, { communeId: ctx.communeId, id, actor: actorOf(ctx.principal) });
        return { outboxIds: [] };
      });
    }),
  );
  router.post(
    '/console/civil-records/:id/revoke',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      return decideWith(ctx, id, 'Đã thu hồi bản sao.', async () => {
        await revokeCopies(db, { communeId: ctx.communeId, id, actor: actorOf(ctx.principal) });
        return { outboxIds: [] };
      });
    }),
  );

  router.post(
    '/console/civil-records/:id/erase',
    consolePage(DECIDE, async (req, _res, ctx) => {
      const id = idOf(req);
      const ok = await eraseRequestData(db, { communeId: ctx.communeId, id, actor: actorOf(ctx.principal) });
      return detailPage(db, ctx, id, ok ? { kind: 'ok', text: 'Đã xóa dữ liệu cá nhân của yêu cầu.' } : undefined);
    }),
  );

  return {
    menu: [{ href: '/console/civil-records', label: 'Bản sao hộ tịch', permission: READ, order: 30 }],
    router,
  };
}
