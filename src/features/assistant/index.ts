import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import type { FeatureModule } from '../../core/feature.js';
import { vi } from '../../core/messages.js';
import { foldPhrase } from '../../core/text-input.js';
import { NEXT, type Router } from '../../core/router.js';
import type { Reply } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { awayNoticeOnceVi } from '../calendar/index.js';
import { offerToStaff } from '../inquiries/index.js';
import { REPORT_START_ACTION } from '../reports/index.js';
import { officeAsked } from './office.js';

/** The main menu: what the bot can do. "Gặp cán bộ" is always on it. */
export function mainMenu(ctx: AppContext, intro?: string): Reply {
  const text =
    intro ??
    `Xin chào anh/chị! Tôi là Trợ lý ảo của ${ctx.commune.name}. Tôi có thể giúp anh/chị:\n` +
      '• Hướng dẫn thủ tục hành chính (giấy tờ cần chuẩn bị, lệ phí, thời gian, nơi nộp)\n' +
      '• Tra cứu tình trạng hồ sơ theo mã biên nhận\n' +
      '• Xem giờ làm việc và địa chỉ tiếp nhận hồ sơ\n' +
      '• Xin bản sao trích lục khai sinh, kết hôn, khai tử (gõ "xin trích lục khai sinh")\n' +
      '• Nhận thông báo của xã theo thôn, ấp (gõ "nhận thông báo")\n' +
      '• Phản ánh, kiến nghị: đèn đường hỏng, ngập nước, rác thải, đường hư…\n' +
      '• Chuyển câu hỏi tới cán bộ xã\n\n' +
      'Anh/chị cứ gõ câu hỏi, ví dụ: "làm giấy khai sinh cần gì?", hoặc chọn bên dưới.';
  return {
    text,
    buttons: [
      { label: 'Hỏi thủ tục', action: 'menu:procedures' },
      { label: 'Tra cứu hồ sơ', action: 'menu:dossier' },
      { label: 'Giờ làm việc, địa chỉ', action: 'menu:contact' },
      { label: 'Phản ánh, kiến nghị', action: REPORT_START_ACTION },
      STAFF_BUTTON,
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

/** Words of thanks, agreement and leave-taking, and the particles around them (folded). */
const THANKS = ['cam on', 'cm on', 'thank', 'thanks', 'thank you', 'tks', 'thanks ad', 'camon', 'cảm ơn'];
const AGREE = ['ok', 'oke', 'okie', 'okay', 'uk', 'uh', 'u', 'da', 'vang', 'duoc roi', 'hieu roi', 'da hieu', 'ro roi', 'roi'];
const BYE = ['tam biet', 'bye', 'bai', 'chao nhe', 'hen gap lai'];
const PARTICLES = new Set(
  'a nhe nha nhen nhieu lam rat em anh chi ban ad ak ah ha vay nhoa minh toi tui con chau bac co chu xa oi'.split(' '),
);

/** The word lists folded and longest first ("thank you" before "thank"), in the order they are tried. */
const longestFirst = (words: string[]) => [...new Set(words)].sort((x, y) => y.length - x.length);
const SMALL_TALK_WORDS: [string[], 'thanks' | 'agree' | 'bye'][] = [
  [longestFirst(THANKS.map((w) => foldPhrase(w))), 'thanks'],
  [longestFirst(BYE), 'bye'],
  [longestFirst(AGREE), 'agree'],
];

/**
 * A message that is only thanks, agreement or goodbye ("cảm ơn nhiều ạ", "ok", "tạm biệt", "👍"): it
 * deserves a short polite answer, not "tôi chưa hiểu". Anything more ("cảm ơn, cho hỏi thêm…") is not.
 */
export function smallTalkOf(text: string): 'thanks' | 'agree' | 'bye' | undefined {
  const folded = foldPhrase(text);
  if (!folded) return /\p{Extended_Pictographic}/u.test(text) ? 'agree' : undefined;
  let rest = ` ${folded} `;
  let kind: 'thanks' | 'agree' | 'bye' | undefined;
  for (const [words, k] of SMALL_TALK_WORDS) {
    for (const w of words) {
      if (rest.includes(` ${w} `)) {
        rest = rest.replaceAll(` ${w} `, ' ');
        kind ??= k;
      }
    }
  }
  if (!kind) return undefined;
  return rest
    .trim()
    .split(' ')
    .every((w) => !w || PARTICLES.has(w))
    ? kind
    : undefined;
}

const SMALL_TALK: Record<'thanks' | 'agree' | 'bye', string> = {
  thanks: 'Dạ, không có gì ạ. Anh/chị cần hỏi thêm điều gì cứ nhắn cho Trợ lý nhé.',
  agree: 'Dạ vâng ạ. Khi cần, anh/chị cứ nhắn câu hỏi bất cứ lúc nào.',
  bye: 'Dạ, chào anh/chị. Chúc anh/chị một ngày tốt lành!',
};

/** The contact card's line of the reception address: how a reader (and `bench:chat`) tells the card apart. */
export const RECEPTION_LABEL = 'Nơi tiếp nhận hồ sơ';
/** How the reply to a message nobody understood begins. */
export const NOT_UNDERSTOOD = 'Xin lỗi, tôi chưa hiểu câu hỏi của anh/chị.';

export function contactReply(ctx: AppContext): Reply {
  const c = ctx.commune;
  return {
    text:
      `${c.name}${c.province ? `, ${c.province}` : ''}\n` +
      `• ${RECEPTION_LABEL}: ${c.address}\n` +
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
  router.global(
    (text) => isMenuPhrase(text),
    (ctx) => {
      ctx.state.flow = null;
      return mainMenu(ctx);
    },
  );
  router.action('menu:main', (ctx) => {
    ctx.state.flow = null;
    return mainMenu(ctx);
  });
  router.action('menu:contact', (ctx) => contactReply(ctx));
  router.hears(
    (text) => smallTalkOf(text) !== undefined,
    (ctx) => ({ text: SMALL_TALK[smallTalkOf(ctx.text)!], buttons: [MENU_BUTTON] }),
  );
  router.hears(
    (text) => officeAsked(foldPhrase(text)),
    (ctx) => contactReply(ctx),
  );
}

/**
 * What nobody claimed: a follow gets the menu, an unfollow nothing, a stale
 * button or a lone attachment a short explanation, anything else a polite
 * "not understood" with one tap to send that very question to staff (the
 * procedure search's "unknown" ends here too: procedures pass it on).
 */
export async function fallback(ctx: AppContext): Promise<Reply | undefined> {
  if (ctx.msg.event === 'follow') return mainMenu(ctx);
  if (ctx.msg.event === 'unfollow') return undefined;
  if (ctx.msg.action) return { text: vi.unknownAction, buttons: [MENU_BUTTON] };
  if (!ctx.text && ctx.msg.attachments?.length) return { text: vi.unsupportedMedia };
  if (!ctx.text) return mainMenu(ctx, vi.emptyMessage);
  // Out of hours, a question the bot cannot answer says when staff are back (once per closed period).
  const away = await awayNoticeOnceVi(ctx);
  const send = offerToStaff(ctx.state, ctx.text, ctx.now);
  return {
    text:
      `${NOT_UNDERSTOOD} Anh/chị có thể hỏi về thủ tục (ví dụ: "đăng ký kết hôn cần gì?"), ` +
      'gửi mã hồ sơ để tra cứu, ' +
      (send ? `hoặc chọn "${send.label}" để cán bộ xã trả lời câu hỏi trên.` : 'hoặc nhắn "gặp cán bộ" để cán bộ xã trả lời.') +
      (away ? `\n${away}` : ''),
    buttons: send ? [send, STAFF_BUTTON, MENU_BUTTON] : [STAFF_BUTTON, MENU_BUTTON],
  };
}

/** Menu, greetings and office contact; listed first so they work everywhere. */
export const assistantModule: FeatureModule<AppContext, unknown> = {
  name: 'assistant',
  register: (router) => register(router),
};
