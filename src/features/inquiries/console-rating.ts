import { formatWorkingMinutesVi, workingMinutesBetween, type WorkCalendar } from '../../core/calendar.js';
import { formatShortDateTimeVi } from '../../core/format-vi.js';
import { html, type SafeHtml } from '../../core/html.js';
import { RATING_LABELS } from './rating.js';
import type { InquiryRow } from './service.js';

/** The inbox's pieces about an answered question: how long it waited in working hours, and the resident's rating. */

const stars = (n: number) => '★'.repeat(n) + '☆'.repeat(5 - n);

/** "trả lời sau 1 giờ 30 phút làm việc": the working time from arrival to the answer (calendar of today). */
export function answeredAfter(row: InquiryRow, cal: WorkCalendar): SafeHtml | string {
  if (row.status !== 'answered' || !row.answeredAt) return '';
  const minutes = workingMinutesBetween(cal, row.createdAt, row.answeredAt);
  return html`<span class="tag" data-working-minutes="${minutes}">trả lời sau ${formatWorkingMinutesVi(minutes)} làm việc</span>`;
}

/** In the list: "đánh giá 4/5". */
export function ratingTag(row: InquiryRow): SafeHtml | string {
  if (row.rating === null) return '';
  return html`<span class="tag rating" title="${RATING_LABELS[row.rating - 1]}">đánh giá ${row.rating}/5</span>`;
}

/** On the question's page: the score, its words, when, and the comment; or that none was given yet. */
export function ratingBlock(row: InquiryRow): SafeHtml | string {
  if (row.status !== 'answered') return '';
  if (row.rating === null || !row.ratedAt)
    return html`<div class="card" id="rating">
      <h2>Đánh giá của người dân</h2>
      <p class="muted">Người dân chưa đánh giá câu trả lời.</p>
    </div>`;
  return html`<div class="card" id="rating">
    <h2>Đánh giá của người dân</h2>
    <p>
      <span aria-hidden="true">${stars(row.rating)}</span>
      <strong>${row.rating}/5</strong> (${RATING_LABELS[row.rating - 1]}) · ${formatShortDateTimeVi(row.ratedAt)}
    </p>
    ${row.ratingComment ? html`<p>Góp ý: ${row.ratingComment}</p>` : html`<p class="muted">Không có góp ý.</p>`}
  </div>`;
}
