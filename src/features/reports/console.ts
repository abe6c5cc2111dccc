import express, { type Request } from 'express';
import { CHANNEL_LABELS, consolePage, csrfField, formText } from '../../core/console-kit.js';
import { ValidationError } from '../../core/errors.js';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { actorOf, principalAllows, type ConsoleContext, type ConsoleContribution } from '../../core/staff.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { CATEGORY_LABELS, mapLink, STATUS_LABELS, STATUSES, type ReportCategory, type ReportStatus } from './codes.js';
import { READ, WRITE, type ReportsApiDeps } from './http.js';
import {
  changeStatus,
  countByStatus,
  findReport,
  hamletNames,
  listAssignableStaff,
  listMergedInto,
  listReports,
  type ReportRow,
} from './service.js';
import { mergeReport } from './merge.js';
import { sendReportPhoto } from './photo-http.js';

type Flash = { kind: 'ok' | 'error'; text: string };

const PAGE = 50;
/** The statuses staff may choose next, from each one. */
const NEXT: Record<ReportStatus, ReportStatus[]> = {
  received: ['in_progress', 'done', 'not_ours'],
  in_progress: ['done', 'not_ours'],
  done: [],
  not_ours: [],
  merged: [],
};

function place(r: ReportRow) {
  const parts = [];
  if (r.address) parts.push(html`${r.address}`);
  if (r.latitude !== null && r.longitude !== null)
    parts.push(
      html`<a href="${mapLink(r.latitude, r.longitude)}" target="_blank" rel="noopener noreferrer"
        >Xem trên bản đồ (${r.latitude.toFixed(5)}, ${r.longitude.toFixed(5)})</a
      >`,
    );
  return parts.length ? parts.map((p, i) => (i ? html`<br />${p}` : p)) : html`<span class="muted">không nêu</span>`;
}

/** One report's photos: stored ones as thumbnails linking to the full photo, the others named with their state. */
function photoCells(r: ReportRow) {
  return html`<div class="photos">
    ${r.photos.map((p, i) => {
      if (p.state === 'stored' && p.file) {
        const src = `/console/reports/${r.id}/photos/${p.file}`;
        return html`<a href="${src}" target="_blank" rel="noopener"
          ><img src="${src}" alt="Ảnh ${i + 1} của phản ánh ${r.code}" width="160" loading="lazy" class="thumb"
        /></a> `;
      }
      const where = CHANNEL_LABELS[p.channel] ?? p.channel;
      const state =
        p.state === 'erased'
          ? 'đã xóa hết thời hạn lưu trữ'
          : p.state === 'pending'
            ? `đang tải về từ ${where}`
            : p.state === 'failed'
              ? `không tải về được từ ${where}`
              : `lưu trên ${where}, chưa tải về`;
      return p.state === undefined && p.url && /^https:\/\//i.test(p.url)
        ? html`<a href="${p.url}" target="_blank" rel="noopener noreferrer">Ảnh ${i + 1}</a> `
        : html`<span>Ảnh ${i + 1} (${state})</span> `;
    })}
  </div>`;
}

async function listPage(db: Db, ctx: ConsoleContext, req: Request) {
  const view = (STATUSES as readonly string[]).includes(String(req.query.status))
    ? (req.query.status as ReportStatus)
    : 'received';
  const before = Number(req.query.before);
  const hamlets = await hamletNames(db, ctx.communeId);
  const hamletId = hamlets.has(Number(req.query.hamlet)) ? Number(req.query.hamlet) : undefined;
  const keep = hamletId ? `&hamlet=${hamletId}` : '';
  const [counts, page] = [
    await countByStatus(db, ctx.communeId),
    await listReports(db, ctx.communeId, {
      status: view,
      hamletId,
      limit: PAGE,
      before: Number.isSafeInteger(before) && before > 0 ? before : undefined,
    }),
  ];
  ctx.render({
    title: 'Phản ánh',
    body: html`<h1>Phản ánh, kiến nghị của người dân</h1>
      <nav class="tabs" aria-label="Lọc phản ánh theo trạng thái">
        ${STATUSES.map(
          (s) =>
            html`<a href="/console/reports?status=${s}${keep}" ${s === view ? html`aria-current="page"` : ''}
              >${STATUS_LABELS[s]} (${counts[s]})</a
            >`,
        )}
      </nav>
      ${
        hamlets.size
          ? html`<form method="get" action="/console/reports" class="row" role="search">
              <input type="hidden" name="status" value="${view}" />
              <div>
                <label for="hamlet">Thôn, ấp, tổ dân phố</label>
                <select id="hamlet" name="hamlet">
                  <option value="">Tất cả</option>
                  ${[...hamlets].map(
                    ([id, name]) => html`<option value="${id}" ${id === hamletId ? html`selected` : ''}>${name}</option>`,
                  )}
                </select>
              </div>
              <button class="secondary" type="submit">Lọc</button>
            </form>`
          : ''
      }
      ${
        page.reports.length === 0
          ? html`<p class="card muted">Không có phản ánh nào.</p>`
          : html`<ul class="list">
              ${page.reports.map(
                (r) =>
                  html`<li>
                    <a class="item" href="/console/reports/${r.id}">
                      <span class="title">${r.code}</span> · ${CATEGORY_LABELS[r.category as ReportCategory]} ·
                      ${CHANNEL_LABELS[r.channel] ?? r.channel}
                      <span class="tag">${STATUS_LABELS[r.status as ReportStatus]}</span>
                      ${r.hamletId !== null && hamlets.has(r.hamletId) ? html`<span class="tag">${hamlets.get(r.hamletId)}</span>` : ''}
                      ${r.latitude !== null ? html`<span class="tag">có vị trí</span>` : ''}
                      ${r.photos.length ? html`<span class="tag">${r.photos.length} ảnh</span>` : ''}
                      <br /><span class="muted">${formatShortDateTimeVi(r.createdAt)} · ${r.description.slice(0, 120)}</span>
                    </a>
                  </li>`,
              )}
            </ul>`
      }
      ${page.next ? html`<p><a href="/console/reports?status=${view}${keep}&before=${page.next}">Trang sau →</a></p>` : ''}`,
  });
}

async function detailPage(db: Db, ctx: ConsoleContext, id: number, flash?: Flash, status?: number) {
  const r = await findReport(db, ctx.communeId, id);
  if (!r) {
    ctx.render({
      title: 'Không tìm thấy',
      status: 404,
      body: html`<h1>Không tìm thấy phản ánh</h1>
        <p><a href="/console/reports">Về danh sách</a></p>`,
    });
    return;
  }
  await writeAudit(db, { communeId: ctx.communeId, actor: actorOf(ctx.principal), action: 'report.viewed', subject: r.code });
  const [merged, staff] = [await listMergedInto(db, r.id), await listAssignableStaff(db, ctx.communeId)];
  const hamlet = r.hamletId !== null ? (await hamletNames(db, ctx.communeId)).get(r.hamletId) : undefined;
  const main = r.mergedInto ? await findReport(db, ctx.communeId, r.mergedInto) : undefined;
  const write = principalAllows(ctx.principal, WRITE);
  const next = NEXT[r.status as ReportStatus];
  const assignee = staff.find((s) => s.id === r.assignedTo);
  ctx.render({
    title: `Phản ánh ${r.code}`,
    flash,
    status,
    body: html`<p><a href="/console/reports">← Phản ánh</a></p>
      <h1>Phản ánh ${r.code}</h1>
      <p class="muted">
        ${CHANNEL_LABELS[r.channel] ?? r.channel} · gửi lúc ${formatShortDateTimeVi(r.createdAt)} · cập nhật
        ${formatShortDateTimeVi(r.updatedAt)} ·
        <span class="tag">${STATUS_LABELS[r.status as ReportStatus]}</span>
      </p>
      <div class="card">
        <h2>Nội dung</h2>
        <div class="table-wrap">
          <table>
            <tr>
              <th scope="row">Loại</th>
              <td>${CATEGORY_LABELS[r.category as ReportCategory]}</td>
            </tr>
            <tr>
              <th scope="row">Mô tả</th>
              <td>${r.description}</td>
            </tr>
            <tr>
              <th scope="row">Thôn, ấp, tổ dân phố</th>
              <td>${hamlet ?? html`<span class="muted">không chọn</span>`}</td>
            </tr>
            <tr>
              <th scope="row">Địa điểm, vị trí</th>
              <td>${place(r)}</td>
            </tr>
            <tr>
              <th scope="row">Ảnh</th>
              <td>${r.photos.length ? photoCells(r) : html`<span class="muted">không có</span>`}</td>
            </tr>
            <tr>
              <th scope="row">Cán bộ phụ trách</th>
              <td>${assignee?.displayName ?? (r.assignedTo ? `#${r.assignedTo}` : 'chưa giao')}</td>
            </tr>
            ${
              r.note
                ? html`<tr>
                    <th scope="row">Ghi chú đã gửi người dân</th>
                    <td>${r.note}</td>
                  </tr>`
                : ''
            }
            ${
              r.referral
                ? html`<tr>
                    <th scope="row">Nơi người dân cần liên hệ</th>
                    <td>${r.referral}</td>
                  </tr>`
                : ''
            }
            ${
              main
                ? html`<tr>
                    <th scope="row">Đã gộp vào</th>
                    <td><a href="/console/reports/${main.id}">${main.code}</a></td>
                  </tr>`
                : ''
            }
            ${
              merged.length
                ? html`<tr>
                    <th scope="row">Phản ánh trùng đã gộp</th>
                    <td>${merged.map((m, i) => html`${i ? ', ' : ''}<a href="/console/reports/${m.id}">${m.code}</a>`)}</td>
                  </tr>`
                : ''
            }
          </table>
        </div>
      </div>
      ${
        write && r.status !== 'merged'
          ? html`<div class="card">
                <h2>Cập nhật</h2>
                <p class="muted">
                  Mỗi lần đổi trạng thái, người phản ánh (và người gửi các phản ánh trùng) nhận tin nhắn kèm ghi chú.
                </p>
                <form method="post" action="/console/reports/${r.id}/status">
                  ${csrfField(ctx)}
                  ${
                    next.length
                      ? html`<label for="r-status">Trạng thái mới</label>
                          <select id="r-status" name="status">
                            <option value="">(giữ nguyên)</option>
                            ${next.map((s) => html`<option value="${s}">${STATUS_LABELS[s]}</option>`)}
                          </select>
                          <label for="r-note">Ghi chú gửi người dân (không bắt buộc)</label>
                          <textarea id="r-note" name="note" maxlength="1000"></textarea>
                          <label for="r-referral">Nơi cần liên hệ (bắt buộc khi không thuộc thẩm quyền xã)</label>
                          <input id="r-referral" name="referral" type="text" maxlength="500" />`
                      : ''
                  }
                  <label for="r-assignee">Cán bộ phụ trách</label>
                  <select id="r-assignee" name="assignee">
                    <option value="">(chưa giao)</option>
                    ${staff.map(
                      (s) =>
                        html`<option value="${s.id}" ${s.id === r.assignedTo ? html`selected` : ''}>${s.displayName}</option>`,
                    )}
                  </select>
                  <div class="actions"><button type="submit">Lưu</button></div>
                </form>
              </div>
              ${
                next.length
                  ? html`<div class="card">
                      <h2>Gộp phản ánh trùng</h2>
                      <p class="muted">
                        Nếu phản ánh này trùng sự việc với một phản ánh khác, gộp vào phản ánh đó: người gửi phản ánh này sẽ nhận
                        các cập nhật của phản ánh chính.
                      </p>
                      <form method="post" action="/console/reports/${r.id}/merge">
                        ${csrfField(ctx)}
                        <label for="r-into">Mã phản ánh chính</label>
                        <input id="r-into" name="into" type="text" required maxlength="20" placeholder="PA-…" />
                        <div class="actions"><button class="secondary" type="submit">Gộp vào phản ánh này</button></div>
                      </form>
                    </div>`
                  : ''
              }`
          : ''
      }`,
  });
}

/** "Phản ánh": the queue by status with counts, one report with its place on the map, the status and merge forms. */
export function createReportsConsole(deps: ReportsApiDeps): ConsoleContribution {
  const { db } = deps;
  const router = express.Router();
  const idOf = (req: Request) => {
    const id = Number(req.params.id);
    return Number.isSafeInteger(id) && id > 0 ? id : -1;
  };

  router.get(
    '/console/reports',
    consolePage(READ, async (req, _res, ctx) => listPage(db, ctx, req)),
  );
  router.get(
    '/console/reports/:id',
    consolePage(READ, async (req, _res, ctx) => detailPage(db, ctx, idOf(req))),
  );

  router.get(
    '/console/reports/:id/photos/:file',
    consolePage(READ, async (req, res, ctx) =>
      sendReportPhoto(res, {
        db,
        store: deps.reportPhotos?.store,
        communeId: ctx.communeId,
        id: idOf(req),
        file: String(req.params.file),
        actor: actorOf(ctx.principal),
      }),
    ),
  );

  async function act(ctx: ConsoleContext, id: number, ok: string, run: () => Promise<{ outboxIds: number[] }>) {
    try {
      const { outboxIds } = await run();
      deps.deliver(outboxIds);
      return detailPage(db, ctx, id, {
        kind: 'ok',
        text: outboxIds.length ? `${ok} Đã gửi tin cho ${outboxIds.length} người phản ánh.` : ok,
      });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      return detailPage(db, ctx, id, { kind: 'error', text: e.message }, e.status);
    }
  }

  router.post(
    '/console/reports/:id/status',
    consolePage(WRITE, async (req, _res, ctx) => {
      const id = idOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const current = await findReport(db, ctx.communeId, id);
      const assignee = formText(body.assignee, 12);
      return act(ctx, id, 'Đã lưu.', () =>
        changeStatus(db, {
          communeId: ctx.communeId,
          id,
          actor: actorOf(ctx.principal),
          status: formText(body.status, 20) || undefined,
          note: formText(body.note, 1001),
          referral: formText(body.referral, 501),
          // The form always sends the select: only a change counts as an assignment.
          assignee: current && String(current.assignedTo ?? '') === assignee ? undefined : assignee || null,
        }),
      );
    }),
  );
  router.post(
    '/console/reports/:id/merge',
    consolePage(WRITE, async (req, _res, ctx) => {
      const id = idOf(req);
      return act(ctx, id, 'Đã gộp phản ánh.', () =>
        mergeReport(db, { communeId: ctx.communeId, id, into: formText(req.body?.into, 20), actor: actorOf(ctx.principal) }),
      );
    }),
  );

  return {
    menu: [{ href: '/console/reports', label: 'Phản ánh', permission: READ, order: 38 }],
    router,
  };
}
