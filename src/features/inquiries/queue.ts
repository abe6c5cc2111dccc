import { MENU_BUTTON } from '../../core/buttons.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { staffAnswerTextVi } from '../calendar/index.js';
import { MAX_OPEN_PER_CHAT, openCodesOfChat, openInquiry } from './service.js';
import { typicalWaitMinutes } from './typical-wait.js';

/**
 * When staff will answer, from the commune's working calendar at the message's time (the context's clock):
 * during hours the commune's typical wait (or today's hours when too few questions were answered lately),
 * out of hours the full notice once per closed period, then only the time staff are back.
 */
export function whenStaffAnswer(ctx: AppContext): Promise<string> {
  return staffAnswerTextVi(ctx, () => typicalWaitMinutes(ctx));
}

/**
 * Queue a resident's question for staff with a code: refused politely while the chat already has
 * `MAX_OPEN_PER_CHAT` questions waiting; audited (`openInquiry`). The reply gives the code and when staff answer.
 * Used by the "gặp cán bộ" question step and by the one tap under a question the bot did not understand.
 */
export async function queueQuestion(ctx: AppContext, question: string): Promise<{ reply: Reply; code?: string }> {
  const waiting = await openCodesOfChat(ctx.db, ctx.msg.communeId, ctx.msg.channel, ctx.msg.chatId);
  if (waiting.length >= MAX_OPEN_PER_CHAT) {
    return {
      reply: {
        text:
          `Anh/chị đang có ${waiting.length} câu hỏi chờ cán bộ trả lời (mã ${waiting.join(', ')}). ` +
          `Cán bộ sẽ trả lời lần lượt; khi có câu trả lời, anh/chị có thể hỏi thêm. Nếu cần gấp, anh/chị gọi ${ctx.commune.phone}.`,
        buttons: [MENU_BUTTON],
      },
    };
  }
  const { code } = await openInquiry(ctx.db, {
    communeId: ctx.msg.communeId,
    channel: ctx.msg.channel,
    chatId: ctx.msg.chatId,
    userId: ctx.msg.userId,
    question,
  });
  return {
    code,
    reply: {
      text:
        `Tôi đã chuyển câu hỏi của anh/chị tới cán bộ ${ctx.commune.name}. Mã câu hỏi: ${code}.\n` +
        `${await whenStaffAnswer(ctx)}\n` +
        (ctx.commune.hoursText ? `Giờ làm việc: ${ctx.commune.hoursText}. ` : '') +
        `Nếu cần gấp, anh/chị gọi ${ctx.commune.phone}.`,
      buttons: [MENU_BUTTON],
    },
  };
}
