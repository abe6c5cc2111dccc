import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { defineLookupLimiter } from '../../core/lookup-limit.js';
import { NEXT, type HandlerResult, type Router } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import type { AppContext } from '../../pipeline/context.js';
import { CATEGORY_LABELS, categoryFromText, findReportCode } from './codes.js';
import {
  atCap,
  CANCEL_ACTION,
  cancelledReply,
  capReply,
  createReportFlow,
  FLOW_REPORT,
  hamletChoices,
  START_ACTION,
} from './flow.js';
import { findReportInChat } from './service.js';
import { mainOf, statusText } from './status-text.js';

/** Words that ask to report a problem, whatever it is (folded). */
const REPORT_WORDS = /\b(phan anh|kien nghi|bao hong|gui phan anh)\b/;
/** A question about a procedure or a permit is left to the procedures feature. */
const PROCEDURE_QUESTION =
  /\b(thu tuc|can gi|can nhung gi|giay to|ho so|le phi|bao lau|may ngay|giay phep|cap phep|xin phep|dang ky|mau don|the nao|nhu the nao|lam sao de|o dau lam|xac nhan|trinh bao|tiep cong dan|lich tiep)\b/;
/** "đường vô xóm có ngập không em?": a question about the problem, not a report of it. */
const YES_NO_QUESTION = /\bco\b.*\bkhong( em| a| vay| ha| nhi| chi| anh)?$/;

/**
 * "phản ánh", "kiến nghị", "báo hỏng đèn đường", "ngập nước", "rác": a
 * resident starting a report. A short message naming a problem counts too; a
 * procedure question ("thủ tục phản ánh…", "giấy phép karaoke cần gì") does not.
 */
export function isReportPhrase(text: string): boolean {
  const f = foldPhrase(text);
  if (!f || PROCEDURE_QUESTION.test(f) || findReportCode(text)) return false;
  if (REPORT_WORDS.test(f)) return true;
  return categoryFromText(f) !== undefined && !YES_NO_QUESTION.test(f) && f.split(' ').length <= 12;
}

/** Failed code lookups a chat may make per hour (codes of other chats included: they are not found either). */
export const LOOKUP_LIMIT = { max: 5, windowMs: 60 * 60_000 };

const lookups = defineLookupLimiter('reports', LOOKUP_LIMIT);
/** This feature's slice of the conversation state: the times of recent failed lookups. */
export const reportsState = lookups.slice;

/** "phản ánh PA-… đến đâu rồi": answered only in the chat that sent it; any other chat hears what an unknown code gets. */
async function lookup(ctx: AppContext): Promise<HandlerResult> {
  const code = findReportCode(ctx.text);
  if (!code) return NEXT;
  if (lookups.exhausted(ctx.state, ctx.now))
    return {
      text: 'Anh/chị đã tra cứu mã phản ánh không đúng nhiều lần. Vui lòng thử lại sau một giờ, hoặc bấm "Gặp cán bộ".',
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  const r = await findReportInChat(ctx.db, {
    communeId: ctx.msg.communeId,
    code,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
  });
  if (!r) {
    lookups.miss(ctx.state, ctx.now);
    return {
      text:
        `Không tìm thấy phản ánh ${code} trong cuộc trò chuyện này. Tiến độ chỉ tra cứu được từ chính cuộc trò chuyện ` +
        'đã gửi phản ánh. Anh/chị kiểm tra lại mã, hoặc bấm "Gặp cán bộ".',
      buttons: [STAFF_BUTTON, MENU_BUTTON],
    };
  }
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'report.status-disclosed',
    subject: r.code,
    details: { status: r.status },
  });
  return { text: statusText(r, await mainOf(ctx.db, r)), buttons: [MENU_BUTTON] };
}

/** The chat side: the report form, its entry phrases and the status lookup. */
export function register(router: Router<AppContext>): void {
  const flow = createReportFlow();
  const start = async (ctx: AppContext): Promise<Reply> => {
    if (await atCap(ctx)) return capReply();
    const hamlets = await hamletChoices(ctx.db, ctx.msg.communeId);
    const category = ctx.text ? categoryFromText(foldPhrase(ctx.text)) : undefined;
    if (!category) return flow.start(ctx, { values: { hamlets } });
    const reply = flow.start(ctx, { step: 'description', values: { category, hamlets } });
    return { ...reply, text: `Tôi sẽ giúp anh/chị gửi phản ánh về ${CATEGORY_LABELS[category].toLowerCase()}.\n${reply.text}` };
  };
  router.action(START_ACTION, start);
  router.action(CANCEL_ACTION, (ctx) => {
    flow.end(ctx);
    return cancelledReply();
  });
  router.flow(FLOW_REPORT, flow.handle);
  router.hears((text) => findReportCode(text) !== undefined, lookup);
  router.hears((text) => isReportPhrase(text), start);
}
