import type { ReplyButton } from './types.js';

/** "Danh mục chính": back to the main menu (the assistant feature answers the action). */
export const MENU_BUTTON: ReplyButton = { label: 'Danh mục chính', action: 'menu:main' };

/** "Gặp cán bộ": leave a question for staff (the inquiries feature answers the action); always reachable. */
export const STAFF_BUTTON: ReplyButton = { label: 'Gặp cán bộ', action: 'staff:contact' };

/**
 * "Gửi câu hỏi này cho cán bộ", under a question the bot did not understand: one tap queues that very question
 * for staff (the inquiries feature answers the action; the reply adds `:<token>` naming the question it offers).
 */
export const SEND_UNANSWERED_BUTTON: ReplyButton = { label: 'Gửi câu hỏi này cho cán bộ', action: 'inquiry:send-unanswered' };
