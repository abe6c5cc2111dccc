import { and, asc, count, eq, gte, min, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import {
  communes,
  conversations,
  dossierEvents,
  dossierFollowers,
  dossiers,
  dossierVerificationAttempts,
} from '../../db/schema/index.js';

export type DossierRow = typeof dossiers.$inferSelect;
export type NewDossierRow = typeof dossiers.$inferInsert;
export type FollowerRow = typeof dossierFollowers.$inferSelect;

/** Lookup by receipt code: one unique-index probe. The bot and the bench use this same function. */
export async function findDossierByCode(db: Db, communeId: number, code: string): Promise<DossierRow | undefined> {
  const [row] = await db
    .select()
    .from(dossiers)
    .where(and(eq(dossiers.communeId, communeId), eq(dossiers.code, code)))
    .limit(1);
  return row;
}

/** The same, locking the row for the rest of the transaction (serialises changes to one dossier). */
export async function lockDossierByCode(db: Db, communeId: number, code: string): Promise<DossierRow | undefined> {
  const [row] = await db
    .select()
    .from(dossiers)
    .where(and(eq(dossiers.communeId, communeId), eq(dossiers.code, code)))
    .limit(1)
    .for('update');
  return row;
}

/** Insert unless the code exists (a concurrent PUT won); returns the row or undefined. */
export async function insertDossier(db: Db, values: NewDossierRow): Promise<DossierRow | undefined> {
  const [row] = await db.insert(dossiers).values(values).onConflictDoNothing().returning();
  return row;
}

export async function updateDossier(db: Db, id: number, values: Partial<NewDossierRow>): Promise<DossierRow> {
  const [row] = await db
    .update(dossiers)
    .set({ ...values, updatedAt: sql`now()` })
    .where(eq(dossiers.id, id))
    .returning();
  return row;
}

/** Record a status event; returns false when this exact event (dossier, status, at) was already recorded. */
export async function insertEvent(
  db: Db,
  values: { communeId: number; dossierId: number; status: number; at: Date; note: string | null; source: string },
): Promise<boolean> {
  const rows = await db.insert(dossierEvents).values(values).onConflictDoNothing().returning({ id: dossierEvents.id });
  return rows.length > 0;
}

export async function eventExists(db: Db, dossierId: number, status: number, at: Date): Promise<boolean> {
  const rows = await db
    .select({ id: dossierEvents.id })
    .from(dossierEvents)
    .where(and(eq(dossierEvents.dossierId, dossierId), eq(dossierEvents.status, status), eq(dossierEvents.at, at)))
    .limit(1);
  return rows.length > 0;
}

export async function listEvents(db: Db, dossierId: number) {
  return db
    .select({ status: dossierEvents.status, at: dossierEvents.at, note: dossierEvents.note, source: dossierEvents.source })
    .from(dossierEvents)
    .where(eq(dossierEvents.dossierId, dossierId))
    .orderBy(asc(dossierEvents.at), asc(dossierEvents.id));
}

export async function listFollowers(db: Db, dossierId: number): Promise<FollowerRow[]> {
  return db.select().from(dossierFollowers).where(eq(dossierFollowers.dossierId, dossierId)).orderBy(asc(dossierFollowers.id));
}

export async function deleteFollowersOf(db: Db, dossierId: number): Promise<void> {
  await db.delete(dossierFollowers).where(eq(dossierFollowers.dossierId, dossierId));
}

export async function addFollower(
  db: Db,
  values: {
    communeId: number;
    dossierId: number;
    channel: string;
    chatId: string;
    userId: string;
    conversationId: number | null;
  },
): Promise<boolean> {
  const rows = await db.insert(dossierFollowers).values(values).onConflictDoNothing().returning({ id: dossierFollowers.id });
  return rows.length > 0;
}

export async function removeFollower(db: Db, dossierId: number, channel: string, chatId: string): Promise<boolean> {
  const rows = await db
    .delete(dossierFollowers)
    .where(
      and(eq(dossierFollowers.dossierId, dossierId), eq(dossierFollowers.channel, channel), eq(dossierFollowers.chatId, chatId)),
    )
    .returning({ id: dossierFollowers.id });
  return rows.length > 0;
}

export async function isFollowing(db: Db, dossierId: number, channel: string, chatId: string): Promise<boolean> {
  const rows = await db
    .select({ id: dossierFollowers.id })
    .from(dossierFollowers)
    .where(
      and(eq(dossierFollowers.dossierId, dossierId), eq(dossierFollowers.channel, channel), eq(dossierFollowers.chatId, chatId)),
    )
    .limit(1);
  return rows.length > 0;
}

/** Codes followed in one chat. */
export async function listFollowedInChat(db: Db, communeId: number, channel: string, chatId: string) {
  return db
    .select({ dossierId: dossierFollowers.dossierId, code: dossiers.code })
    .from(dossierFollowers)
    .innerJoin(dossiers, eq(dossiers.id, dossierFollowers.dossierId))
    .where(
      and(eq(dossierFollowers.communeId, communeId), eq(dossierFollowers.channel, channel), eq(dossierFollowers.chatId, chatId)),
    )
    .orderBy(asc(dossierFollowers.id));
}

/** Failed verifications since `since`: count and the oldest one (to tell when the window frees up). */
export async function residentFailures(
  db: Db,
  q: { communeId: number; channel: string; userId: string; since: Date },
): Promise<{ count: number; oldest: Date | null }> {
  const [row] = await db
    .select({ count: count(), oldest: min(dossierVerificationAttempts.at) })
    .from(dossierVerificationAttempts)
    .where(
      and(
        eq(dossierVerificationAttempts.communeId, q.communeId),
        eq(dossierVerificationAttempts.channel, q.channel),
        eq(dossierVerificationAttempts.userId, q.userId),
        gte(dossierVerificationAttempts.at, q.since),
        eq(dossierVerificationAttempts.success, false),
      ),
    );
  return { count: Number(row?.count ?? 0), oldest: row?.oldest ? new Date(row.oldest) : null };
}

/**
 * The channel of a staff unlock in `dossier_verification_attempts`: a row (success true, user `staff:<actor>`)
 * after which the code's earlier failures no longer count. No schema change: the table already keeps every
 * attempt on a code, and an unlock is one more event on it; the failures themselves stay for investigation.
 */
export const STAFF_UNLOCK_CHANNEL = 'staff';

/**
 * One probe of a code's attempts (the same statement whether or not the code exists): unverified failures
 * since `since` and since the last staff unlock, the oldest of them, and whether this resident (channel,
 * user) ever verified this code.
 */
export async function codeAttempts(
  db: Db,
  q: { communeId: number; code: string; since: Date; channel: string; userId: string },
): Promise<{ count: number; oldest: Date | null; verifiedBefore: boolean }> {
  const a = dossierVerificationAttempts;
  const unlockedAt = sql`coalesce((select max(u.at) from ${a} u where u.commune_id = ${q.communeId} and u.code = ${q.code}
    and u.channel = ${STAFF_UNLOCK_CHANNEL}), '-infinity'::timestamptz)`;
  // A Date in raw sql reaches postgres.js unconverted (drizzle converts it only against a column): pass ISO text.
  const counted = sql`${a.success} = false and ${a.at} >= ${q.since.toISOString()}::timestamptz and ${a.at} > ${unlockedAt}`;
  const [row] = await db
    .select({
      count: sql<number>`count(*) filter (where ${counted})`,
      oldest: sql<Date | string | null>`min(${a.at}) filter (where ${counted})`,
      verified: sql<number>`count(*) filter (where ${a.success} and ${a.channel} = ${q.channel} and ${a.userId} = ${q.userId})`,
    })
    .from(a)
    .where(and(eq(a.communeId, q.communeId), eq(a.code, q.code)));
  return {
    count: Number(row?.count ?? 0),
    oldest: row?.oldest ? new Date(row.oldest) : null,
    verifiedBefore: Number(row?.verified ?? 0) > 0,
  };
}

/**
 * The stored digit hash of a code, for verification: the same single-column probe whether or not the code
 * exists (the whole row is read only after the digits matched).
 */
export async function phoneHmacOf(db: Db, communeId: number, code: string): Promise<string | undefined> {
  const [row] = await db
    .select({ hmac: dossiers.phoneLast4Hmac })
    .from(dossiers)
    .where(and(eq(dossiers.communeId, communeId), eq(dossiers.code, code)))
    .limit(1);
  return row?.hmac;
}

export async function insertAttempt(
  db: Db,
  values: { communeId: number; code: string; channel: string; userId: string; success: boolean; at: Date },
): Promise<void> {
  await db.insert(dossierVerificationAttempts).values(values);
}

/** Serialise verification attempts on one code (all processes): the per-dossier limit cannot be raced past. */
export async function lockCodeForVerification(db: Db, communeId: number, code: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(727003, hashtext(${`${communeId}:${code}`}))`);
}

export { writeAudit } from '../../db/audit.js';

export async function communeAgencyCode(db: Db, communeId: number): Promise<string | null> {
  const [row] = await db.select({ agencyCode: communes.agencyCode }).from(communes).where(eq(communes.id, communeId));
  return row?.agencyCode ?? null;
}

/** The conversation row of a chat (follows remember it so notifications thread into the conversation). */
export async function conversationIdOf(db: Db, communeId: number, channel: string, chatId: string): Promise<number | null> {
  const [row] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.communeId, communeId), eq(conversations.channel, channel), eq(conversations.chatId, chatId)))
    .limit(1);
  return row?.id ?? null;
}
