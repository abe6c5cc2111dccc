import { MENU_BUTTON } from '../../core/buttons.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Router } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { staffAnswerTextVi } from '../calendar/index.js';
import { findInquiryCode, inquiryStatus, isSupplementPhrase, supplement, SUPPLEMENT_FLOW, supplementFlow } from './follow-up.js';
import { registerRating } from './rating-chat.js';
import { MAX_OPEN_PER_CHAT, openCodesOfChat, openInquiry } from './service.js';

const STAFF_PHRASES =
  /^(gap|gap gap|noi chuyen voi|lien he|hoi|chat voi|ket noi|cho toi gap|toi muon gap|muon gap)? ?(can bo|nguoi that|nhan vien|tong dai vien|nguoi truc|cb)( xa| phuong| oi| a| voi)?$/;

export function isStaffRequest(text: string): boolean {
  const f = foldPhrase(text);
  return STAFF_PHRASES.test(f) || f === 'gap can bo' || f === 'gặp cán bộ';
}

/**
 * When staff will answer, from the commune's working calendar at the message's time (the context's clock);
 * out of hours the full notice once per closed period, then only the time staff are back.
 */
function whenStaffAnswer(ctx: AppContext): Promise<string> {
  return staffAnswerTextVi(ctx);
}

async function askQuestion(ctx: AppContext): Promise<Reply> {
  ctx.state.flow = 'inquiry:ask';
  return {
    text:
      'Anh/chị vui lòng nhập câu hỏi hoặc nội dung cần cán bộ hỗ trợ trong một tin nhắn. ' +
      'Cán bộ xã sẽ trả lời ngay tại cuộc trò chuyện này. ' +
      `${await whenStaffAnswer(ctx)}\n` +
      'Lưu ý: không gửi số CCCD hay thông tin nhạy cảm nếu không cần thiết.',
    buttons: [{ label: 'Hủy', action: 'inquiry:cancel' }],
  };
}

/** "Gặp cán bộ": always reachable; the question is queued for staff with a code; its progress and additions by code. */
export function register(router: Router<AppContext>): void {
  router.global((text) => isStaffRequest(text), askQuestion);
  router.action('staff:contact', askQuestion);
  router.action('inquiry:cancel', (ctx) => {
    ctx.state.flow = null;
    return {
      text: 'Đã hủy. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.',
      buttons: [MENU_BUTTON],
    };
  });
  // Before the follow-ups: "đánh giá HD-… 5" names a code too.
  registerRating(router);
  // Follow-ups on a question already queued: its progress by code, and additions ("bổ sung …"). Global, so
  // that the menu's phrases ("số điện thoại", "giờ làm việc" inside an addition) do not take them first;
  // both pass on (NEXT) when the chat has no such question.
  router.global((text) => findInquiryCode(text) !== undefined, inquiryStatus);
  router.global((text) => isSupplementPhrase(text), supplement);
  router.flow(SUPPLEMENT_FLOW, supplementFlow);
  router.flow('inquiry:ask', async (ctx) => {
    if (!ctx.text) return { text: 'Anh/chị vui lòng gõ nội dung câu hỏi bằng chữ.' };
    if (ctx.text.length < 3) return { text: 'Câu hỏi hơi ngắn, anh/chị vui lòng nói rõ hơn một chút.' };
    const waiting = await openCodesOfChat(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId);
    if (waiting.length >= MAX_OPEN_PER_CHAT) {
      ctx.state.flow = null;
      return {
        text:
          `Anh/chị đang có ${waiting.length} câu hỏi chờ cán bộ trả lời (mã ${waiting.join(', ')}). ` +
          `Cán bộ sẽ trả lời lần lượt; khi có câu trả lời, anh/chị có thể hỏi thêm. Nếu cần gấp, anh/chị gọi ${ctx.commune.phone}.`,
        buttons: [MENU_BUTTON],
      };
    }
    const { code } = await openInquiry(ctx.db, {
      communeId: ctx.msg.communeId,
      channel: ctx.msg.channel,
      chatId: ctx.msg.chatId,
      userId: ctx.msg.userId,
      question: ctx.text,
    });
    ctx.state.flow = null;
    return {
      text:
        `Tôi đã chuyển câu hỏi của anh/chị tới cán bộ ${ctx.commune.name}. Mã câu hỏi: ${code}.\n` +
        `${await whenStaffAnswer(ctx)}\n` +
        (ctx.commune.hoursText ? `Giờ làm việc: ${ctx.commune.hoursText}. ` : '') +
        `Nếu cần gấp, anh/chị gọi ${ctx.commune.phone}.`,
      buttons: [MENU_BUTTON],
    };
  });
}
