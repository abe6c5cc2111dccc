import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import type { ChannelCapabilities, Reply, ReplyButton } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { inquiries } from '../../db/schema/index.js';

/**
 * Ratings of staff answers: the asking chat rates an answered question once,
 * 1–5, with an optional short comment. Invited with the answer itself.
 */

export const RATING_LABELS = ['Rất không hài lòng', 'Chưa hài lòng', 'Bình thường', 'Hài lòng', 'Rất hài lòng'] as const;
/** The longest comment kept with a rating. */
export const MAX_RATING_COMMENT = 500;
/** Button action of a rating: `inquiry:rate:<code>:<stars>`. */
export const RATE_ACTION = 'inquiry:rate';

/**
 * The staff answer with its invitation to rate, in one message. Where buttons
 * are tappable, one button per score before the answer's own buttons; where
 * buttons arrive as a numbered list (Zalo), the scores are written out and the
 * resident types "đánh giá 5": a bare digit would not reach us, because the
 * conversation's numbered memory belongs to the last reply the bot gave in the
 * chat, not to a message staff sent later, and the answer's own buttons are
 * numbered 1, 2 on the same message.
 */
export function withRatingInvitation(answer: Reply, code: string, buttons: ChannelCapabilities['buttons']): Reply {
  const question = `Anh/chị có hài lòng với câu trả lời cho câu hỏi ${code} không?`;
  if (buttons === 'native')
    return {
      text: `${answer.text}\n\n${question} Xin anh/chị chấm từ 1 (rất không hài lòng) đến 5 (rất hài lòng) để cán bộ phục vụ tốt hơn.`,
      buttons: [
        ...RATING_LABELS.map((label, i): ReplyButton => ({
          label: `${i + 1} ⭐ ${label}`,
          action: `${RATE_ACTION}:${code}:${i + 1}`,
        })),
        ...(answer.buttons ?? []),
      ],
    };
  return {
    ...answer,
    text:
      `${answer.text}\n\n${question} Xin anh/chị chấm điểm: ` +
      RATING_LABELS.map((label, i) => `${i + 1} – ${label.toLowerCase()}`).join(', ') +
      `. Anh/chị nhắn "đánh giá" kèm số điểm, ví dụ: "đánh giá 5"; có thể viết thêm góp ý sau số điểm.`,
  };
}

/** "đánh giá 5", "đánh giá HD-7K2Q9 4 cán bộ nhiệt tình", "4 sao": the score, the code if any, the rest as a comment. */
const RATING_RE =
  /^\s*(?:(?:tôi |toi |xin )?(?:đánh giá|danh gia|chấm|cham)\s*(?:câu hỏi |cau hoi )?(?:(HD-?[2-9A-HJ-NP-Z]{5})\s*)?[:：,-]?\s*([1-5])(?![\p{N}]|[.,]\p{N})(?:\s*(?:sao|điểm|diem|\/\s*5)(?![\p{L}\p{N}]))?|([1-5])\s*(?:sao|⭐+)(?![\p{L}\p{N}]))(?:\s*[:：,.-]?\s*(.*))?$/isu;

export interface TypedRating {
  code?: string;
  stars: number;
  comment: string;
}

export function parseTypedRating(text: string): TypedRating | undefined {
  const m = RATING_RE.exec(text.normalize('NFC'));
  if (!m) return undefined;
  const code = m[1] ? `HD-${m[1].toUpperCase().replace(/^HD-?/, '')}` : undefined;
  return { code, stars: Number(m[2] ?? m[3]), comment: (m[4] ?? '').trim() };
}

export type RateResult =
  | { kind: 'rated'; code: string; stars: number }
  | { kind: 'none' }
  | { kind: 'not-found'; code: string }
  | { kind: 'open'; code: string }
  | { kind: 'closed'; code: string }
  | { kind: 'already'; code: string; stars: number };

interface Asker {
  communeId: number;
  channel: string;
  chatId: string;
  userId: string;
}

const ofChat = (a: Asker) =>
  and(eq(inquiries.communeId, a.communeId), eq(inquiries.channel, a.channel), eq(inquiries.chatId, a.chatId));

/**
 * Store the asking chat's rating of an answered question, once (a second
 * rating, a concurrent one included, finds it rated); audited. Without a code:
 * the chat's latest answered question not yet rated. Another chat's question
 * is reported as not found, exactly like an unknown code.
 */
export async function rateInquiry(
  db: Db,
  input: Asker & { code?: string; stars: number; comment?: string; now: Date },
): Promise<RateResult> {
  if (!Number.isInteger(input.stars) || input.stars < 1 || input.stars > 5) throw new RangeError('stars must be 1–5');
  let row: typeof inquiries.$inferSelect | undefined;
  if (input.code) {
    [row] = await db
      .select()
      .from(inquiries)
      .where(and(ofChat(input), eq(inquiries.code, input.code.toUpperCase())));
    if (!row) return { kind: 'not-found', code: input.code.toUpperCase() };
  } else {
    [row] = await db
      .select()
      .from(inquiries)
      .where(and(ofChat(input), eq(inquiries.status, 'answered'), isNull(inquiries.rating)))
      .orderBy(desc(inquiries.answeredAt))
      .limit(1);
    if (!row)
      [row] = await db
        .select()
        .from(inquiries)
        .where(and(ofChat(input), isNotNull(inquiries.rating)))
        .orderBy(desc(inquiries.ratedAt))
        .limit(1);
    if (!row) return { kind: 'none' };
  }
  if (row.status === 'open') return { kind: 'open', code: row.code };
  if (row.status !== 'answered') return { kind: 'closed', code: row.code };
  const comment = input.comment?.trim().slice(0, MAX_RATING_COMMENT) || null;
  const updated = await db
    .update(inquiries)
    .set({ rating: input.stars, ratingComment: comment, ratedAt: input.now })
    .where(and(eq(inquiries.id, row.id), isNull(inquiries.rating)))
    .returning({ id: inquiries.id });
  if (!updated.length) {
    const [now] = await db.select({ rating: inquiries.rating }).from(inquiries).where(eq(inquiries.id, row.id));
    return { kind: 'already', code: row.code, stars: now?.rating ?? row.rating ?? input.stars };
  }
  await writeAudit(db, {
    communeId: input.communeId,
    actor: `resident:${input.channel}:${input.userId}`,
    action: 'inquiry.rated',
    subject: row.code,
    details: { stars: input.stars, comment: comment !== null },
  });
  return { kind: 'rated', code: row.code, stars: input.stars };
}

/** The comment given after the score (the comment step); only once, only by the asking chat; audited. */
export async function commentOnRating(db: Db, input: Asker & { code: string; comment: string }): Promise<boolean> {
  const rows = await db
    .update(inquiries)
    .set({ ratingComment: input.comment.trim().slice(0, MAX_RATING_COMMENT) })
    .where(and(ofChat(input), eq(inquiries.code, input.code), isNotNull(inquiries.rating), isNull(inquiries.ratingComment)))
    .returning({ id: inquiries.id });
  if (!rows.length) return false;
  await writeAudit(db, {
    communeId: input.communeId,
    actor: `resident:${input.channel}:${input.userId}`,
    action: 'inquiry.rating-commented',
    subject: input.code,
  });
  return true;
}

/** What the resident hears when the rating was not stored. */
export function ratingRefusalVi(r: Exclude<RateResult, { kind: 'rated' }>): Reply {
  switch (r.kind) {
    case 'none':
      return {
        text: 'Anh/chị chưa có câu hỏi nào được cán bộ trả lời trong cuộc trò chuyện này nên chưa có gì để đánh giá.',
        buttons: [STAFF_BUTTON, MENU_BUTTON],
      };
    case 'not-found':
      return {
        text:
          `Không tìm thấy câu hỏi ${r.code} trong cuộc trò chuyện này. Chỉ cuộc trò chuyện đã gửi câu hỏi mới đánh giá được câu trả lời. ` +
          'Anh/chị kiểm tra lại mã giúp tôi nhé.',
        buttons: [MENU_BUTTON],
      };
    case 'open':
      return {
        text: `Câu hỏi ${r.code} đang chờ cán bộ trả lời nên chưa đánh giá được. Khi có câu trả lời, anh/chị đánh giá giúp xã nhé.`,
        buttons: [MENU_BUTTON],
      };
    case 'closed':
      return {
        text: `Câu hỏi ${r.code} đã được cán bộ đóng mà không gửi câu trả lời nên không có gì để đánh giá. Anh/chị cần hỏi tiếp, nhắn "gặp cán bộ" nhé.`,
        buttons: [STAFF_BUTTON, MENU_BUTTON],
      };
    case 'already':
      return {
        text: `Anh/chị đã đánh giá câu trả lời cho câu hỏi ${r.code} (${r.stars}/5) rồi. Mỗi câu hỏi chỉ đánh giá một lần. Cảm ơn anh/chị!`,
        buttons: [MENU_BUTTON],
      };
  }
}
