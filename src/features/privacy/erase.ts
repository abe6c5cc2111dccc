import { and, eq, sql } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { civilRecordRequests } from '../../db/schema/index.js';
import { eraseRequestData } from '../civil-records/index.js';
import { eraseReplyContents } from '../../pipeline/outbox/index.js';
import { ERASED_TEXT } from './policy.js';

/** One resident's chat with a commune on one channel. */
export interface ResidentChat {
  communeId: number;
  channel: string;
  chatId: string;
}

/** What was erased for a resident (counts only, as the audit log keeps them). */
export interface ResidentErasure {
  messages: number;
  replies: number;
  conversations: number;
  inquiries: number;
  reports: number;
  civilRecordRequests: number;
  subscriptions: number;
  dossierFollows: number;
  verificationAttempts: number;
}

async function count(db: Db, statement: ReturnType<typeof sql>): Promise<number> {
  return (await execRows<{ id: number }>(db, statement)).length;
}

/**
 * Erase what one resident's chat left with the commune, at their request
 * (Law 91/2025/QH15: the data subject's right to erasure): the words of every
 * message and reply, the conversation's state, the text of their questions
 * for staff (an open one is closed), their reports' descriptions, places and
 * photos (the photo files are swept once no report names them), the personal
 * data of their civil-record requests, their notice subscription (ended, with
 * the notices held for them), the
 * dossiers they follow and their verification attempts. Rows, times and
 * statuses stay for the statistics; the audit log keeps its entries, which
 * record what the commune disclosed and did. Idempotent: a second run erases
 * nothing more and says so.
 */
export async function eraseResident(db: Db, chat: ResidentChat, actor: string): Promise<ResidentErasure> {
  const { communeId, channel, chatId } = chat;
  const requests = await db
    .select({ id: civilRecordRequests.id, name: civilRecordRequests.subjectName })
    .from(civilRecordRequests)
    .where(
      and(
        eq(civilRecordRequests.communeId, communeId),
        eq(civilRecordRequests.channel, channel),
        eq(civilRecordRequests.chatId, chatId),
      ),
    );
  let civil = 0;
  for (const r of requests) {
    if (r.name === '(đã xóa)') continue;
    if (await eraseRequestData(db, { communeId, id: r.id, actor })) civil++;
  }
  const mine = sql`commune_id = ${communeId} and channel = ${channel} and chat_id = ${chatId}`;
  const erasure: ResidentErasure = {
    messages: await count(
      db,
      sql`update inbound_messages set text = null, payload = '{}'::jsonb
          where ${mine} and (text is not null or payload <> '{}'::jsonb) returning id`,
    ),
    replies: await eraseReplyContents(db, { chat }),
    conversations: await count(
      db,
      sql`update conversations set flow = null, data = '{}'::jsonb
          where ${mine} and (flow is not null or data <> '{}'::jsonb) returning id`,
    ),
    inquiries: await count(
      db,
      sql`update inquiries set question = ${ERASED_TEXT},
                 answer = case when answer is null then null else ${ERASED_TEXT} end, rating_comment = null,
                 status = case when status = 'open' then 'closed' else status end,
                 closed_at = case when status = 'open' then now() else closed_at end
          where ${mine} and question <> ${ERASED_TEXT} returning id`,
    ),
    reports: await count(
      db,
      sql`update reports set description = ${ERASED_TEXT}, address = null, latitude = null, longitude = null,
                 photos = '[]'::jsonb
          where ${mine} and description <> ${ERASED_TEXT} returning id`,
    ),
    civilRecordRequests: civil,
    subscriptions: await count(
      db,
      sql`update notice_subscriptions set unsubscribed_at = coalesce(unsubscribed_at, now()), hamlet_id = null,
                 topic_ids = '{}'::integer[]
          where ${mine} and (unsubscribed_at is null or hamlet_id is not null or cardinality(topic_ids) > 0) returning id`,
    ),
    dossierFollows: await count(db, sql`delete from dossier_followers where ${mine} returning id`),
    verificationAttempts: 0,
  };
  // Attempts name the user, not the chat; on every channel here a private chat's id is its user's id.
  erasure.verificationAttempts = await count(
    db,
    sql`delete from dossier_verification_attempts
        where commune_id = ${communeId} and channel = ${channel} and user_id = ${chatId} returning id`,
  );
  // Notices held for this chat until it writes again (outside a platform's reply window) are never sent.
  await execRows(db, sql`delete from notice_deliveries where ${mine} and outbound_id is null`);
  await execRows(
    db,
    sql`delete from inquiry_notes n using inquiries i
        where n.inquiry_id = i.id and i.commune_id = ${communeId} and i.channel = ${channel} and i.chat_id = ${chatId}`,
  );
  await writeAudit(db, { communeId, actor, action: 'privacy.resident-erased', subject: channel, details: { ...erasure } });
  return erasure;
}
