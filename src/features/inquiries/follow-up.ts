import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { defineStateSlice, isJsonObject } from '../../core/conversation-state.js';
import { formatDateTimeVi, formatShortDateTimeVi } from '../../core/format-vi.js';
import { NEXT, type HandlerResult } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import { and, eq } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import { inquiries } from '../../db/schema/index.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { staffAnswerTextVi } from '../calendar/index.js';
import { ASK_AGAIN_BUTTON, findInquiry, openCodesOfChat, type InquiryRow } from './service.js';

/**
 * A resident's follow-ups on a question left for staff: its progress asked by
 * code ("câu hỏi HD-7K2Q9 đến đâu rồi") and additions to it while it waits
 * ("bổ sung: …", "bổ sung HD-7K2Q9 …"). Only the chat that asked sees or
 * changes a question; another chat hears what an unknown code gets.
 */

/** An inquiry code in a message: HD- and five characters of the code alphabet, not part of a longer code. */
const CODE_RE = /(?<![\p{L}\p{N}-])HD-?([2-9A-HJ-NP-Z]{5})(?![\p{L}\p{N}-])/iu;
/** "bổ sung" at the start of the message (folded), with or without a colon. */
const SUPPLEMENT_RE = /^(xin |toi muon |cho toi )?bo sung\b/;
/** An addition that is really a procedure question ("bổ sung hộ tịch cần gì") is left to procedures. */
const PROCEDURE_QUESTION = /\b(can gi|giay to gi|thu tuc|le phi|bao nhieu tien|bao lau|mat bao lau|nhu the nao)\b/;
/** The longest a question may grow with additions (the console shows it whole). */
const MAX_QUESTION_CHARS = 8_000;
export const SUPPLEMENT_FLOW = 'inquiry:supplement';

/** A message that starts with "bổ sung". */
export function isSupplementPhrase(text: string): boolean {
  return SUPPLEMENT_RE.test(foldPhrase(text));
}

export function findInquiryCode(text: string): string | undefined {
  const m = CODE_RE.exec(text);
  return m ? `HD-${m[1].toUpperCase()}` : undefined;
}

/** The code an addition waits for (flow `inquiry:supplement`). */
interface SupplementState {
  code?: string;
}
export const supplementState = defineStateSlice<SupplementState>('inquirySupplement', {
  parse: (raw) => (isJsonObject(raw) && (raw.code === undefined || typeof raw.code === 'string') ? raw : undefined),
  empty: () => ({}),
});

/** The chat's own question with this code, or undefined (another chat's code is not found either). */
async function ownInquiry(ctx: AppContext, code: string): Promise<InquiryRow | undefined> {
  const row = await findInquiry(ctx.db, ctx.msg.communeId, code);
  return row && row.channel === ctx.msg.channel && row.chatId === ctx.msg.chatId ? row : undefined;
}

const notFound = (code: string): Reply => ({
  text:
    `Không tìm thấy câu hỏi ${code} trong cuộc trò chuyện này. Tiến độ chỉ xem được từ chính cuộc trò chuyện đã gửi câu hỏi. ` +
    'Anh/chị kiểm tra lại mã, hoặc nhắn "gặp cán bộ" để gửi câu hỏi mới.',
  buttons: [STAFF_BUTTON, MENU_BUTTON],
});

/** "HD-7K2Q9 đến đâu rồi": where the chat's own question stands. */
export async function inquiryStatus(ctx: AppContext): Promise<HandlerResult> {
  const code = findInquiryCode(ctx.text);
  if (!code) return NEXT;
  if (SUPPLEMENT_RE.test(foldPhrase(ctx.text))) return supplement(ctx);
  const row = await ownInquiry(ctx, code);
  if (!row) return notFound(code);
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'inquiry.status-disclosed',
    subject: row.code,
    details: { status: row.status },
  });
  if (row.status === 'answered' && row.answer)
    return {
      text: `Câu hỏi ${row.code} đã được cán bộ trả lời${row.answeredAt ? ` lúc ${formatDateTimeVi(row.answeredAt)}` : ''}:\n${row.answer}`,
      buttons: [ASK_AGAIN_BUTTON, MENU_BUTTON],
    };
  if (row.status !== 'open')
    return {
      text: `Câu hỏi ${row.code} đã được cán bộ đóng. Nếu anh/chị cần hỏi tiếp, nhắn "gặp cán bộ".`,
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  return {
    text:
      `Câu hỏi ${row.code} (gửi lúc ${formatDateTimeVi(row.createdAt)}) đang chờ cán bộ trả lời. ${await staffAnswerTextVi(ctx)}\n` +
      `Muốn thêm thông tin, anh/chị nhắn: "bổ sung ${row.code} …".`,
    buttons: [MENU_BUTTON],
  };
}

/** Append an addition to an open question, audited; the console shows it under the question. */
async function append(ctx: AppContext, row: InquiryRow, addition: string): Promise<Reply> {
  supplementState.clear(ctx.state);
  if (ctx.state.flow === SUPPLEMENT_FLOW) ctx.state.flow = null;
  if (row.status !== 'open')
    return {
      text: `Câu hỏi ${row.code} đã được cán bộ trả lời hoặc đóng nên không bổ sung được nữa. Anh/chị nhắn "gặp cán bộ" để hỏi tiếp.`,
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  const question = `${row.question}\n\n[Bổ sung lúc ${formatShortDateTimeVi(ctx.now)}] ${addition}`;
  if (question.length > MAX_QUESTION_CHARS)
    return {
      text: 'Nội dung bổ sung đã quá dài. Anh/chị vui lòng đợi cán bộ trả lời, hoặc gọi điện cho bộ phận một cửa.',
      buttons: [MENU_BUTTON],
    };
  await ctx.db
    .update(inquiries)
    .set({ question })
    .where(and(eq(inquiries.id, row.id), eq(inquiries.status, 'open')));
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'inquiry.supplemented',
    subject: row.code,
  });
  return { text: `Đã bổ sung vào câu hỏi ${row.code}. Cán bộ sẽ xem cùng câu hỏi.`, buttons: [MENU_BUTTON] };
}

/**
 * "bổ sung [HD-…] <nội dung>": the addition goes to the named question, or to
 * the chat's only open one; "bổ sung" alone asks for the text. A message that
 * reads as a procedure question, or a chat with nothing waiting, is not one.
 */
export async function supplement(ctx: AppContext): Promise<HandlerResult> {
  const folded = foldPhrase(ctx.text);
  if (!SUPPLEMENT_RE.test(folded)) return NEXT;
  const code = findInquiryCode(ctx.text);
  const addition = ctx.text
    .replace(CODE_RE, ' ')
    .replace(/^\s*(xin|tôi muốn|cho tôi)?\s*(bổ sung|bo sung)\s*(câu hỏi|cau hoi)?\s*[:：,-]?\s*/iu, '')
    .trim();
  if (code) {
    const row = await ownInquiry(ctx, code);
    if (!row) return notFound(code);
    if (!addition) return askAddition(ctx, row.code);
    return append(ctx, row, addition);
  }
  if (PROCEDURE_QUESTION.test(folded)) return NEXT;
  const open = await openCodesOfChat(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId);
  if (!open.length) return NEXT;
  if (open.length > 1)
    return {
      text: `Anh/chị đang có ${open.length} câu hỏi chờ trả lời (${open.join(', ')}). Anh/chị nhắn kèm mã, ví dụ: "bổ sung ${open[0]} …".`,
      buttons: [MENU_BUTTON],
    };
  if (!addition) return askAddition(ctx, open[0]);
  const row = await ownInquiry(ctx, open[0]);
  return row ? append(ctx, row, addition) : notFound(open[0]);
}

function askAddition(ctx: AppContext, code: string): Reply {
  ctx.state.flow = SUPPLEMENT_FLOW;
  supplementState.get(ctx.state).code = code;
  return {
    text: `Anh/chị nhập nội dung cần bổ sung cho câu hỏi ${code} trong một tin nhắn.`,
    buttons: [{ label: 'Hủy', action: 'inquiry:cancel' }],
  };
}

/** The text after "bổ sung" alone. */
export async function supplementFlow(ctx: AppContext): Promise<HandlerResult> {
  const code = supplementState.read(ctx.state)?.code;
  if (!code || !ctx.text) {
    ctx.state.flow = null;
    supplementState.clear(ctx.state);
    return ctx.text ? NEXT : { text: 'Anh/chị vui lòng gõ nội dung bổ sung bằng chữ.' };
  }
  const row = await ownInquiry(ctx, code);
  return row ? append(ctx, row, ctx.text.trim()) : notFound(code);
}
