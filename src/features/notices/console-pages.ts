import { CHANNEL_LABELS, csrfField, formText } from '../../core/console-kit.js';
import { formatDateTimeVi } from '../../core/format-vi.js';
import { html } from '../../core/html.js';
import { principalAllows, type ConsoleContext } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { attachmentCard } from './console-attachment.js';
import { approvalBlock, awaitingSection } from './console-approval.js';
import { maySendAs } from './http-resend.js';
import { WRITE } from './http.js';
import {
  attachmentInfo,
  deliveryReport,
  listHamlets,
  listNotices,
  listTopics,
  noticesRequireApproval,
  previewAudience,
  type NoticeRow,
} from './service.js';

/** The pages of the "Thông báo" console: the list with the compose form, one notice with its delivery report, and the hamlets and topics. */

export type Flash = { kind: 'ok' | 'error'; text: string };

export const STATUS_LABELS: Record<string, string> = {
  draft: 'Bản nháp',
  awaiting_approval: 'Chờ duyệt',
  scheduled: 'Đã lên lịch',
  sending: 'Đang gửi',
  sent: 'Đã gửi',
  cancelled: 'Đã hủy',
  rejected: 'Bị từ chối',
};

/**
 * Reads the checked targets and asks the preview API for the recipient count
 * as staff tick them (no inline script: the console's CSP allows only files
 * served by the app).
 */
export const NOTICES_JS = `(function () {
  var form = document.getElementById('compose');
  var out = document.getElementById('preview-count');
  if (!form || !out) return;
  var seq = 0;
  function ids(name) {
    return Array.prototype.map.call(form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; }).join(',');
  }
  function refresh() {
    var n = ++seq;
    var url = out.getAttribute('data-url') + '?hamlets=' + ids('hamlets') + '&topics=' + ids('topics');
    fetch(url, { credentials: 'same-origin' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (p) {
      if (!p || n !== seq) return;
      var parts = Object.keys(p.byChannel).map(function (c) { return (LABELS[c] || c) + ': ' + p.byChannel[c]; });
      out.textContent = 'Số người nhận: ' + p.total + (parts.length ? ' (' + parts.join(', ') + ')' : '');
      out.setAttribute('data-total', String(p.total));
    }).catch(function () {});
  }
  var LABELS = ${JSON.stringify(CHANNEL_LABELS)};
  form.addEventListener('change', function (e) { if (e.target && e.target.type === 'checkbox') refresh(); });
})();
`;

function audienceText(p: { total: number; byChannel: Record<string, number> }): string {
  const parts = Object.entries(p.byChannel).map(([c, n]) => `${CHANNEL_LABELS[c] ?? c}: ${n}`);
  return `Số người nhận: ${p.total}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export async function listPage(db: Db, ctx: ConsoleContext, flash?: Flash, status?: number, form: Record<string, unknown> = {}) {
  const [list, hamlets, topics] = [
    await listNotices(db, ctx.communeId),
    await listHamlets(db, ctx.communeId),
    await listTopics(db, ctx.communeId),
  ];
  const canWrite = principalAllows(ctx.principal, WRITE);
  const checked = (name: string, id: number) => {
    const v = form[name];
    return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).map(String).includes(String(id));
  };
  const everyone = await previewAudience(db, ctx.communeId, { hamletIds: [], topicIds: [] });
  const approval = await noticesRequireApproval(db, ctx.communeId);
  ctx.render({
    title: 'Thông báo',
    flash,
    status,
    body: html`<h1>Thông báo cho người dân</h1>
      ${awaitingSection(ctx, list)}
      ${
        canWrite
          ? html`<form method="post" action="/console/notices" class="card" id="compose">
                ${csrfField(ctx)}
                <h2>Soạn thông báo</h2>
                ${
                  approval
                    ? html`<p class="muted" id="approval-note">
                        Xã yêu cầu lãnh đạo hoặc quản trị duyệt: thông báo gửi ngay hoặc lên lịch sẽ chờ duyệt rồi mới gửi.
                      </p>`
                    : ''
                }
                <label for="n-title">Tiêu đề</label>
                <input id="n-title" name="title" type="text" required maxlength="150" value="${formText(form.title, 150)}" />
                <label for="n-text">Nội dung</label>
                <textarea id="n-text" name="text" rows="6" required maxlength="3000">${formText(form.text, 3000)}</textarea>
                <label for="n-link">Liên kết (không bắt buộc)</label>
                <input
                  id="n-link"
                  name="link"
                  type="url"
                  maxlength="500"
                  placeholder="https://"
                  value="${formText(form.link, 500)}"
                />
                <fieldset>
                  <legend>Ấp, thôn nhận (không chọn: toàn xã)</legend>
                  ${
                    hamlets.length
                      ? hamlets.map(
                          (h) =>
                            html`<label
                              ><input
                                type="checkbox"
                                name="hamlets"
                                value="${h.id}"
                                ${checked('hamlets', h.id) ? html`checked` : ''}
                              />
                              ${h.name}</label
                            >`,
                        )
                      : html`<p class="muted">Chưa có danh sách ấp, thôn: <a href="/console/notices/targets">thêm</a>.</p>`
                  }
                </fieldset>
                <fieldset>
                  <legend>Chủ đề (không chọn: mọi người đăng ký)</legend>
                  ${topics.map(
                    (t) =>
                      html`<label
                        ><input type="checkbox" name="topics" value="${t.id}" ${checked('topics', t.id) ? html`checked` : ''} />
                        ${t.name}${t.urgent ? ' (khẩn: mọi người đăng ký đều nhận)' : ''}</label
                      >`,
                  )}
                </fieldset>
                <p
                  id="preview-count"
                  role="status"
                  aria-live="polite"
                  data-url="/api/v1/notices/preview"
                  data-total="${everyone.total}"
                >
                  ${audienceText(everyone)}
                </p>
                <label for="n-at">Gửi lúc (để trống nếu gửi ngay; giờ Việt Nam)</label>
                <input id="n-at" name="scheduledAt" type="datetime-local" value="${formText(form.scheduledAt, 30)}" />
                <p class="muted">Đính kèm ảnh hoặc tệp PDF: bấm "Lưu nháp", rồi tải tệp lên ở trang của thông báo.</p>
                <div class="actions">
                  <button type="submit" name="mode" value="now" id="send-now">Gửi ngay</button>
                  <button type="submit" name="mode" value="schedule" class="secondary" id="schedule">Lên lịch</button>
                  <button type="submit" name="mode" value="draft" class="secondary">Lưu nháp</button>
                </div>
              </form>
              <script src="/console/notices/notices.js" defer></script>`
          : ''
      }
      <p><a href="/console/notices/targets">Danh sách ấp, thôn và chủ đề</a></p>
      <h2>Đã soạn</h2>
      ${
        list.length
          ? html`<div class="table-wrap" role="region" aria-label="Các thông báo" tabindex="0">
              <table id="notices">
                <thead>
                  <tr>
                    <th scope="col">Tiêu đề</th>
                    <th scope="col">Trạng thái</th>
                    <th scope="col">Thời điểm</th>
                  </tr>
                </thead>
                <tbody>
                  ${list.map(
                    (n) =>
                      html`<tr>
                        <td><a href="/console/notices/${n.id}">${n.title}</a></td>
                        <td>${STATUS_LABELS[n.status] ?? n.status}</td>
                        <td>${whenText(n)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="muted">Chưa có thông báo nào.</p>`
      }`,
  });
}

export async function noticePage(db: Db, ctx: ConsoleContext, notice: NoticeRow, flash?: Flash, status?: number) {
  const [hamlets, topics, report] = [
    await listHamlets(db, ctx.communeId),
    await listTopics(db, ctx.communeId),
    await deliveryReport(db, notice),
  ];
  const file = await attachmentInfo(db, notice.id);
  const canWrite = principalAllows(ctx.principal, WRITE);
  const canResend =
    notice.status === 'sent' &&
    report.unconfirmed > 0 &&
    maySendAs(ctx.principal)(await noticesRequireApproval(db, ctx.communeId));
  const open = notice.status === 'draft' || notice.status === 'scheduled';
  const cancellable = open || notice.status === 'awaiting_approval';
  const names = (ids: number[], rows: { id: number; name: string }[], all: string) =>
    ids.length
      ? rows
          .filter((r) => ids.includes(r.id))
          .map((r) => r.name)
          .join(', ')
      : all;
  ctx.render({
    title: `Thông báo: ${notice.title}`,
    flash,
    status,
    body: html`<p><a href="/console/notices">← Các thông báo</a></p>
      <h1>${notice.title}</h1>
      <p class="card" id="notice-status" role="status">
        <strong>${STATUS_LABELS[notice.status] ?? notice.status}</strong> · ${whenText(notice)}
      </p>
      ${approvalBlock(ctx, notice)}
      <p id="notice-body">${notice.body.split('\n').map((line, i) => html`${i ? html`<br />` : ''}${line}`)}</p>
      ${notice.link ? html`<p>Liên kết: <a href="${notice.link}" rel="noopener noreferrer">${notice.link}</a></p>` : ''}
      ${attachmentCard(ctx, notice, file, canWrite)}
      <p class="muted">
        Ấp, thôn: ${names(notice.hamletIds, hamlets, 'toàn xã')} · Chủ đề: ${names(notice.topicIds, topics, 'mọi chủ đề')}
      </p>
      <h2>Kết quả gửi</h2>
      <div class="table-wrap" role="region" aria-label="Kết quả gửi" tabindex="0">
        <table id="report">
          <thead>
            <tr>
              <th scope="col">Kênh</th>
              <th scope="col">Đã gửi</th>
              <th scope="col">Đang chờ</th>
              <th scope="col">Bị chặn</th>
              <th scope="col">Ngoài thời hạn Zalo</th>
              <th scope="col">Lỗi</th>
            </tr>
          </thead>
          <tbody>
            ${Object.entries(report.byChannel).map(
              ([c, r]) =>
                html`<tr>
                  <td>${CHANNEL_LABELS[c] ?? c}</td>
                  <td>${r.sent}</td>
                  <td>${r.pending}</td>
                  <td>${r.blocked}</td>
                  <td>${r.outsideWindow}</td>
                  <td>${r.failed}</td>
                </tr>`,
            )}
            <tr>
              <th scope="row">Tổng (${report.recipients} người nhận)</th>
              <td data-count="sent">${report.sent}</td>
              <td data-count="pending">${report.pending}</td>
              <td data-count="blocked">${report.blocked}</td>
              <td data-count="outside-window">${report.outsideWindow}</td>
              <td data-count="failed">${report.failed}</td>
            </tr>
          </tbody>
        </table>
      </div>
      ${
        report.unconfirmed
          ? html`<p class="muted" id="unconfirmed">
              Trong số đã gửi có ${report.unconfirmed} tin nền tảng chưa kịp xác nhận vì việc gửi bị gián đoạn giữa chừng (máy chủ
              dừng hoặc mất kết nối). Hệ thống không tự động gửi lại những tin này để không ai nhận trùng thông báo.
            </p>`
          : ''
      }
      ${canResend ? resendForm(ctx, notice, report.unconfirmed) : ''}
      ${
        canWrite && cancellable
          ? html`<div class="actions">
              ${
                open
                  ? html`<form
                      method="post"
                      action="/console/notices/${notice.id}/send"
                      class="inline"
                      data-confirm="Gửi thông báo này ngay?"
                    >
                      ${csrfField(ctx)}<button type="submit" id="send">Gửi ngay</button>
                    </form>`
                  : ''
              }
              <form method="post" action="/console/notices/${notice.id}/cancel" class="inline" data-confirm="Hủy thông báo này?">
                ${csrfField(ctx)}<button type="submit" class="secondary" id="cancel">Hủy thông báo</button>
              </form>
            </div>`
          : ''
      }`,
  });
}

export async function targetsPage(db: Db, ctx: ConsoleContext, flash?: Flash, status?: number) {
  const [hamlets, topics] = [await listHamlets(db, ctx.communeId), await listTopics(db, ctx.communeId)];
  const canWrite = principalAllows(ctx.principal, WRITE);
  const del = (path: string, label: string) =>
    canWrite
      ? html`<form method="post" action="${path}" class="inline">
          ${csrfField(ctx)}<button type="submit" class="secondary" aria-label="Xóa ${label}">Xóa</button>
        </form>`
      : '';
  ctx.render({
    title: 'Ấp, thôn và chủ đề thông báo',
    flash,
    status,
    body: html`<p><a href="/console/notices">← Các thông báo</a></p>
      <h1>Ấp, thôn và chủ đề</h1>
      <h2>Ấp, thôn (khu phố, tổ dân phố)</h2>
      <ul id="hamlets">
        ${hamlets.map((h) => html`<li>${h.name} ${del(`/console/notices/hamlets/${h.id}/delete`, h.name)}</li>`)}
      </ul>
      ${
        canWrite
          ? html`<form method="post" action="/console/notices/hamlets" class="card">
              ${csrfField(ctx)}<label for="h-name">Thêm ấp, thôn</label>
              <input id="h-name" name="name" type="text" required maxlength="80" />
              <div class="actions"><button type="submit">Thêm</button></div>
            </form>`
          : ''
      }
      <h2>Chủ đề</h2>
      <p class="muted">Chủ đề khẩn: người đăng ký không bỏ riêng được (chỉ hủy nhận toàn bộ).</p>
      <ul id="topics">
        ${topics.map(
          (t) =>
            html`<li>
              ${t.name}${t.urgent ? html` <strong>(khẩn)</strong>` : ''} ${del(`/console/notices/topics/${t.id}/delete`, t.name)}
            </li>`,
        )}
      </ul>
      ${
        canWrite
          ? html`<form method="post" action="/console/notices/topics" class="card">
              ${csrfField(ctx)}<label for="t-name">Thêm chủ đề</label>
              <input id="t-name" name="name" type="text" required maxlength="80" />
              <label><input type="checkbox" name="urgent" value="1" /> Chủ đề khẩn</label>
              <div class="actions"><button type="submit">Thêm</button></div>
            </form>`
          : ''
      }`,
  });
}

/**
 * Staff choose to resend the unconfirmed copies: some of those residents may have the notice already and get it
 * twice, which the form says before the button and the confirmation asks again.
 */
function resendForm(ctx: ConsoleContext, notice: NoticeRow, n: number) {
  return html`<form
    method="post"
    action="/console/notices/${notice.id}/resend-unconfirmed"
    class="card"
    id="resend-unconfirmed"
    data-confirm="Gửi lại ${n} tin chưa xác nhận? Có thể một số người sẽ nhận hai lần."
  >
    ${csrfField(ctx)}
    <p class="muted" id="resend-warning">
      Lưu ý: một số người trong số này có thể đã nhận được thông báo; nếu gửi lại, họ sẽ nhận thêm một lần nữa. Anh/chị chỉ nên
      gửi lại khi thông báo thật sự cần đến được mọi người.
    </p>
    <div class="actions"><button type="submit" id="resend">Gửi lại ${n} tin chưa xác nhận</button></div>
  </form>`;
}

function whenText(n: NoticeRow): string {
  if (n.status === 'sent' && n.sentAt) return `gửi xong ${formatDateTimeVi(n.sentAt)}`;
  if (n.status === 'scheduled' && n.scheduledAt) return `gửi lúc ${formatDateTimeVi(n.scheduledAt)}`;
  if (n.status === 'cancelled' && n.cancelledAt) return `hủy ${formatDateTimeVi(n.cancelledAt)}`;
  if (n.status === 'rejected' && n.decidedAt) return `từ chối ${formatDateTimeVi(n.decidedAt)}`;
  return `soạn ${formatDateTimeVi(n.createdAt)}`;
}
