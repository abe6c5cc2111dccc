import { eq } from 'drizzle-orm';
import { ValidationError } from '../../core/errors.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { reports } from '../../db/schema/index.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import { parseReportCode, OPEN_STATUSES, type ReportStatus } from './codes.js';
import { statusWord } from './status-text.js';
import { findReport, findReportByCode, listMergedInto, lockReport, recipientOf, type ReportRow } from './service.js';

/**
 * Merge a duplicate into the report of the same problem: the duplicate is
 * closed as `merged`, duplicates merged into it follow it, and its reporters
 * are told which report they now follow; from then on every status change of
 * the main report reaches them too.
 */
export async function mergeReport(
  db: Db,
  q: { communeId: number; id: number; into: unknown; actor: string; now?: Date },
): Promise<{ report: ReportRow; outboxIds: number[] }> {
  const now = q.now ?? new Date();
  const code = typeof q.into === 'string' ? parseReportCode(q.into) : undefined;
  const intoId = code ?? (q.into === '' ? NaN : Number(q.into));
  if (typeof intoId === 'number' && (!Number.isSafeInteger(intoId) || intoId <= 0))
    throw new ValidationError('Anh/chị cho biết phản ánh chính (mã PA-… hoặc số thứ tự).', { into: 'bắt buộc' });
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const target =
      typeof intoId === 'string' ? await findReportByCode(tx, q.communeId, intoId) : await findReport(tx, q.communeId, intoId);
    if (!target) throw new ValidationError('Không tìm thấy phản ánh chính.', { into: 'không có trong xã này' }, 404);
    const dup = await lockReport(tx, q.communeId, q.id);
    const main = await lockReport(tx, q.communeId, target.id);
    if (dup.id === main.id) throw new ValidationError('Không thể gộp một phản ánh vào chính nó.', { into: 'khác phản ánh này' });
    if (dup.status === 'merged') throw new ValidationError('Phản ánh này đã được gộp trước đó.', {}, 409);
    if (!OPEN_STATUSES.includes(dup.status as ReportStatus))
      throw new ValidationError('Chỉ gộp được phản ánh chưa xử lý xong.', {}, 409);
    if (main.status === 'merged')
      throw new ValidationError(
        'Phản ánh chính đã được gộp vào phản ánh khác; anh/chị chọn phản ánh đó.',
        { into: 'đã gộp' },
        409,
      );
    const followers = await listMergedInto(tx, dup.id);
    if (followers.length)
      await tx.update(reports).set({ mergedInto: main.id, updatedAt: now }).where(eq(reports.mergedInto, dup.id));
    const [updated] = await tx
      .update(reports)
      .set({ status: 'merged', mergedInto: main.id, updatedAt: now })
      .where(eq(reports.id, dup.id))
      .returning();
    await writeAudit(tx, {
      communeId: q.communeId,
      actor: q.actor,
      action: 'report.merged',
      subject: dup.code,
      details: { into: main.code, followers: followers.length },
    });
    const already = new Set(
      [main, ...(await listMergedInto(tx, main.id)).filter((r) => r.id !== dup.id && !followers.some((f) => f.id === r.id))].map(
        (r) => `${r.channel}:${r.chatId}`,
      ),
    );
    const outboxIds: number[] = [];
    const told = new Set<string>();
    for (const r of [dup, ...followers]) {
      const key = `${r.channel}:${r.chatId}`;
      if (already.has(key) || told.has(key)) continue;
      told.add(key);
      outboxIds.push(
        ...(await enqueueMessages(tx, recipientOf(r), [
          {
            text:
              `Phản ánh ${r.code} của anh/chị trùng với một sự việc đã được phản ánh trước (mã ${main.code}), ` +
              `nên cán bộ đã gộp chung để xử lý một lần. Anh/chị vẫn sẽ nhận thông báo khi có kết quả. ` +
              `Trạng thái hiện tại: ${statusWord(main.status as ReportStatus)}.`,
          },
        ])),
      );
    }
    return { report: updated, outboxIds };
  });
}
