import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import { randomInt } from 'node:crypto';
import { and, asc, count, desc, eq, ilike, isNull, lt, lte, or } from 'drizzle-orm';
import type { ChannelCapabilities, ChannelName, ReplyButton } from '../../core/types.js';
import { enqueueMessages, listChatRepliesBefore } from '../../pipeline/outbox/index.js';
import type { Db } from '../../db/client.js';
import { writeAudit } from '../../db/audit.js';
import { inboundMessages, inquiries, inquiryNotes, replyTemplates, staffAccounts } from '../../db/schema/index.js';
import { withRatingInvitation } from './rating.js';

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

/** Open questions one chat may have waiting at once: more is a flood, not a resident (issue 19, item 3). */
export const MAX_OPEN_PER_CHAT = 3;

/** The codes of a chat's open questions, oldest first. */
export async function openCodesOfChat(db: Db, communeId: number, channel: string, chatId: string): Promise<string[]> {
  const rows = await db
    .select({ code: inquiries.code })
    .from(inquiries)
    .where(
      and(
        eq(inquiries.communeId, communeId),
        eq(inquiries.channel, channel),
        eq(inquiries.chatId, chatId),
        eq(inquiries.status, 'open'),
      ),
    )
    .orderBy(asc(inquiries.id))
    .limit(MAX_OPEN_PER_CHAT + 1);
  return rows.map((r) => r.code);
}

/**
 * Open inquiries of a commune, newest first (staff API), a page at a time: `before` is the `next` of the
 * previous page, so a flood of new questions cannot push an older one out of reach.
 */
export async function listOpenInquiries(db: Db, communeId: number, page: { limit?: number; before?: number } = {}) {
  const limit = page.limit ?? 100;
  const rows = await db
    .select()
    .from(inquiries)
    .where(
      and(
        eq(inquiries.communeId, communeId),
        eq(inquiries.status, 'open'),
        page.before !== undefined ? lt(inquiries.id, page.before) : undefined,
      ),
    )
    .orderBy(desc(inquiries.id))
    .limit(limit + 1);
  return { inquiries: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1].id : undefined };
}

/** "Hỏi thêm cán bộ", under a staff answer (delivered, or asked for by its code): another question for staff. */
export const ASK_AGAIN_BUTTON: ReplyButton = { label: 'Hỏi thêm cán bộ', action: STAFF_BUTTON.action };

/**
 * Staff answer a queued question: the answer goes to the resident's chat
 * through the outbox (same transaction as the status change) with the
 * invitation to rate it (score buttons, or the scores written out where the
 * channel numbers its buttons: `capabilitiesOf`; buttons when not given), and is audited.
 * Returns the outbox ids to deliver, or undefined when the code is unknown.
 */
export async function answerInquiry(
  db: Db,
  input: {
    communeId: number;
    code: string;
    answer: string;
    staff: string;
    capabilitiesOf?: (channel: string) => ChannelCapabilities;
  },
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
        withRatingInvitation(
          {
            text: `Cán bộ xã trả lời câu hỏi ${row.code} của anh/chị:\n${input.answer}`,
            buttons: [ASK_AGAIN_BUTTON, MENU_BUTTON],
          },
          row.code,
          input.capabilitiesOf?.(row.channel).buttons ?? 'native',
        ),
      ],
    );
    return { outboxIds, alreadyAnswered: false };
  });
}

export type InquiryRow = typeof inquiries.$inferSelect;
export type InboxView = 'open' | 'mine' | 'answered' | 'closed';

/** The console's inbox: open (oldest first: who waited longest comes first), mine, or the history with a search. */
export async function listInbox(
  db: Db,
  input: { communeId: number; view: InboxView; staffId?: number; q?: string; limit?: number },
): Promise<InquiryRow[]> {
  const where = [eq(inquiries.communeId, input.communeId)];
  if (input.view === 'open' || input.view === 'mine') where.push(eq(inquiries.status, 'open'));
  if (input.view === 'mine') where.push(eq(inquiries.assignedTo, input.staffId ?? -1));
  if (input.view === 'answered') where.push(eq(inquiries.status, 'answered'));
  if (input.view === 'closed') where.push(eq(inquiries.status, 'closed'));
  const q = input.q?.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(inquiries.code, like), ilike(inquiries.question, like), ilike(inquiries.answer, like))!);
  }
  const open = input.view === 'open' || input.view === 'mine';
  return db
    .select()
    .from(inquiries)
    .where(and(...where))
    .orderBy(open ? asc(inquiries.createdAt) : desc(inquiries.createdAt))
    .limit(input.limit ?? 100);
}

export async function countOpenInquiries(db: Db, communeId: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(inquiries)
    .where(and(eq(inquiries.communeId, communeId), eq(inquiries.status, 'open')));
  return Number(row?.n ?? 0);
}

export async function findInquiry(db: Db, communeId: number, code: string): Promise<InquiryRow | undefined> {
  const [row] = await db
    .select()
    .from(inquiries)
    .where(and(eq(inquiries.communeId, communeId), eq(inquiries.code, code.toUpperCase())));
  return row;
}

export interface ThreadMessage {
  from: 'resident' | 'bot';
  text: string;
  at: Date;
}

/**
 * The conversation before a question (what the resident asked the bot and
 * what it answered), so staff answer with the context: the last `limit`
 * messages of that chat before the question was queued, without the
 * question itself (the page shows it on its own).
 */
export async function conversationBefore(db: Db, inquiry: InquiryRow, limit = 12): Promise<ThreadMessage[]> {
  const [ins, outs] = await Promise.all([
    db
      .select({ text: inboundMessages.text, action: inboundMessages.action, at: inboundMessages.receivedAt })
      .from(inboundMessages)
      .where(
        and(
          eq(inboundMessages.communeId, inquiry.communeId),
          eq(inboundMessages.channel, inquiry.channel),
          eq(inboundMessages.chatId, inquiry.chatId),
          lte(inboundMessages.receivedAt, inquiry.createdAt),
        ),
      )
      .orderBy(desc(inboundMessages.id))
      .limit(limit + 1),
    // Replies queued with the question (its confirmation) share its time: strictly before.
    listChatRepliesBefore(db, { ...inquiry, before: inquiry.createdAt, limit }),
  ]);
  // The newest inbound message is the question itself.
  const earlier = ins[0]?.text === inquiry.question ? ins.slice(1) : ins.slice(0, limit);
  const thread: ThreadMessage[] = [
    ...earlier
      .filter((m) => m.text || m.action)
      .map((m) => ({ from: 'resident' as const, text: m.text ?? `[bấm nút ${m.action}]`, at: m.at })),
    ...outs.map((m) => ({ from: 'bot' as const, text: m.text, at: m.at })),
  ];
  return thread.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.from === 'resident' ? -1 : 1)).slice(-limit);
}

/** Assign a question to a colleague of the same commune (or to nobody); audited. */
export async function assignInquiry(
  db: Db,
  input: { communeId: number; code: string; staffId: number | null; actor: string },
): Promise<boolean> {
  if (input.staffId !== null) {
    const [colleague] = await db
      .select({ id: staffAccounts.id })
      .from(staffAccounts)
      .where(
        and(eq(staffAccounts.id, input.staffId), eq(staffAccounts.communeId, input.communeId), isNull(staffAccounts.disabledAt)),
      );
    if (!colleague) return false;
  }
  const rows = await db
    .update(inquiries)
    .set({ assignedTo: input.staffId })
    .where(and(eq(inquiries.communeId, input.communeId), eq(inquiries.code, input.code)))
    .returning({ id: inquiries.id });
  if (!rows.length) return false;
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'inquiry.assigned',
    subject: input.code,
    details: { to: input.staffId },
  });
  return true;
}

export async function addInquiryNote(
  db: Db,
  input: { communeId: number; code: string; staffId: number; text: string; actor: string },
): Promise<boolean> {
  const inquiry = await findInquiry(db, input.communeId, input.code);
  if (!inquiry) return false;
  await db.insert(inquiryNotes).values({ inquiryId: inquiry.id, staffId: input.staffId, text: input.text });
  await writeAudit(db, { communeId: input.communeId, actor: input.actor, action: 'inquiry.noted', subject: inquiry.code });
  return true;
}

export async function listInquiryNotes(db: Db, inquiryId: number) {
  return db
    .select({ text: inquiryNotes.text, at: inquiryNotes.at, staffName: staffAccounts.displayName })
    .from(inquiryNotes)
    .leftJoin(staffAccounts, eq(staffAccounts.id, inquiryNotes.staffId))
    .where(eq(inquiryNotes.inquiryId, inquiryId))
    .orderBy(asc(inquiryNotes.id));
}

/** Close without sending an answer (a duplicate, settled by phone…); audited. */
export async function closeInquiry(db: Db, input: { communeId: number; code: string; actor: string }): Promise<boolean> {
  const rows = await db
    .update(inquiries)
    .set({ status: 'closed', closedAt: new Date() })
    .where(and(eq(inquiries.communeId, input.communeId), eq(inquiries.code, input.code), eq(inquiries.status, 'open')))
    .returning({ id: inquiries.id });
  if (!rows.length) return false;
  await writeAudit(db, { communeId: input.communeId, actor: input.actor, action: 'inquiry.closed', subject: input.code });
  return true;
}

export async function listReplyTemplates(db: Db, communeId: number) {
  return db.select().from(replyTemplates).where(eq(replyTemplates.communeId, communeId)).orderBy(asc(replyTemplates.title));
}

export async function addReplyTemplate(db: Db, input: { communeId: number; title: string; text: string; actor: string }) {
  const [row] = await db
    .insert(replyTemplates)
    .values({ communeId: input.communeId, title: input.title, text: input.text })
    .returning();
  await writeAudit(db, {
    communeId: input.communeId,
    actor: input.actor,
    action: 'reply_template.created',
    subject: String(row.id),
  });
  return row;
}

export async function deleteReplyTemplate(db: Db, input: { communeId: number; id: number; actor: string }): Promise<boolean> {
  const rows = await db
    .delete(replyTemplates)
    .where(and(eq(replyTemplates.communeId, input.communeId), eq(replyTemplates.id, input.id)))
    .returning({ id: replyTemplates.id });
  if (rows.length)
    await writeAudit(db, {
      communeId: input.communeId,
      actor: input.actor,
      action: 'reply_template.deleted',
      subject: String(input.id),
    });
  return rows.length > 0;
}

/** Display names of a commune's staff (assignees, "answered by"), and who may be assigned. */
export async function listColleagues(db: Db, communeId: number) {
  return db
    .select({
      id: staffAccounts.id,
      name: staffAccounts.displayName,
      role: staffAccounts.role,
      disabledAt: staffAccounts.disabledAt,
    })
    .from(staffAccounts)
    .where(eq(staffAccounts.communeId, communeId))
    .orderBy(asc(staffAccounts.displayName));
}
