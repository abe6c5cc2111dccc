import { MENU_BUTTON } from '../../core/buttons.js';
import { createFlow, step, type ConversationFlow } from '../../core/conversation-flow.js';
import type { HandlerResult, Router } from '../../core/router.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import {
  commentOnRating,
  MAX_RATING_COMMENT,
  parseTypedRating,
  rateInquiry,
  RATE_ACTION,
  ratingRefusalVi,
  RATING_LABELS,
} from './rating.js';

const SKIP_ACTION = 'inquiry:rating-skip';
const SKIP_BUTTON = { label: 'Bỏ qua', action: SKIP_ACTION };
/** A new question typed at the comment step is not a comment: it leaves the step and is answered. */
const NEW_QUESTION =
  /^(cho (toi )?hoi|xin hoi|toi muon hoi|hoi ve|thu tuc|lam sao|lam the nao)\b|\b(can giay to gi|can gi|le phi|thu tuc|o dau|bao nhieu tien)\b/;
const THANKS = 'Cảm ơn anh/chị đã đánh giá. Ý kiến của anh/chị giúp cán bộ xã phục vụ tốt hơn.';

const asker = (ctx: AppContext) => ({
  communeId: ctx.msg.communeId,
  channel: ctx.msg.channel,
  chatId: ctx.msg.chatId,
  userId: ctx.msg.userId,
});

/** The optional comment after a score: one message, "hủy"/"Bỏ qua" ends it, 30 minutes idle ends it. */
export const ratingCommentFlow: ConversationFlow<AppContext> = createFlow<AppContext>({
  name: 'inquiry:rating-comment',
  cancelButton: SKIP_BUTTON,
  steps: [
    {
      id: 'comment',
      ask: () => ({ text: 'Anh/chị có góp ý gì thêm không? Nhắn góp ý trong một tin nhắn, hoặc bấm "Bỏ qua".' }),
      async answer(ctx, values) {
        const text = ctx.text.trim();
        if (!text) return step.retry('Anh/chị vui lòng gõ góp ý bằng chữ, hoặc bấm "Bỏ qua".');
        if (NEW_QUESTION.test(foldPhrase(text))) return step.leave();
        if (text.length > MAX_RATING_COMMENT)
          return step.retry(`Góp ý dài tối đa ${MAX_RATING_COMMENT} ký tự, anh/chị viết ngắn lại giúp tôi nhé.`);
        const saved = await commentOnRating(ctx.db, { ...asker(ctx), code: String(values.code), comment: text });
        return step.done({
          text: saved ? 'Đã ghi nhận góp ý của anh/chị. Xin cảm ơn!' : THANKS,
          buttons: [MENU_BUTTON],
        });
      },
    },
  ],
  cancelled: () => ({ text: THANKS, buttons: [MENU_BUTTON] }),
});

async function rate(ctx: AppContext, input: { code?: string; stars: number; comment?: string }): Promise<HandlerResult> {
  const result = await rateInquiry(ctx.db, { ...asker(ctx), ...input, now: ctx.now });
  if (result.kind !== 'rated') return ratingRefusalVi(result);
  const label = RATING_LABELS[result.stars - 1].toLowerCase();
  if (input.comment)
    return { text: `Đã ghi nhận đánh giá ${result.stars}/5 (${label}) và góp ý của anh/chị. ${THANKS}`, buttons: [MENU_BUTTON] };
  const reply: Reply = {
    text:
      `Đã ghi nhận đánh giá ${result.stars}/5 (${label}) cho câu hỏi ${result.code}. ` +
      'Anh/chị có góp ý gì thêm không? Nhắn góp ý trong một tin nhắn, hoặc bấm "Bỏ qua".',
    buttons: [SKIP_BUTTON],
  };
  return ratingCommentFlow.start(ctx, { values: { code: result.code }, reply });
}

/** Ratings in the chat: the invitation's buttons, a typed "đánh giá 5", the comment step. */
export function registerRating(router: Router<AppContext>): void {
  router.action(RATE_ACTION, (ctx) => {
    const [code, stars] = ctx.actionArgs;
    const n = Number(stars);
    if (!code || !Number.isInteger(n) || n < 1 || n > 5) return { text: 'Điểm đánh giá từ 1 đến 5.', buttons: [MENU_BUTTON] };
    return rate(ctx, { code, stars: n });
  });
  router.action(SKIP_ACTION, (ctx) => {
    ratingCommentFlow.end(ctx);
    return { text: THANKS, buttons: [MENU_BUTTON] };
  });
  // Global, so that a rating typed while another flow waits is still a rating.
  router.global(
    (text) => parseTypedRating(text) !== undefined,
    (ctx) => {
      const typed = parseTypedRating(ctx.text)!;
      return rate(ctx, { code: typed.code, stars: typed.stars, comment: typed.comment || undefined });
    },
  );
  router.flow(ratingCommentFlow.name, ratingCommentFlow.handle);
}
