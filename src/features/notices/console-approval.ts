import { csrfField } from '../../core/console-kit.js';
import { formatDateTimeVi } from '../../core/format-vi.js';
import { html, type SafeHtml } from '../../core/html.js';
import { principalAllows, type ConsoleContext } from '../../core/staff.js';
import { APPROVE } from './http.js';
import type { NoticeRow } from './service.js';

/** The approval pieces of the "Thông báo" pages: the waiting list for approvers, the decision forms, the outcome. */

/** Approve and reject forms of one awaiting notice (the reason is asked in the reject form itself). */
export function decisionForms(ctx: ConsoleContext, n: NoticeRow): SafeHtml {
  return html`<div class="actions">
    <form method="post" action="/console/notices/${n.id}/approve" class="inline" data-confirm="Duyệt và gửi thông báo này?">
      ${csrfField(ctx)}<button type="submit" id="approve-${n.id}" data-approve="${n.id}">Duyệt</button>
    </form>
    <form method="post" action="/console/notices/${n.id}/reject" class="inline">
      ${csrfField(ctx)}
      <label for="reason-${n.id}">Lý do từ chối</label>
      <input id="reason-${n.id}" name="reason" type="text" required maxlength="500" />
      <button type="submit" class="secondary" id="reject-${n.id}">Từ chối</button>
    </form>
  </div>`;
}

/** "Chờ duyệt": the notices awaiting a decision, shown to leaders and admins at the top of the list. */
export function awaitingSection(ctx: ConsoleContext, list: NoticeRow[]): SafeHtml | '' {
  if (!principalAllows(ctx.principal, APPROVE)) return '';
  const waiting = list.filter((n) => n.status === 'awaiting_approval');
  if (!waiting.length) return '';
  return html`<section class="card" id="awaiting" aria-labelledby="awaiting-h">
    <h2 id="awaiting-h">Chờ duyệt (${waiting.length})</h2>
    ${waiting.map(
      (n) =>
        html`<article class="awaiting" data-notice="${n.id}">
          <h3><a href="/console/notices/${n.id}">${n.title}</a></h3>
          <p class="muted">
            ${n.scheduledAt ? `Gửi lúc ${formatDateTimeVi(n.scheduledAt)} sau khi duyệt` : 'Gửi ngay sau khi duyệt'} · soạn
            ${formatDateTimeVi(n.createdAt)}
          </p>
          ${decisionForms(ctx, n)}
        </article>`,
    )}
  </section>`;
}

/** What the notice page says about approval: waiting (with the forms for approvers), approved, or rejected and why. */
export function approvalBlock(ctx: ConsoleContext, n: NoticeRow): SafeHtml | '' {
  if (n.status === 'awaiting_approval')
    return html`<div class="card" id="approval">
      <p>Thông báo đang chờ lãnh đạo hoặc quản trị duyệt; chưa gửi cho ai.</p>
      ${principalAllows(ctx.principal, APPROVE) ? decisionForms(ctx, n) : ''}
    </div>`;
  if (n.status === 'rejected')
    return html`<p class="card flash error" id="approval">
      Bị từ chối${n.decidedAt ? ` lúc ${formatDateTimeVi(n.decidedAt)}` : ''}. Lý do: ${n.rejectReason ?? ''}
    </p>`;
  if (n.decidedAt) return html`<p class="muted" id="approval">Đã duyệt lúc ${formatDateTimeVi(n.decidedAt)}.</p>`;
  return '';
}
