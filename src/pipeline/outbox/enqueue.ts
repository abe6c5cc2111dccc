import { sql } from 'drizzle-orm';
import type { ChannelName, OutboundReply, Recipient } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { outboundMessages } from '../../db/schema/index.js';
import { PULL_CHANNELS } from '../../channels/capabilities.js';

/** Channels whose replies are pulled by the client (web page poll, CLI) instead of pushed. */
export { PULL_CHANNELS };

/**
 * Queue proactive messages (status notifications, staff answers, notices) for
 * delivery. Call it inside the transaction that made the change, so the
 * notification exists exactly when the change does. Returns outbox ids; pass
 * them to the delivery worker's `kick` after commit for immediate delivery.
 * A file may be queued by reference (OutboundReply): the worker reads it before sending.
 */
export async function enqueueMessages(
  db: Db,
  to: Recipient,
  replies: OutboundReply[],
  conversationId?: number,
  inboundId?: number,
): Promise<number[]> {
  if (replies.length === 0) return [];
  const pull = PULL_CHANNELS.has(to.channel);
  const rows = await db
    .insert(outboundMessages)
    .values(
      replies.map((r) => ({
        communeId: to.communeId,
        channel: to.channel,
        chatId: to.chatId,
        userId: to.userId,
        conversationId: conversationId ?? null,
        inboundId: inboundId ?? null,
        payload: r,
        // Web and CLI replies are handed over in the HTTP response / poll.
        status: pull ? 'sent' : 'pending',
        sentAt: pull ? sql`now()` : null,
      })),
    )
    .returning({ id: outboundMessages.id });
  return rows.map((r) => r.id);
}

/**
 * Queue one broadcast message per recipient (a notice), at broadcast
 * priority: the delivery worker sends replies and personal notifications
 * first, and a broadcast row waiting for a chat never holds up that chat's
 * replies. Call it inside the transaction that records the recipients, so the
 * outbox rows exist exactly when the caller's idempotency keys do. Returns
 * each row's id with its chat (rows come back in no promised order).
 */
export async function enqueueBroadcast(
  db: Db,
  items: { to: Recipient; reply: OutboundReply }[],
): Promise<{ id: number; channel: ChannelName; chatId: string }[]> {
  if (items.length === 0) return [];
  return db
    .insert(outboundMessages)
    .values(
      items.map(({ to, reply }) => {
        const pull = PULL_CHANNELS.has(to.channel);
        return {
          communeId: to.communeId,
          channel: to.channel,
          chatId: to.chatId,
          userId: to.userId,
          payload: reply,
          priority: 1,
          status: pull ? 'sent' : 'pending',
          sentAt: pull ? sql`now()` : null,
        };
      }),
    )
    .returning({ id: outboundMessages.id, channel: outboundMessages.channel, chatId: outboundMessages.chatId });
}
