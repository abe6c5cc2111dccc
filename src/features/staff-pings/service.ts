import { createHash, randomInt } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { ChannelName } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { staffAccounts, staffPingLinks } from '../../db/schema/index.js';
import { enqueueMessages } from '../../pipeline/outbox/index.js';

/** A link code lives this long. */
export const CODE_TTL_MS = 10 * 60_000;
/** At most one ping per staff member this often: the ping says how many wait, not each question. */
export const PING_EVERY_MS = 5 * 60_000;

const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const hash = (code: string) => createHash('sha256').update(code.toUpperCase()).digest('hex');

export type PingLink = typeof staffPingLinks.$inferSelect;

export async function findLink(db: Db, staffId: number): Promise<PingLink | undefined> {
  const [row] = await db.select().from(staffPingLinks).where(eq(staffPingLinks.staffId, staffId));
  return row;
}

/** A new one-time code for this staff member (replacing any earlier one); shown once, kept as a hash. */
export async function newLinkCode(db: Db, q: { staffId: number; communeId: number; now?: Date }): Promise<string> {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  const expires = new Date((q.now ?? new Date()).getTime() + CODE_TTL_MS);
  await db
    .insert(staffPingLinks)
    .values({ staffId: q.staffId, communeId: q.communeId, codeHash: hash(code), codeExpiresAt: expires })
    .onConflictDoUpdate({
      target: staffPingLinks.staffId,
      set: { communeId: q.communeId, codeHash: hash(code), codeExpiresAt: expires },
    });
  return code;
}

/**
 * Link the chat that sent a code to the staff member it was made for: the
 * code must be unexpired, of this commune, and is spent by the link. Returns
 * the staff member's display name, or undefined (the caller answers the same
 * for a wrong, expired or used code).
 */
export async function useLinkCode(
  db: Db,
  q: { communeId: number; code: string; channel: ChannelName; chatId: string; userId: string; now?: Date },
): Promise<string | undefined> {
  const now = q.now ?? new Date();
  const [row] = await db
    .update(staffPingLinks)
    .set({
      channel: q.channel,
      chatId: q.chatId,
      userId: q.userId,
      linkedAt: now,
      codeHash: null,
      codeExpiresAt: null,
      lastPingedAt: null,
    })
    .where(
      and(
        eq(staffPingLinks.communeId, q.communeId),
        eq(staffPingLinks.codeHash, hash(q.code)),
        gt(staffPingLinks.codeExpiresAt, now),
      ),
    )
    .returning({ staffId: staffPingLinks.staffId });
  if (!row) return undefined;
  const [staff] = await db.select().from(staffAccounts).where(eq(staffAccounts.id, row.staffId));
  await writeAudit(db, {
    communeId: q.communeId,
    actor: `staff:${row.staffId}`,
    action: 'staff.ping-linked',
    subject: staff?.username ?? String(row.staffId),
    details: { channel: q.channel },
  });
  return staff?.displayName;
}

/** Stop the pings: the chat is forgotten. */
export async function unlink(db: Db, q: { staffId: number; communeId: number | null; actor: string }): Promise<boolean> {
  const rows = await db
    .delete(staffPingLinks)
    .where(eq(staffPingLinks.staffId, q.staffId))
    .returning({ staffId: staffPingLinks.staffId });
  if (rows.length)
    await writeAudit(db, { communeId: q.communeId, actor: q.actor, action: 'staff.ping-unlinked', subject: String(q.staffId) });
  return rows.length > 0;
}

/**
 * Ping every linked staff member whose commune has questions that arrived
 * since their last ping (or their link) and are still open, at most once per
 * PING_EVERY_MS each: "N câu hỏi mới đang chờ" with the codes and a link to
 * the inbox, through the outbox. Staff who may not use the inbox (leaders) or
 * whose account is disabled get nothing. One transaction; the link rows are
 * locked and skipped when another instance holds them, so nobody is pinged
 * twice. Returns the outbox ids to kick.
 */
export async function pingWaitingQuestions(db: Db, q: { consoleUrl: string; now?: Date }): Promise<number[]> {
  const now = q.now ?? new Date();
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const due = await execRows<{
      staff_id: number;
      commune_id: number;
      channel: ChannelName;
      chat_id: string;
      user_id: string;
      codes: string[];
    }>(
      tx,
      sql`select l.staff_id, l.commune_id, l.channel, l.chat_id, l.user_id,
                 array(select i.code from inquiries i
                       where i.commune_id = l.commune_id and i.status = 'open'
                         and i.created_at > coalesce(l.last_pinged_at, l.linked_at)
                       order by i.id limit 6) as codes
          from staff_ping_links l join staff_accounts s on s.id = l.staff_id
          where l.chat_id is not null and s.disabled_at is null and s.role <> 'leader'
            and (l.last_pinged_at is null or l.last_pinged_at <= ${new Date(now.getTime() - PING_EVERY_MS).toISOString()}::timestamptz)
          for update of l skip locked`,
    );
    const ids: number[] = [];
    for (const d of due) {
      const codes = d.codes ?? [];
      if (!codes.length) continue;
      const more = codes.length > 5 ? ' và các câu hỏi khác' : '';
      const ids_ = await enqueueMessages(
        tx,
        { communeId: d.commune_id, channel: d.channel, chatId: d.chat_id, userId: d.user_id },
        [
          {
            text:
              `🔔 Có câu hỏi mới của người dân đang chờ trong Hộp thư: ${codes.slice(0, 5).join(', ')}${more}.\n` +
              `Trả lời tại: ${q.consoleUrl}/console/inbox`,
          },
        ],
      );
      ids.push(...ids_);
      await tx.update(staffPingLinks).set({ lastPingedAt: now }).where(eq(staffPingLinks.staffId, d.staff_id));
    }
    return ids;
  });
}
