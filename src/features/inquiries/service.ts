import { randomInt } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { ChannelName } from '../../core/types.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { inquiries } from '../../db/schema/index.js';

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ'; // no 0/O, 1/I

export function newInquiryCode(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `HD-${s}`;
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

/** A resident's question queued for staff: the inquiry and its audit entry, in the caller's transaction. */
export async function openInquiry(
  db: Db,
  input: { communeId: number; channel: string; chatId: string; userId: string; question: string },
): Promise<{ code: string; id: number }> {
  const inquiry = await createInquiry(db, input);
  await writeAudit(db, {
    communeId: input.communeId,
    actor: `resident:${input.channel}:${input.userId}`,
    action: 'inquiry.created',
    subject: inquiry.code,
  });
  return inquiry;
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
    await writeAudit(tx as unknown as Db, {
      communeId: input.communeId,
      actor: input.staff,
      action: 'inquiry.answered',
      subject: row.code,
    });
    const outboxIds = await enqueueMessages(
      tx as unknown as Db,
      { communeId: row.communeId, channel: row.channel as ChannelName, chatId: row.chatId, userId: row.userId },
      [
        {
          text: `Cán bộ xã trả lời câu hỏi ${row.code} của anh/chị:\n${input.answer}`,
          buttons: [
            { label: 'Hỏi thêm cán bộ', action: 'staff:contact' },
            { label: 'Danh mục chính', action: 'menu:main' },
          ],
        },
      ],
    );
    return { outboxIds, alreadyAnswered: false };
  });
}
