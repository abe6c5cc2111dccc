import { sql, type SQL } from 'drizzle-orm';
import { createPeriodicJob, type PeriodicJob } from '../../core/periodic.js';
import { writeAudit } from '../../db/audit.js';
import { execRows, type Db } from '../../db/client.js';
import { eraseExpiredRequestData } from '../civil-records/index.js';
import { eraseReplyContents } from '../../pipeline/outbox/index.js';
import { ERASED_TEXT, type RetentionPolicy } from './policy.js';

/** Rows changed per statement: short transactions that never hold the chat pipeline up for long. */
const BATCH = 2_000;

/** What one run erased, per kind of data (counts only: this is what the audit log keeps). */
export interface RetentionRun {
  inboundMessages: number;
  outboundMessages: number;
  conversationStates: number;
  inquiries: number;
  reports: number;
  verificationAttempts: number;
  civilRecordRequests: number;
}

/** Repeat a step that changes at most BATCH rows until it changes fewer; the total changed. */
async function untilShort(step: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await step();
    total += n;
    if (n < BATCH) return total;
  }
}

/** Repeat an `update … where id in (select … limit BATCH) returning id` until it changes fewer than BATCH rows. */
const inBatches = (db: Db, statement: (limit: SQL) => SQL): Promise<number> =>
  untilShort(async () => (await execRows<{ id: number }>(db, statement(sql.raw(String(BATCH))))).length);

/**
 * The policy plus the civil-record copy requests' own period
 * (CIVIL_RECORD_RETENTION_DAYS; unset: the feature's default of 90 days).
 */
export type RetentionSettings = RetentionPolicy & { civilRecordRequestDays?: number };

const before = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();

/**
 * Erase what the retention policy no longer allows to keep, in every commune.
 * Idempotent (erased rows no longer match), batched, and safe to run while
 * the server works: a message still waiting to be processed, a reply still
 * waiting to be delivered and an open case are never touched.
 */
export async function runRetention(db: Db, policy: RetentionSettings, now = new Date()): Promise<RetentionRun> {
  const messages = before(now, policy.messageDays);
  const cases = before(now, policy.closedCaseDays);
  const run: RetentionRun = {
    inboundMessages: await inBatches(
      db,
      (limit) => sql`update inbound_messages set text = null, payload = '{}'::jsonb
        where id in (select id from inbound_messages
                     where received_at < ${messages}::timestamptz and status <> 'received'
                       and (text is not null or payload <> '{}'::jsonb)
                     limit ${limit})
        returning id`,
    ),
    outboundMessages: await untilShort(() => eraseReplyContents(db, { before: new Date(messages), limit: BATCH })),
    conversationStates: await inBatches(
      db,
      (limit) => sql`update conversations set flow = null, data = '{}'::jsonb
        where id in (select id from conversations
                     where updated_at < ${before(now, policy.conversationStateDays)}::timestamptz
                       and (flow is not null or data <> '{}'::jsonb)
                     limit ${limit})
        returning id`,
    ),
    inquiries: await inBatches(
      db,
      (limit) => sql`update inquiries set question = ${ERASED_TEXT},
                       answer = case when answer is null then null else ${ERASED_TEXT} end, rating_comment = null
        where id in (select id from inquiries
                     where status <> 'open' and coalesce(closed_at, answered_at, created_at) < ${cases}::timestamptz
                       and question <> ${ERASED_TEXT}
                     limit ${limit})
        returning id`,
    ),
    reports: await inBatches(
      db,
      (limit) => sql`update reports set description = ${ERASED_TEXT}, address = null, latitude = null, longitude = null,
                       note = null
        where id in (select id from reports
                     where status in ('done', 'not_ours', 'merged') and updated_at < ${cases}::timestamptz
                       and description <> ${ERASED_TEXT}
                     limit ${limit})
        returning id`,
    ),
    verificationAttempts: await inBatches(
      db,
      (limit) => sql`delete from dossier_verification_attempts
        where id in (select id from dossier_verification_attempts
                     where at < ${before(now, policy.verificationAttemptDays)}::timestamptz limit ${limit})
        returning id`,
    ),
    // Civil-record requests keep their own period after closing (CIVIL_RECORD_RETENTION_DAYS; features/civil-records).
    civilRecordRequests: await eraseExpiredRequestData(db, { now, days: policy.civilRecordRequestDays }),
  };
  await execRows(
    db,
    sql`delete from inquiry_notes n using inquiries i
        where n.inquiry_id = i.id and i.question = ${ERASED_TEXT}`,
  );
  if (Object.values(run).some((n) => n > 0)) {
    await writeAudit(db, {
      communeId: null,
      actor: 'system',
      action: 'privacy.retention',
      subject: 'retention',
      details: { ...run },
    });
  }
  return run;
}

/**
 * The server's retention job: a first run a minute after start, then every
 * six hours (a restart never makes it skip a day). A failed run is logged and
 * tried again at the next turn; nothing depends on it finishing.
 */
export function createRetentionJob(opts: {
  db: Db;
  policy: RetentionSettings;
  log: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  firstRunMs?: number;
  intervalMs?: number;
}): PeriodicJob {
  return createPeriodicJob({
    name: 'retention',
    firstRunMs: opts.firstRunMs ?? 60_000,
    intervalMs: opts.intervalMs ?? 6 * 3_600_000,
    log: opts.log,
    run: async () => {
      const run = await runRetention(opts.db, opts.policy);
      if (Object.values(run).some((n) => n > 0)) opts.log.info({ erased: run }, 'retention: expired personal data erased');
    },
  });
}
