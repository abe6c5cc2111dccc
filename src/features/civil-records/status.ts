import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { formatDateVi, formatMoneyVi } from '../../core/format-vi.js';
import { defineLookupLimiter } from '../../core/lookup-limit.js';
import { NEXT, type HandlerResult } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import { and, eq } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import { civilRecordRequests } from '../../db/schema/index.js';
import type { AppContext } from '../../pipeline/context.js';
import { findRequestCode } from './codes.js';
import { KIND_LABELS, type RecordKind } from './records.js';
import { findRequestInChat, type RequestRow } from './service.js';

/**
 * A request's progress asked in the chat ("yêu cầu BS-… đến đâu rồi") and a
 * resident's own withdrawal ("hủy yêu cầu BS-…"), with a limit on failed lookups.
 */

/** Failed status lookups a chat may make per hour (codes of other chats included: they are not found either). */
export const LOOKUP_LIMIT = { max: 5, windowMs: 60 * 60_000 };

const lookups = defineLookupLimiter('civilRecords', LOOKUP_LIMIT);
/** This feature's slice of the conversation state: the times of recent failed lookups. */
export const civilState = lookups.slice;

function statusText(r: RequestRow): string {
  const head = `Yêu cầu ${r.code} (${KIND_LABELS[r.kind as RecordKind].toLowerCase()}, ${r.copies} bản)`;
  switch (r.status) {
    case 'pending':
      return `${head} đang chờ cán bộ tư pháp – hộ tịch kiểm tra. Kết quả sẽ được gửi tại cuộc trò chuyện này.`;
    case 'approved':
      if (!r.paidAt) return `${head} đã được duyệt, đang chờ anh/chị nộp lệ phí ${formatMoneyVi(r.feeAmount)}.`;
      return r.deliveryMode === 'counter'
        ? `${head} đã được duyệt. Mời anh/chị đến bộ phận một cửa nhận bản sao, nhớ mang theo căn cước.`
        : `${head} đã được duyệt và bản sao sẽ được gửi qua bưu chính.`;
    case 'delivered':
      return `${head} đã được duyệt và bản sao đã được gửi${r.deliveredAt ? ` ngày ${formatDateVi(r.deliveredAt)}` : ''}.`;
    case 'rejected':
      return `${head} không được chấp nhận.${r.reason ? `\nLý do: ${r.reason}` : ''}`;
    default:
      return `${head} đã được hủy.`;
  }
}

/** "yêu cầu BS-… đến đâu rồi": only the chat that made the request is answered; others hear what an unknown code gets. */
export async function lookup(ctx: AppContext): Promise<HandlerResult> {
  const code = findRequestCode(ctx.text);
  if (!code) return NEXT;
  if (lookups.exhausted(ctx.state, ctx.now))
    return {
      text: 'Anh/chị đã tra cứu mã yêu cầu không đúng nhiều lần. Vui lòng thử lại sau một giờ, hoặc bấm "Gặp cán bộ".',
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  const r = await findRequestInChat(ctx.db, {
    communeId: ctx.msg.communeId,
    code,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
  });
  if (!r) {
    lookups.miss(ctx.state, ctx.now);
    return {
      text:
        `Không tìm thấy yêu cầu ${code} trong cuộc trò chuyện này. Tiến độ chỉ tra cứu được từ chính cuộc trò chuyện ` +
        'đã gửi yêu cầu. Anh/chị kiểm tra lại mã, hoặc bấm "Gặp cán bộ".',
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  }
  if (/^(xin |toi muon |cho toi )?huy\b/.test(foldPhrase(ctx.text))) return cancelOwnRequest(ctx, r);
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'civil-request.status-disclosed',
    subject: r.code,
    details: { status: r.status },
  });
  return { text: statusText(r), buttons: [MENU_BUTTON] };
}

/** "hủy yêu cầu BS-…" from the chat that made it: a request staff have not decided yet is withdrawn. */
async function cancelOwnRequest(ctx: AppContext, r: RequestRow): Promise<Reply> {
  if (r.status === 'cancelled') return { text: `Yêu cầu ${r.code} đã được hủy trước đó.`, buttons: [MENU_BUTTON] };
  if (r.status !== 'pending')
    return {
      text: `Yêu cầu ${r.code} đã được cán bộ xử lý nên không hủy qua tin nhắn được nữa. Anh/chị bấm "Gặp cán bộ" nếu cần hỗ trợ.`,
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  await ctx.db
    .update(civilRecordRequests)
    .set({ status: 'cancelled', decidedAt: ctx.now })
    .where(and(eq(civilRecordRequests.id, r.id), eq(civilRecordRequests.status, 'pending')));
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'civil-request.cancelled',
    subject: r.code,
  });
  return { text: `Đã hủy yêu cầu ${r.code}. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.`, buttons: [MENU_BUTTON] };
}
