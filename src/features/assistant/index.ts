import { foldPhrase } from '../../core/text-input.js';
import { NEXT, type Router } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';

/** The main menu: what the bot can do. "Gặp cán bộ" is always on it. */
export function mainMenu(ctx: AppContext, intro?: string): Reply {
  const text =
    intro ??
    `Xin chào anh/chị! Tôi là Trợ lý ảo của ${ctx.commune.name}. Tôi có thể giúp anh/chị:\n` +
      '• Hướng dẫn thủ tục hành chính (giấy tờ cần chuẩn bị, lệ phí, thời gian, nơi nộp)\n' +
      '• Tra cứu tình trạng hồ sơ theo mã biên nhận\n' +
      '• Xem giờ làm việc và địa chỉ tiếp nhận hồ sơ\n' +
      '• Chuyển câu hỏi tới cán bộ xã\n\n' +
      'Anh/chị cứ gõ câu hỏi, ví dụ: "làm giấy khai sinh cần gì?", hoặc chọn bên dưới.';
  return {
    text,
    buttons: [
      { label: 'Hỏi thủ tục', action: 'menu:procedures' },
      { label: 'Tra cứu hồ sơ', action: 'menu:dossier' },
      { label: 'Giờ làm việc, địa chỉ', action: 'menu:contact' },
      { label: 'Gặp cán bộ', action: 'staff:contact' },
    ],
  };
}

const MENU_PHRASES = new Set([
  'menu',
  'bat dau',
  'start',
  'danh muc',
  'huong dan',
  'tro giup',
  'giup toi',
  'help',
  'quay lai',
  've menu',
  'menu chinh',
  'xin chao',
  'chao',
  'chao ban',
  'hello',
  'hi',
  'alo',
]);

export function isMenuPhrase(text: string): boolean {
  return MENU_PHRASES.has(foldPhrase(text));
}

export function contactReply(ctx: AppContext): Reply {
  const c = ctx.commune;
  return {
    text:
      `${c.name}${c.province ? `, ${c.province}` : ''}\n` +
      `• Nơi tiếp nhận hồ sơ: ${c.address}\n` +
      `• Giờ làm việc: ${c.hoursText}\n` +
      `• Điện thoại: ${c.phone}`,
    buttons: [{ label: 'Về danh mục chính', action: 'menu:main' }],
  };
}

/** Menu, greetings, office contact; registered first so they work everywhere. */
export function register(router: Router<AppContext>): void {
  router.command(['start', 'menu', 'help'], (ctx) => {
    // A /start with a parameter (deep link) belongs to the feature that owns the parameter.
    if (ctx.commandArg) return NEXT;
    ctx.state.flow = null;
    return mainMenu(ctx);
  });
  router.global((text) => isMenuPhrase(text), (ctx) => {
    ctx.state.flow = null;
    return mainMenu(ctx);
  });
  router.action('menu:main', (ctx) => {
    ctx.state.flow = null;
    return mainMenu(ctx);
  });
  router.action('menu:contact', (ctx) => contactReply(ctx));
  router.hears(
    (text) => /\b(gio lam viec|may gio|dia chi|o dau|so dien thoai|hotline|lam viec thu bay)\b/.test(foldPhrase(text)) &&
      !/\b(nop|thu tuc|lam)\b.*\b(o dau)\b/.test(foldPhrase(text)),
    (ctx) => contactReply(ctx),
  );
}
