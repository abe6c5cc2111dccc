import express, { type Request } from 'express';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { formatWorkingMinutesVi, workdayMinutes, workingMinutesBetween, type WorkCalendar } from '../../core/calendar.js';
import { CHANNEL_LABELS, consolePage, csrfField, formText } from '../../core/console-kit.js';
import { html } from '../../core/html.js';
import { actorOf, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import type { ChannelCapabilities } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { loadCommuneCalendar } from '../calendar/index.js';
import { answeredAfter, ratingBlock, ratingTag } from './console-rating.js';
import {
  addInquiryNote,
  addReplyTemplate,
  answerInquiry,
  assignInquiry,
  closeInquiry,
  conversationBefore,
  countOpenInquiries,
  deleteReplyTemplate,
  findInquiry,
  listColleagues,
  listInbox,
  listInquiryNotes,
  listReplyTemplates,
  type InboxView,
  type InquiryRow,
} from './service.js';

const VIEWS: { id: InboxView; label: string }[] = [
  { id: 'open', label: 'Đang chờ' },
  { id: 'mine', label: 'Giao cho tôi' },
  { id: 'answered', label: 'Đã trả lời' },
  { id: 'closed', label: 'Đã đóng' },
];
const STATUS_LABELS: Record<string, string> = { open: 'Đang chờ', answered: 'Đã trả lời', closed: 'Đã đóng' };

/**
 * "chờ 2 giờ 15 phút làm việc" for an open question: the time the counter was
 * open since it came (the commune's working calendar: nights, weekends and
 * holidays do not count); marked late after a working day's worth of hours.
 */
function waiting(row: InquiryRow, now: Date, cal: WorkCalendar) {
  const minutes = workingMinutesBetween(cal, row.createdAt, now);
  const late = minutes > (workdayMinutes(cal) || 480);
  return html`<span class="tag ${late ? 'late' : 'wait'}">chờ ${formatWorkingMinutesVi(minutes)} làm việc</span>`;
}

/** "Hộp thư": residents' questions for staff, with the conversation before each and the reply form. */
export function createInboxConsole(deps: {
  db: Db;
  deliver: (outboxIds: number[]) => void;
  capabilitiesOf?: (channel: string) => ChannelCapabilities;
}): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();

  router.get(
    '/console/inbox/count',
    consolePage('inbox', async (_req, res, ctx) => {
      res.json({ open: await countOpenInquiries(db, ctx.communeId) });
    }),
  );

  router.get(
    '/console/inbox',
    consolePage('inbox', async (req, _res, ctx) => {
      const view = (VIEWS.find((v) => v.id === req.query.view)?.id ?? 'open') as InboxView;
      const q = formText(req.query.q, 100);
      const [rows, colleagues, open, cal] = await Promise.all([
        listInbox(db, { communeId: ctx.communeId, view, staffId: ctx.principal.staffId, q }),
        listColleagues(db, ctx.communeId),
        countOpenInquiries(db, ctx.communeId),
        loadCommuneCalendar(db, ctx.communeId),
      ]);
      const names = new Map(colleagues.map((c) => [c.id, c.name]));
      const now = new Date();
      ctx.render({
        title: `${open > 0 ? `(${open}) ` : ''}Hộp thư`,
        body: html`<h1>Hộp thư câu hỏi</h1>
          <p id="inbox-live" class="flash ok" role="status" data-count="${open}" hidden></p>
          <nav class="tabs" aria-label="Lọc câu hỏi">
            ${VIEWS.map((v) => html`<a href="/console/inbox?view=${v.id}" ${v.id === view ? html`aria-current="page"` : ''}>${v.label}</a>`)}
            <a href="/console/inbox/templates">Mẫu trả lời</a>
          </nav>
          <form method="get" action="/console/inbox" class="row" role="search">
            <input type="hidden" name="view" value="${view}" />
            <div>
              <label for="q">Tìm theo mã, nội dung câu hỏi hoặc câu trả lời</label>
              <input id="q" name="q" type="search" value="${q}" />
            </div>
            <button class="secondary" type="submit">Tìm</button>
          </form>
          ${
            rows.length === 0
              ? html`<p class="card muted">${view === 'open' ? 'Không có câu hỏi nào đang chờ.' : 'Không có câu hỏi nào.'}</p>`
              : html`<ul class="list">
                  ${rows.map(
                    (r) =>
                      html`<li>
                        <a class="item" href="/console/inbox/${r.code}">
                          <span class="title">${r.code}</span> · ${CHANNEL_LABELS[r.channel] ?? r.channel}
                          ${r.status === 'open' ? waiting(r, now, cal) : html`<span class="tag">${STATUS_LABELS[r.status] ?? r.status}</span>`}
                          ${answeredAfter(r, cal)} ${ratingTag(r)}
                          ${r.assignedTo ? html`<span class="tag">giao: ${names.get(r.assignedTo) ?? '—'}</span>` : ''}
                          <br />${r.question.length > 160 ? `${r.question.slice(0, 160)}…` : r.question} <br /><span class="muted"
                            >${formatShortDateTimeVi(r.createdAt)}</span
                          >
                        </a>
                      </li>`,
                  )}
                </ul>`
          }`,
      });
    }),
  );

  async function detail(
    ctx: ConsoleContext,
    code: string,
    flash?: { kind: 'ok' | 'error'; text: string },
    status?: number,
    draft = '',
  ) {
    const inquiry = await findInquiry(db, ctx.communeId, code);
    if (!inquiry) {
      ctx.render({
        title: 'Không tìm thấy',
        status: 404,
        body: html`<h1>Không tìm thấy câu hỏi ${code}</h1>
          <p><a href="/console/inbox">Về hộp thư</a></p>`,
      });
      return;
    }
    const [thread, notes, colleagues, templates, cal] = await Promise.all([
      conversationBefore(db, inquiry),
      listInquiryNotes(db, inquiry.id),
      listColleagues(db, ctx.communeId),
      listReplyTemplates(db, ctx.communeId),
      loadCommuneCalendar(db, ctx.communeId),
    ]);
    const names = new Map(colleagues.map((c) => [c.id, c.name]));
    const answeredBy = /^staff:(\d+)$/.exec(inquiry.answeredBy ?? '')?.[1];
    const open = inquiry.status === 'open';
    ctx.render({
      title: `Câu hỏi ${inquiry.code}`,
      flash,
      status,
      body: html`<p><a href="/console/inbox">← Hộp thư</a></p>
        <h1>Câu hỏi ${inquiry.code}</h1>
        <p class="muted">
          ${CHANNEL_LABELS[inquiry.channel] ?? inquiry.channel} · gửi lúc ${formatShortDateTimeVi(inquiry.createdAt)} ·
          ${open ? waiting(inquiry, new Date(), cal) : html`<span class="tag">${STATUS_LABELS[inquiry.status]}</span>`}
          ${answeredAfter(inquiry, cal)}
        </p>
        <h2>Cuộc trò chuyện trước câu hỏi</h2>
        <div class="card thread" aria-label="Cuộc trò chuyện">
          ${thread.length === 0 ? html`<p class="muted">Không còn lưu tin nhắn trước câu hỏi.</p>` : ''}
          ${thread.map(
            (m) =>
              html`<div class="bubble ${m.from}">
                <span class="meta">${m.from === 'resident' ? 'Người dân' : 'Trợ lý'} · ${formatShortDateTimeVi(m.at)}</span
                >${m.text}
              </div>`,
          )}
          <div class="bubble resident question">
            <span class="meta">Câu hỏi gửi cán bộ · ${formatShortDateTimeVi(inquiry.createdAt)}</span>${inquiry.question}
          </div>
          ${
            inquiry.answer
              ? html`<div class="bubble bot">
                  <span class="meta"
                    >Cán bộ ${answeredBy ? (names.get(Number(answeredBy)) ?? '') : ''} trả lời ·
                    ${inquiry.answeredAt ? formatShortDateTimeVi(inquiry.answeredAt) : ''}</span
                  >${inquiry.answer}
                </div>`
              : ''
          }
        </div>
        ${ratingBlock(inquiry)}
        ${
          open
            ? html`<div class="card">
                  <h2>Trả lời người dân</h2>
                  <form method="post" action="/console/inbox/${inquiry.code}/answer">
                    ${csrfField(ctx)}
                    ${
                      templates.length
                        ? html`<label for="template-picker">Chèn mẫu trả lời</label>
                            <select id="template-picker">
                              <option value="">— Chọn mẫu —</option>
                              ${templates.map((t) => html`<option value="${t.id}" data-text="${t.text}">${t.title}</option>`)}
                            </select>`
                        : ''
                    }
                    <label for="answer"
                      >Nội dung trả lời (gửi tới ${CHANNEL_LABELS[inquiry.channel] ?? inquiry.channel} của người dân)</label
                    >
                    <textarea id="answer" name="answer" required maxlength="4000">${draft}</textarea>
                    <div class="actions"><button type="submit">Gửi trả lời</button></div>
                  </form>
                </div>
                <div class="card">
                  <h2>Giao việc</h2>
                  <form method="post" action="/console/inbox/${inquiry.code}/assign" class="row">
                    ${csrfField(ctx)}
                    <div>
                      <label for="assignee">Giao cho</label>
                      <select id="assignee" name="staffId">
                        <option value="">— Chưa giao —</option>
                        ${colleagues
                          .filter((c) => !c.disabledAt && c.role !== 'leader')
                          .map(
                            (c) =>
                              html`<option value="${c.id}" ${c.id === inquiry.assignedTo ? html`selected` : ''}>
                                ${c.name}
                              </option>`,
                          )}
                      </select>
                    </div>
                    <button class="secondary" type="submit">Giao</button>
                  </form>
                  <form
                    method="post"
                    action="/console/inbox/${inquiry.code}/close"
                    data-confirm="Đóng câu hỏi mà không gửi trả lời?"
                  >
                    ${csrfField(ctx)}
                    <div class="actions"><button class="secondary" type="submit">Đóng, không trả lời</button></div>
                  </form>
                </div>`
            : ''
        }
        <div class="card">
          <h2>Ghi chú nội bộ</h2>
          <p class="muted">Chỉ cán bộ xem được; không gửi cho người dân.</p>
          ${notes.map((n) => html`<p><strong>${n.staffName ?? 'Cán bộ'}</strong> · ${formatShortDateTimeVi(n.at)}<br />${n.text}</p>`)}
          <form method="post" action="/console/inbox/${inquiry.code}/note">
            ${csrfField(ctx)}
            <label for="note">Thêm ghi chú</label>
            <textarea id="note" name="text" required maxlength="2000"></textarea>
            <div class="actions"><button class="secondary" type="submit">Lưu ghi chú</button></div>
          </form>
        </div>`,
    });
  }

  router.get(
    '/console/inbox/templates',
    consolePage('inbox', async (_req, _res, ctx) => templatesPage(ctx)),
  );
  async function templatesPage(ctx: ConsoleContext, flash?: { kind: 'ok' | 'error'; text: string }, status?: number) {
    const templates = await listReplyTemplates(db, ctx.communeId);
    ctx.render({
      title: 'Mẫu trả lời',
      flash,
      status,
      body: html`<p><a href="/console/inbox">← Hộp thư</a></p>
        <h1>Mẫu trả lời</h1>
        ${templates.map(
          (t) =>
            html`<div class="card">
              <p><strong>${t.title}</strong></p>
              <p>${t.text}</p>
              <form method="post" action="/console/inbox/templates/${t.id}/delete" data-confirm="Xóa mẫu ${t.title}?">
                ${csrfField(ctx)}<button class="secondary" type="submit">Xóa</button>
              </form>
            </div>`,
        )}
        <form method="post" action="/console/inbox/templates" class="card">
          ${csrfField(ctx)}
          <h2>Thêm mẫu</h2>
          <label for="t-title">Tên mẫu</label><input id="t-title" name="title" type="text" required maxlength="100" />
          <label for="t-text">Nội dung</label><textarea id="t-text" name="text" required maxlength="4000"></textarea>
          <div class="actions"><button type="submit">Lưu mẫu</button></div>
        </form>`,
    });
  }
  router.post(
    '/console/inbox/templates',
    consolePage('inbox', async (req, _res, ctx) => {
      const title = formText(req.body?.title, 100);
      const text = formText(req.body?.text, 4000);
      if (!title || !text) return templatesPage(ctx, { kind: 'error', text: 'Cần tên mẫu và nội dung.' }, 400);
      await addReplyTemplate(db, { communeId: ctx.communeId, title, text, actor: actorOf(ctx.principal) });
      return templatesPage(ctx, { kind: 'ok', text: 'Đã lưu mẫu trả lời.' });
    }),
  );
  router.post(
    '/console/inbox/templates/:id/delete',
    consolePage('inbox', async (req, _res, ctx) => {
      const ok = await deleteReplyTemplate(db, {
        communeId: ctx.communeId,
        id: Number(req.params.id) || -1,
        actor: actorOf(ctx.principal),
      });
      return templatesPage(
        ctx,
        ok ? { kind: 'ok', text: 'Đã xóa mẫu.' } : { kind: 'error', text: 'Không tìm thấy mẫu.' },
        ok ? 200 : 404,
      );
    }),
  );

  const codeOf = (req: Request) =>
    String(req.params.code ?? '')
      .toUpperCase()
      .slice(0, 20);

  router.get(
    '/console/inbox/:code',
    consolePage('inbox', async (req, _res, ctx) => detail(ctx, codeOf(req))),
  );

  router.post(
    '/console/inbox/:code/answer',
    consolePage('inbox', async (req, _res, ctx) => {
      const code = codeOf(req);
      const answer = formText(req.body?.answer, 5000);
      if (!answer || answer.length > 4000)
        return detail(ctx, code, { kind: 'error', text: 'Nội dung trả lời cần từ 1 đến 4.000 ký tự.' }, 400, answer);
      const result = await answerInquiry(db, {
        communeId: ctx.communeId,
        code,
        answer,
        staff: actorOf(ctx.principal),
        capabilitiesOf: deps.capabilitiesOf,
      });
      if (!result) return detail(ctx, code);
      if (result.alreadyAnswered)
        return detail(ctx, code, { kind: 'error', text: 'Câu hỏi này đã được trả lời hoặc đã đóng.' }, 409);
      deps.deliver(result.outboxIds);
      return detail(ctx, code, { kind: 'ok', text: 'Đã gửi trả lời tới người dân.' });
    }),
  );
  router.post(
    '/console/inbox/:code/assign',
    consolePage('inbox', async (req, _res, ctx) => {
      const code = codeOf(req);
      const raw = formText(req.body?.staffId, 12);
      const staffId = raw === '' ? null : Number(raw);
      const ok =
        (staffId === null || Number.isInteger(staffId)) &&
        (await assignInquiry(db, { communeId: ctx.communeId, code, staffId, actor: actorOf(ctx.principal) }));
      return detail(
        ctx,
        code,
        ok ? { kind: 'ok', text: 'Đã giao việc.' } : { kind: 'error', text: 'Không giao được: cán bộ không hợp lệ.' },
        ok ? 200 : 400,
      );
    }),
  );
  router.post(
    '/console/inbox/:code/note',
    consolePage('inbox', async (req, _res, ctx) => {
      const code = codeOf(req);
      const text = formText(req.body?.text, 2000);
      if (!text) return detail(ctx, code, { kind: 'error', text: 'Ghi chú đang trống.' }, 400);
      await addInquiryNote(db, {
        communeId: ctx.communeId,
        code,
        staffId: ctx.principal.staffId,
        text,
        actor: actorOf(ctx.principal),
      });
      return detail(ctx, code, { kind: 'ok', text: 'Đã lưu ghi chú.' });
    }),
  );
  router.post(
    '/console/inbox/:code/close',
    consolePage('inbox', async (req, _res, ctx) => {
      const code = codeOf(req);
      const ok = await closeInquiry(db, { communeId: ctx.communeId, code, actor: actorOf(ctx.principal) });
      return detail(
        ctx,
        code,
        ok ? { kind: 'ok', text: 'Đã đóng câu hỏi.' } : { kind: 'error', text: 'Câu hỏi không còn mở.' },
        ok ? 200 : 409,
      );
    }),
  );

  return { menu: [{ href: '/console/inbox', label: 'Hộp thư', permission: 'inbox', order: 10 }], router };
}
