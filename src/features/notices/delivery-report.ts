import { sql } from 'drizzle-orm';
import { execRows, type Db } from '../../db/client.js';
import { countOutboxStatuses } from '../../pipeline/outbox/index.js';
import { audienceWhere, type NoticeRow } from './audience.js';

// How far a notice's sending has got, per channel: the console's delivery report.

export interface DeliveryReport {
  recipients: number;
  sent: number;
  failed: number;
  blocked: number;
  outsideWindow: number;
  pending: number;
  /**
   * Of `sent`, copies the platform never confirmed: they were being sent when the server stopped, and are not
   * sent again so that nobody gets the notice twice (the platform most likely has them).
   */
  unconfirmed: number;
  byChannel: Record<string, Counts>;
}

type Counts = { sent: number; failed: number; blocked: number; outsideWindow: number; pending: number };
const zeroCounts = (): Counts => ({ sent: 0, failed: 0, blocked: 0, outsideWindow: 0, pending: 0 });

/**
 * Where each recipient's copy is: sent (the platform confirmed it, or the web
 * chat holds it for its poll), blocked (refused for good: the resident blocked
 * the bot or left), outside the window (Zalo OA: the resident has not written
 * for 7 days: held until they write, or refused by the platform), failed (gave up after retries), pending (queued or being
 * retried; recipients not queued yet while sending count here too).
 */
export async function deliveryReport(db: Db, notice: NoticeRow): Promise<DeliveryReport> {
  const rows = await countOutboxStatuses(
    db,
    sql`select outbound_id from notice_deliveries where notice_id = ${notice.id} and outbound_id is not null`,
  );
  const report: DeliveryReport = { recipients: 0, ...zeroCounts(), unconfirmed: 0, byChannel: {} };
  const add = (channel: string, key: keyof Counts, n: number) => {
    report[key] += n;
    report.recipients += n;
    const c = (report.byChannel[channel] ??= zeroCounts());
    c[key] += n;
  };
  for (const r of rows) {
    const key: keyof Counts =
      r.status === 'sent'
        ? 'sent'
        : r.status === 'undeliverable'
          ? r.outsideWindow
            ? 'outsideWindow'
            : 'blocked'
          : r.status === 'failed'
            ? 'failed'
            : 'pending';
    add(r.channel, key, Number(r.n));
    if (r.unconfirmed) report.unconfirmed += Number(r.n);
  }
  const held = await execRows<{ channel: string; n: number }>(
    db,
    sql`select channel, count(*)::int as n from notice_deliveries
        where notice_id = ${notice.id} and outbound_id is null group by channel`,
  );
  for (const r of held) add(r.channel, 'outsideWindow', Number(r.n));
  if (notice.status === 'sending') {
    const left = await execRows<{ channel: string; n: number }>(
      db,
      sql`select s.channel, count(*)::int as n from notice_subscriptions s
          where ${audienceWhere(notice.communeId, notice.hamletIds, notice.topicIds)}
            and not exists (select 1 from notice_deliveries d where d.notice_id = ${notice.id} and d.subscription_id = s.id)
          group by s.channel`,
    );
    for (const r of left) add(r.channel, 'pending', Number(r.n));
  }
  return report;
}
