import { MENU_BUTTON } from '../../core/buttons.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Router } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { findInquiryCode, inquiryStatus, isSupplementPhrase, supplement, SUPPLEMENT_FLOW, supplementFlow } from './follow-up.js';
import { registerRating } from './rating-chat.js';
import { queueQuestion, whenStaffAnswer } from './queue.js';
import { registerUnanswered } from './unanswered.js';

const STAFF_PHRASES =
  /^(gap|gap gap|noi chuyen voi|lien he|hoi|chat voi|ket noi|cho toi gap|toi muon gap|muon gap)? ?(can bo|nguoi that|nhan vien|tong dai vien|nguoi truc|cb)( xa| phuong| oi| a| voi)?$/;

export function isStaffRequest(text: string): boolean {
  const f = foldPhrase(text);
  return STAFF_PHRASES.test(f) || f === 'gap can bo' || f === 'gặp cán bộ';
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
  registerUnanswered(router);
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
    const { reply } = await queueQuestion(ctx, ctx.text);
    ctx.state.flow = null;
    return reply;
  });
}
