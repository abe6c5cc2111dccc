import { MENU_BUTTON } from '../../core/buttons.js';
import type { Router } from '../../core/router.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { useLinkCode } from './service.js';

const CODE_RE = /^[2-9A-HJ-NP-Z]{8}$/i;

/**
 * `/lienket <code>` (or "liên kết <code>"): a staff member links this chat to
 * their account, to be told when questions wait. Only on a channel the bot
 * pushes messages to; a wrong, expired or used code gets one answer.
 */
export function register(router: Router<AppContext>): void {
  const link = async (ctx: AppContext, raw: string) => {
    if (ctx.capabilities?.delivery !== 'push')
      return { text: 'Liên kết nhận báo tin chỉ dùng được trong Telegram hoặc Zalo của xã.', buttons: [MENU_BUTTON] };
    const code = raw.trim();
    const name = CODE_RE.test(code)
      ? await useLinkCode(ctx.db, {
          communeId: ctx.commune.id,
          code,
          channel: ctx.msg.channel,
          chatId: ctx.msg.chatId,
          userId: ctx.msg.userId,
          now: ctx.now,
        })
      : undefined;
    if (!name)
      return {
        text: 'Mã liên kết không đúng hoặc đã hết hạn. Anh/chị tạo mã mới trong trang quản trị (Báo tin qua chat) rồi gửi lại trong 10 phút.',
      };
    return {
      text: `Đã liên kết với tài khoản cán bộ ${name}. Khi có câu hỏi mới của người dân chờ trong Hộp thư, tôi sẽ báo tại đây.`,
    };
  };
  router.command('lienket', (ctx) => link(ctx, ctx.commandArg));
  router.hears(/^li[eê]n\s*k[eế]t\s+([2-9a-z]{8})$/i, (ctx) => link(ctx, ctx.match?.[1] ?? ''));
}
