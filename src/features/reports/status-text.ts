import { eq } from 'drizzle-orm';
import { formatDateVi } from '../../core/format-vi.js';
import type { Db } from '../../db/client.js';
import { reports } from '../../db/schema/index.js';
import { CATEGORY_LABELS, type ReportCategory, type ReportStatus } from './codes.js';
import type { ReportRow } from './service.js';

export function statusWord(s: ReportStatus): string {
  return {
    received: 'đã tiếp nhận',
    in_progress: 'đang xử lý',
    done: 'đã xử lý xong',
    not_ours: 'không thuộc thẩm quyền xã',
    merged: 'đã gộp',
  }[s];
}

/** The main report a merged one follows, for the resident's status lookup. */
export async function mainOf(db: Db, r: ReportRow): Promise<ReportRow> {
  if (!r.mergedInto) return r;
  const [main] = await db.select().from(reports).where(eq(reports.id, r.mergedInto));
  return main ?? r;
}

/** What the chat says about a report asked by its code. */
export function statusText(r: ReportRow, main: ReportRow): string {
  const head = `Phản ánh ${r.code} (${CATEGORY_LABELS[r.category as ReportCategory].toLowerCase()}, gửi ngày ${formatDateVi(r.createdAt)})`;
  const shown = r.status === 'merged' ? main : r;
  const merged = r.status === 'merged' ? ` được gộp với phản ánh ${main.code} cùng sự việc, và` : '';
  switch (shown.status as ReportStatus) {
    case 'received':
      return `${head}${merged} đã được tiếp nhận, đang chờ cán bộ xử lý. Kết quả sẽ được gửi tại cuộc trò chuyện này.`;
    case 'in_progress':
      return `${head}${merged} đang được cán bộ xử lý.${shown.note ? `\nGhi chú: ${shown.note}` : ''}`;
    case 'done':
      return `${head}${merged} đã được xử lý xong.${shown.note ? `\nGhi chú: ${shown.note}` : ''}`;
    case 'not_ours':
      return `${head}${merged} không thuộc thẩm quyền của xã. Anh/chị vui lòng liên hệ: ${shown.referral}.`;
    default:
      return `${head} đã được gộp với phản ánh khác.`;
  }
}
