import { randomBytes } from 'node:crypto';
import { MENU_BUTTON, SEND_UNANSWERED_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { defineStateSlice, isJsonObject } from '../../core/conversation-state.js';
import type { Router } from '../../core/router.js';
import type { ConversationState, Reply, ReplyButton } from '../../core/types.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { queueQuestion } from './queue.js';

/**
 * A question the bot could not answer, offered to staff with one tap
 * ("Gửi câu hỏi này cho cán bộ") instead of queued by itself: many such
 * messages are typos, half sentences or questions the resident will rephrase,
 * and staff should only see what the resident chose to send them.
 *
 * The text waits in the conversation state only for that tap: the tap takes
 * it out (only the question's code stays, so a second tap says it was sent),
 * the next question the bot does not understand replaces it, and after
 * `UNANSWERED_KEEP_MS` a tap is refused and the text dropped. The button
 * carries a token naming the question it offered, so an older button never
 * sends a newer question. The text is never logged.
 */
interface UnansweredState {
  /** The token of the offer the button carries. */
  token: string;
  /** The question, until it is queued. */
  text?: string;
  /** ISO time of the offer. */
  at: string;
  /** Its code once queued. */
  code?: string;
  /** Earlier offers already queued (the last few), so their buttons still say where the question went. */
  sent?: Array<{ token: string; code: string }>;
}

const isSent = (x: unknown) => isJsonObject(x) && typeof x.token === 'string' && typeof x.code === 'string';

const unanswered = defineStateSlice<UnansweredState>('unansweredQuestion', {
  parse: (raw) =>
    isJsonObject(raw) &&
    typeof raw.token === 'string' &&
    typeof raw.at === 'string' &&
    (raw.text === undefined || typeof raw.text === 'string') &&
    (raw.code === undefined || typeof raw.code === 'string') &&
    (raw.sent === undefined || (Array.isArray(raw.sent) && raw.sent.every(isSent)))
      ? (raw as unknown as UnansweredState)
      : undefined,
  empty: () => ({ token: '', at: new Date(0).toISOString() }),
});

/** How long the offer stands: the same idle time as a chat form. */
export const UNANSWERED_KEEP_MS = 30 * 60_000;
/** Shorter than this is not a question staff could answer (the "gặp cán bộ" step's rule). */
const MIN_QUESTION_CHARS = 3;
/** Queued offers remembered for their old buttons (only tokens and codes: no text). */
const SENT_KEPT = 3;

/**
 * Keep a question the bot did not understand for the one tap, and return the
 * button offering it (on a channel that numbers buttons, its number selects
 * it too); undefined when the text is too short to be a question.
 */
export function offerToStaff(state: ConversationState, text: string, now: Date): ReplyButton | undefined {
  if (text.trim().length < MIN_QUESTION_CHARS) {
    unanswered.clear(state);
    return undefined;
  }
  const token = randomBytes(4).toString('hex');
  const prev = unanswered.read(state);
  const sent = [...(prev?.sent ?? []), ...(prev?.code ? [{ token: prev.token, code: prev.code }] : [])].slice(-SENT_KEPT);
  unanswered.set(state, { token, text, at: now.toISOString(), ...(sent.length ? { sent } : {}) });
  return { ...SEND_UNANSWERED_BUTTON, action: `${SEND_UNANSWERED_BUTTON.action}:${token}` };
}

const notKept: Reply = {
  text:
    'Câu hỏi đó không còn được lưu (đã quá 30 phút hoặc anh/chị đã hỏi câu khác). ' +
    'Anh/chị vui lòng bấm "Gặp cán bộ" và gõ lại câu hỏi, cán bộ xã sẽ trả lời.',
  buttons: [STAFF_BUTTON, MENU_BUTTON],
};

/** The tap: queue the kept question (the same limits, audit and wording as "gặp cán bộ"), once. */
async function sendUnanswered(ctx: AppContext): Promise<Reply> {
  const kept = unanswered.read(ctx.state);
  const token = ctx.actionArgs[0];
  const alreadySent = (code: string): Reply => ({
    text: `Câu hỏi này đã được chuyển tới cán bộ (mã ${code}). Anh/chị chờ cán bộ trả lời tại đây nhé.`,
    buttons: [MENU_BUTTON],
  });
  const earlier = kept?.sent?.find((s) => s.token === token);
  if (earlier) return alreadySent(earlier.code);
  if (!kept || !token || kept.token !== token) return notKept;
  if (kept.code) return alreadySent(kept.code);
  if (!kept.text || ctx.now.getTime() - new Date(kept.at).getTime() > UNANSWERED_KEEP_MS) {
    unanswered.clear(ctx.state);
    return notKept;
  }
  const { reply, code } = await queueQuestion(ctx, kept.text);
  if (code) unanswered.set(ctx.state, { token, at: kept.at, code, ...(kept.sent ? { sent: kept.sent } : {}) });
  else unanswered.clear(ctx.state);
  return reply;
}

export function registerUnanswered(router: Router<AppContext>): void {
  router.action(SEND_UNANSWERED_BUTTON.action!, sendUnanswered);
}
