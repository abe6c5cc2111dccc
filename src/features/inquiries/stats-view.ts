import type { SheetData } from 'write-excel-file/node';
import { formatWorkingMinutesVi } from '../../core/calendar.js';
import { formatIntVi } from '../../core/format-vi.js';
import { html, type SafeHtml } from '../../core/html.js';
import type { InquiryStats, InquiryStatsLine } from './stats.js';

/** The inquiry figures as the statistics page and the workbook show them. */

const COLUMNS = [
  'Câu hỏi nhận',
  'Trong giờ',
  'Ngoài giờ',
  'Đã trả lời',
  'Thời gian trả lời (trung vị, giờ làm việc)',
  'Thời gian trả lời (90%, giờ làm việc)',
  'Lượt đánh giá',
  'Điểm trung bình',
  '1 sao',
  '2 sao',
  '3 sao',
  '4 sao',
  '5 sao',
];

const monthVi = (month: string) => `${month.slice(5, 7)}/${month.slice(0, 4)}`;
const minutesVi = (m: number | null) => (m === null ? '—' : formatWorkingMinutesVi(Math.round(m)));
/** "4,33" */
export const averageVi = (a: number | null) => (a === null ? '—' : a.toFixed(2).replace('.', ','));

function cells(s: InquiryStatsLine): string[] {
  return [
    formatIntVi(s.received),
    formatIntVi(s.inHours),
    formatIntVi(s.outOfHours),
    formatIntVi(s.answered),
    minutesVi(s.firstAnswerMedianMinutes),
    minutesVi(s.firstAnswerP90Minutes),
    formatIntVi(s.ratings),
    averageVi(s.ratingAverage),
    ...s.ratingDistribution.map(formatIntVi),
  ];
}

/** One sentence for the period. */
export function inquirySummaryVi(s: InquiryStats): string {
  if (!s.received) return 'Chưa có câu hỏi nào gửi cán bộ trong khoảng thời gian này.';
  return (
    `${formatIntVi(s.received)} câu hỏi gửi cán bộ (${formatIntVi(s.inHours)} trong giờ làm việc, ${formatIntVi(s.outOfHours)} ngoài giờ); ` +
    `${formatIntVi(s.answered)} đã trả lời, một nửa trong vòng ${minutesVi(s.firstAnswerMedianMinutes)} làm việc; ` +
    (s.ratings
      ? `${formatIntVi(s.ratings)} lượt đánh giá, trung bình ${averageVi(s.ratingAverage)}/5.`
      : 'chưa có lượt đánh giá.')
  );
}

/** The statistics page's section "Câu hỏi gửi cán bộ": the period's sentence and the table by month. */
export function inquiryStatsSection(s: InquiryStats): SafeHtml {
  return html`<section id="inquiry-stats" aria-labelledby="inquiry-stats-title">
    <h2 id="inquiry-stats-title">Câu hỏi gửi cán bộ</h2>
    <p class="card" id="inquiry-summary">${inquirySummaryVi(s)}</p>
    <p class="muted">
      Thời gian trả lời tính theo giờ làm việc của xã (không tính đêm, cuối tuần, ngày lễ); mỗi câu hỏi tính vào tháng nhận.
    </p>
    <div class="table-wrap" role="region" aria-label="Câu hỏi gửi cán bộ theo tháng" tabindex="0">
      <table id="inquiries-by-month">
        <thead>
          <tr>
            ${['Tháng', ...COLUMNS].map((h) => html`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${s.byMonth.map(
            (m) =>
              html`<tr>
                ${[monthVi(m.month), ...cells(m)].map((c) => html`<td>${c}</td>`)}
              </tr>`,
          )}
          <tr>
            <th scope="row">Tổng cộng</th>
            ${cells(s).map((c) => html`<td><strong>${c}</strong></td>`)}
          </tr>
        </tbody>
      </table>
    </div>
  </section>`;
}

/** The workbook's sheet "Câu hỏi": numbers as numbers (minutes of working time), one row per month and the total. */
export function inquiryStatsSheet(s: InquiryStats): { sheet: string; data: SheetData } {
  const bold = { fontWeight: 'bold' as const };
  const heads = [
    'Tháng',
    ...COLUMNS.map((c) => c.replace('(trung vị, giờ làm việc)', '(trung vị, phút làm việc)').replace('(90%, giờ', '(90%, phút')),
  ];
  const line = (label: string, x: InquiryStatsLine) => [
    { value: label },
    { value: x.received },
    { value: x.inHours },
    { value: x.outOfHours },
    { value: x.answered },
    x.firstAnswerMedianMinutes === null ? null : { value: x.firstAnswerMedianMinutes },
    x.firstAnswerP90Minutes === null ? null : { value: x.firstAnswerP90Minutes },
    { value: x.ratings },
    x.ratingAverage === null ? null : { value: x.ratingAverage, format: '0.00' },
    ...x.ratingDistribution.map((value) => ({ value })),
  ];
  return {
    sheet: 'Câu hỏi',
    data: [
      [{ value: inquirySummaryVi(s) }],
      [],
      heads.map((value) => ({ value, ...bold })),
      ...s.byMonth.map((m) => line(monthVi(m.month), m)),
      line('Tổng cộng', s),
    ],
  };
}
