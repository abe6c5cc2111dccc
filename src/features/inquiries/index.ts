import { randomInt } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { foldPhrase } from '../../core/text-input.js';
import type { Router } from '../../core/router.js';
import type { ChannelName, Reply } from '../../core/types.js';
import { enqueueMessages } from '../../pipeline/outbox.js';
import type { Db } from '../../db/client.js';
import { auditLog, inquiries } from '../../db/schema/index.js';
import type { AppContext } from '../../pipeline/dispatcher.js';

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O, 1/I

export function newInquiryCode(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `HD-${s}`;
}

const STAFF_PHRASES = /^(gap|gap gap|noi chuyen voi|lien he|hoi|chat voi|ket noi|cho toi gap|toi muon gap|muon gap)? ?(can bo|nguoi that|nhan vien|tong dai vien|nguoi truc|cb)( xa| phuong| oi| a| voi)?$/;

export function isStaffRequest(text: string): boolean {
  const f = foldPhrase(text);
  return STAFF_PHRASES.test(f) || f === 'gap can bo' || f === 'gặp cán bộ';
}

/** Create an inquiry; its code is unique within the commune. */
export async function createInquiry(
  db: Db,
  input: { communeId: number; channel: string; chatId: string; userId: string; question: string },
): Promise<{ code: string; id: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newInquiryCode();
    const rows = await db
      .insert(inquiries)
      .values({ ...input, code })
      .onConflictDoNothing()
      .returning({ id: inquiries.id, code: inquiries.code });
    if (rows.length) return rows[0];
  }
  throw new Error('could not allocate an inquiry code');
}

function askQuestion(ctx: AppContext): Reply {
  ctx.state.flow = 'inquiry:ask';
  return {
    text:
      'Anh/chị vui lòng nhập câu hỏi hoặc nội dung cần cán bộ hỗ trợ trong một tin nhắn. ' +
      'Cán bộ xã sẽ trả lời ngay tại cuộc trò chuyện này trong giờ làm việc.\n' +
      'Lưu ý: không gửi số CCCD hay thông tin nhạy cảm nếu không cần thiết.',
    buttons: [{ label: 'Hủy', action: 'inquiry:cancel' }],
  };
}

/** "Gặp cán bộ": always reachable; the question is queued for staff with a code. */
export function register(router: Router<AppContext>): void {
  router.global((text) => isStaffRequest(text), askQuestion);
  router.action('staff:contact', askQuestion);
  router.action('inquiry:cancel', (ctx) => {
    ctx.state.flow = null;
    return { text: 'Đã hủy. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.', buttons: [{ label: 'Danh mục chính', action: 'menu:main' }] };
  });
  router.flow('inquiry:ask', async (ctx) => {
    if (!ctx.text) return { text: 'Anh/chị vui lòng gõ nội dung câu hỏi bằng chữ.' };
    if (ctx.text.length < 3) return { text: 'Câu hỏi hơi ngắn, anh/chị vui lòng nói rõ hơn một chút.' };
    const { code } = await createInquiry(ctx.db, {
      communeId: ctx.msg.communeId,
      channel: ctx.msg.channel,
      chatId: ctx.msg.chatId,
      userId: ctx.msg.userId,
      question: ctx.text,
    });
    await ctx.db.insert(auditLog).values({
      communeId: ctx.msg.communeId,
      actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
      action: 'inquiry.created',
      subject: code,
    });
    ctx.state.flow = null;
    return {
      text:
        `Tôi đã chuyển câu hỏi của anh/chị tới cán bộ ${ctx.commune.name}. Mã câu hỏi: ${code}.\n` +
        `Cán bộ sẽ trả lời tại đây trong giờ làm việc (${ctx.commune.hoursText}). ` +
        `Nếu cần gấp, anh/chị gọi ${ctx.commune.phone}.`,
      buttons: [{ label: 'Danh mục chính', action: 'menu:main' }],
    };
  });
}

/** Open inquiries of a commune, newest first (staff API). */
export async function listOpenInquiries(db: Db, communeId: number) {
  return db
    .select()
    .from(inquiries)
    .where(and(eq(inquiries.communeId, communeId), eq(inquiries.status, 'open')))
    .orderBy(desc(inquiries.createdAt))
    .limit(200);
}

/**
 * Staff answer a queued question: the answer goes to the resident's chat
 * through the outbox (same transaction as the status change), and is audited.
 * Returns the outbox ids to deliver, or undefined when the code is unknown.
 */
export async function answerInquiry(
  db: Db,
  input: { communeId: number; code: string; answer: string; staff: string },
): Promise<{ outboxIds: number[]; alreadyAnswered: boolean } | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(inquiries)
      .where(and(eq(inquiries.communeId, input.communeId), eq(inquiries.code, input.code)))
      .for('update');
    if (!row) return undefined;
    if (row.status !== 'open') return { outboxIds: [], alreadyAnswered: true };
    await tx
      .update(inquiries)
      .set({ status: 'answered', answer: input.answer, answeredBy: input.staff, answeredAt: new Date() })
      .where(eq(inquiries.id, row.id));
    await tx.insert(auditLog).values({ communeId: input.communeId, actor: input.staff, action: 'inquiry.answered', subject: row.code });
    const outboxIds = await enqueueMessages(
      tx as unknown as Db,
      { communeId: row.communeId, channel: row.channel as ChannelName, chatId: row.chatId, userId: row.userId },
      [
        {
          text: `Cán bộ xã trả lời câu hỏi ${row.code} của anh/chị:\n${input.answer}`,
          buttons: [{ label: 'Hỏi thêm cán bộ', action: 'staff:contact' }, { label: 'Danh mục chính', action: 'menu:main' }],
        },
      ],
    );
    return { outboxIds, alreadyAnswered: false };
  });
}
