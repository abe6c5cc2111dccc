import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Database } from '../../../src/db/client.js';
import { auditLog, civilRecordRequests, communes } from '../../../src/db/schema/index.js';
import { eraseExpiredRequestData, eraseRequestData } from '../../../src/features/civil-records/service.js';
import { DEFAULT_RETENTION } from '../../../src/features/privacy/policy.js';
import { runRetention } from '../../../src/features/privacy/retention.js';
import { createTestDatabase } from '../../helpers/db.js';

const NOW = new Date('2026-12-06T03:00:00Z');
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe('civil-record requests keep personal data only as long as needed', () => {
  let database: Database;
  let communeId: number;
  let n = 0;
  async function request(status: string, closedDaysAgo: number | null) {
    n += 1;
    const [row] = await database.db
      .insert(civilRecordRequests)
      .values({
        communeId,
        code: `BS-TEST${String(n).padStart(2, '0')}`.slice(0, 9),
        channel: 'web',
        chatId: `s-${n}`,
        userId: `s-${n}`,
        kind: 'birth',
        subjectName: 'Nguyễn Văn Thử',
        subjectDate: '2020-03-02',
        registerNumber: '101',
        relationship: 'guardian',
        requesterIdNumber: '001085000777',
        phone: '0912345678',
        copies: 1,
        deliveryMode: 'post',
        postAddress: 'Số 1 thôn Thử',
        feeAmount: 8000,
        consentAt: daysAgo(200),
        createdAt: daysAgo(200),
        status,
        decidedAt: closedDaysAgo === null ? null : daysAgo(closedDaysAgo),
      })
      .returning();
    return row;
  }
  const reload = async (id: number) =>
    (await database.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.id, id)))[0];

  beforeAll(async () => {
    database = await createTestDatabase();
    [{ id: communeId }] = await database.db.insert(communes).values({ slug: 'xa-thu', name: 'Xã Thử' }).returning();
  });
  afterAll(() => database.close());

  it('erases requests closed more than 90 days ago, and only those', async () => {
    const old = await request('rejected', 91);
    const recent = await request('delivered', 89);
    const pending = await request('pending', null);
    expect(await eraseExpiredRequestData(database.db, { now: NOW })).toBe(1);
    expect(await reload(old.id)).toMatchObject({
      subjectName: '(đã xóa)',
      registerNumber: null,
      requesterIdNumber: null,
      phone: null,
      postAddress: null,
      status: 'rejected',
    });
    expect((await reload(recent.id)).requesterIdNumber).toBe('001085000777');
    expect((await reload(pending.id)).phone).toBe('0912345678');
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.subject, old.code));
    expect(audit.map((a) => [a.action, a.actor])).toEqual([['civil-request.erased', 'system']]);
    // Already erased: nothing more to do.
    expect(await eraseExpiredRequestData(database.db, { now: NOW })).toBe(0);
  });

  it("follows CIVIL_RECORD_RETENTION_DAYS in the server's retention job, 90 days when unset", async () => {
    const closed40 = await request('delivered', 40);
    expect((await runRetention(database.db, DEFAULT_RETENTION, NOW)).civilRecordRequests).toBe(0);
    expect((await reload(closed40.id)).requesterIdNumber).toBe('001085000777');
    const run = await runRetention(database.db, { ...DEFAULT_RETENTION, civilRecordRequestDays: 30 }, NOW);
    // This one and the request closed 89 days ago in the first test.
    expect(run.civilRecordRequests).toBe(2);
    expect(await reload(closed40.id)).toMatchObject({ requesterIdNumber: null, phone: null, postAddress: null });
    const audit = await database.db.select().from(auditLog).where(eq(auditLog.subject, closed40.code));
    expect(audit.map((a) => a.details)).toEqual([{ retentionDays: 30 }]);
  });

  it("erases at the resident's request, cancelling a pending request", async () => {
    const pending = await request('pending', null);
    expect(await eraseRequestData(database.db, { communeId, id: pending.id, actor: 'staff:1' })).toBe(true);
    expect(await reload(pending.id)).toMatchObject({ status: 'cancelled', requesterIdNumber: null, phone: null });
    // Another commune's id is unknown.
    const [{ id: other }] = await database.db.insert(communes).values({ slug: 'xa-khac', name: 'Xã Khác' }).returning();
    const mine = await request('delivered', 1);
    expect(await eraseRequestData(database.db, { communeId: other, id: mine.id, actor: 'staff:2' })).toBe(false);
    expect((await reload(mine.id)).phone).toBe('0912345678');
  });
});
