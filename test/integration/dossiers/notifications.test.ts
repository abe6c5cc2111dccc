import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, gt } from 'drizzle-orm';
import { auditLog, dossierFollowers, outboundMessages } from '../../../src/db/schema/index.js';
import { CODE, dossierBody, startHarness } from './harness.js';

let h: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  h = await startHarness();
  await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody({ status: 2 }));
});
afterAll(async () => h?.close());

let mark = 0;
/** Proactive messages (not replies to an inbound message) queued since the last call. */
async function newNotifications() {
  const rows = await h.db
    .select()
    .from(outboundMessages)
    .where(and(gt(outboundMessages.id, mark)))
    .orderBy(outboundMessages.id);
  if (rows.length) mark = rows[rows.length - 1].id;
  return rows.filter((r) => r.inboundId === null);
}

async function verifyAndFollow(chatId: string) {
  await h.say({ chatId }, { text: CODE });
  await h.say({ chatId }, { text: '5678' });
  return h.say({ chatId }, { action: `dossier:follow:${CODE}` });
}

const event = (status: number, at: string, extra: Record<string, unknown> = {}) =>
  h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status, at, ...extra });

describe('following a dossier', () => {
  it('needs a verified chat: a crafted follow button asks for the digits and subscribes nobody', async () => {
    const r = await h.say({ chatId: 'intruder' }, { action: `dossier:follow:${CODE}` });
    expect(r[0].text).toContain('4 số cuối');
    expect(await h.db.select().from(dossierFollowers)).toHaveLength(0);
  });

  it('follows after verification', async () => {
    const r = await verifyAndFollow('an');
    expect(r[0].text).toContain('Đã bật theo dõi');
    await verifyAndFollow('binh');
    expect(await h.db.select().from(dossierFollowers)).toHaveLength(2);
    await newNotifications();
  });

  it('notifies every follower exactly once per status change, with the next step', async () => {
    h.kicked.length = 0;
    const r = await event(5, '2026-07-16T09:00:00+07:00', { note: 'bản sao giấy chứng nhận kết hôn của cha mẹ' });
    expect(r.json.notified).toBe(2);
    const rows = await newNotifications();
    expect(rows.map((n) => n.chatId).sort()).toEqual(['an', 'binh']);
    const text = String((rows[0].payload as { text: string }).text);
    expect(text).toContain('Hồ sơ cần bổ sung giấy tờ.');
    expect(text).toContain('Giấy tờ cần bổ sung: bản sao giấy chứng nhận kết hôn của cha mẹ');
    expect(rows.every((n) => n.status === 'pending')).toBe(true);
    expect(h.kicked).toEqual([rows.map((n) => n.id)]); // handed to the delivery worker after commit

    // The same event again, and a PUT repeating the current state: nobody hears about it twice.
    await event(5, '2026-07-16T09:00:00+07:00', { note: 'bản sao giấy chứng nhận kết hôn của cha mẹ' });
    await h.api(
      'PUT',
      `/api/v1/dossiers/${CODE}`,
      dossierBody({ status: 5, reason: 'bản sao giấy chứng nhận kết hôn của cha mẹ' }),
    );
    expect(await newNotifications()).toHaveLength(0);
    expect(h.kicked).toHaveLength(1);
  });

  it('audits each notification as a disclosure to that resident', async () => {
    const rows = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'dossier.disclosed'), eq(auditLog.actor, 'resident:telegram:binh')));
    expect(rows.map((r) => (r.details as { via: string }).via)).toEqual(['chat', 'notification']);
  });

  it('stops notifying a chat that unfollowed', async () => {
    const r = await h.say({ chatId: 'binh' }, { text: 'bỏ theo dõi' });
    expect(r[0].text).toContain('Đã bỏ theo dõi');
    await event(4, '2026-07-16T09:30:00+07:00');
    const rows = await newNotifications();
    expect(rows.map((n) => n.chatId)).toEqual(['an']);
  });

  it('says where and when to collect the result, then stops following once it is handed over', async () => {
    await event(9, '2026-07-16T09:40:00+07:00');
    const ready = await newNotifications();
    expect(ready).toHaveLength(1);
    const text = String((ready[0].payload as { text: string }).text);
    expect(text).toContain('Mời anh/chị đến nhận kết quả tại Trung tâm Phục vụ hành chính công xã Thử');
    expect(text).toContain('từ ngày 16/07/2026');

    await event(10, '2026-07-16T09:50:00+07:00');
    const done = await newNotifications();
    expect(done).toHaveLength(1);
    expect(String((done[0].payload as { text: string }).text)).toContain('dừng theo dõi');
    expect(await h.db.select().from(dossierFollowers)).toHaveLength(0);
  });
});
