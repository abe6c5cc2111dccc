import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { execRows } from '../../../src/db/client.js';
import { auditLog, dossierEvents, dossiers } from '../../../src/db/schema/index.js';
import { ADMIN_KEY, CODE, dossierBody, startHarness } from './harness.js';

let h: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function eventsOf(code: string, communeId = h.communeId) {
  const [d] = await h.db
    .select()
    .from(dossiers)
    .where(sql`${dossiers.code} = ${code} and ${dossiers.communeId} = ${communeId}`);
  if (!d) return [];
  return h.db.select().from(dossierEvents).where(eq(dossierEvents.dossierId, d.id)).orderBy(dossierEvents.id);
}

describe('the one-stop system pushes dossiers (PUT)', () => {
  it('creates a dossier, then the same PUT again changes nothing', async () => {
    const first = await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody());
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ code: CODE, created: true, changed: true, status: 4 });
    const [before] = await h.db.select().from(dossiers).where(eq(dossiers.code, CODE));

    const again = await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody());
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ created: false, changed: false });
    const [after] = await h.db.select().from(dossiers).where(eq(dossiers.code, CODE));
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect(await eventsOf(CODE)).toHaveLength(1);
  });

  it('accepts the code in lower case and stores it canonically', async () => {
    const r = await h.api('PUT', `/api/v1/dossiers/${CODE.toLowerCase()}`, dossierBody());
    expect(r.status).toBe(200);
    expect(r.json.code).toBe(CODE);
  });

  it('never stores the phone number, only a keyed hash of its last four digits and the carrier prefix', async () => {
    const rows = await execRows(h.db, sql`select * from dossiers`);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain('0912345678');
    expect(dump).not.toContain('5678');
    expect(dump).toContain('091x xxx xxx');
    const audit = JSON.stringify(await h.db.select().from(auditLog));
    expect(audit).not.toContain('0912345678');
    expect(audit).not.toContain('Nguyễn Văn Thử');
  });

  it('rejects a request without the integration key, and accepts the admin key too', async () => {
    expect((await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody(), null)).status).toBe(401);
    expect((await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody(), 'wrong-key-wrong-key')).status).toBe(401);
    expect((await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody(), ADMIN_KEY)).status).toBe(200);
  });

  it('says which fields are wrong (422) and creates nothing', async () => {
    const code = '000.33.12.H56-260715-0100';
    const bad = await h.api(
      'PUT',
      `/api/v1/dossiers/${code}`,
      dossierBody({ channel: 'fax', status: 11, receivedAt: '15/07/2026' }),
    );
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.json.fieldErrors).sort()).toEqual(['channel', 'receivedAt', 'status']);

    const missing = await h.api('PUT', `/api/v1/dossiers/${code}`, { status: 2 });
    expect(missing.status).toBe(422);
    expect(Object.keys(missing.json.fieldErrors).sort()).toEqual(
      ['applicantName', 'applicantPhone', 'channel', 'procedureCode', 'receivedAt'].sort(),
    );

    const phone = await h.api('PUT', `/api/v1/dossiers/${code}`, dossierBody({ applicantPhone: '12' }));
    expect(phone.status).toBe(422);
    expect(phone.json.fieldErrors.applicantPhone).toBeTruthy();

    const badCode = await h.api('PUT', '/api/v1/dossiers/not-a-code', dossierBody());
    expect(badCode.status).toBe(422);
    expect(badCode.json.fieldErrors.code).toBeTruthy();

    expect(await h.db.select().from(dossiers).where(eq(dossiers.code, code))).toHaveLength(0);
  });

  it('keeps communes apart: the same code may exist in two communes', async () => {
    const r = await h.api('PUT', `/api/v1/dossiers/${CODE}?commune=xa-khac`, dossierBody({ status: 2 }));
    expect(r.status).toBe(201);
    const unknown = await h.api('PUT', `/api/v1/dossiers/${CODE}?commune=khong-co`, dossierBody());
    expect(unknown.status).toBe(404);
    const [mine] = await h.db
      .select()
      .from(dossiers)
      .where(sql`${dossiers.code} = ${CODE} and ${dossiers.communeId} = ${h.communeId}`);
    expect(mine.status).toBe(4);
  });
});

describe('status changes (events)', () => {
  const at9 = '2026-07-16T09:00:00+07:00';

  it('records a change once, however often it is sent', async () => {
    const first = await h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status: 9, at: at9, note: 'Mời nhận tại quầy số 2' });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ changed: true, duplicate: false, status: 9 });
    const again = await h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status: 9, at: at9, note: 'Mời nhận tại quầy số 2' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ changed: false, duplicate: true });
    const events = await eventsOf(CODE);
    expect(events.map((e) => e.status)).toEqual([4, 9]);
    const [d] = await h.db
      .select()
      .from(dossiers)
      .where(sql`${dossiers.code} = ${CODE} and ${dossiers.communeId} = ${h.communeId}`);
    expect(d.finishedAt?.toISOString()).toBe(new Date(at9).toISOString());
    expect(d.reason).toBe('Mời nhận tại quầy số 2');
  });

  it('refuses a transition the process does not allow, and changes nothing', async () => {
    const r = await h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status: 4, at: '2026-07-16T09:30:00+07:00' });
    expect(r.status).toBe(422);
    expect(r.json.fieldErrors.status).toMatch(/cannot change from 9/);
    expect((await eventsOf(CODE)).map((e) => e.status)).toEqual([4, 9]);
  });

  it('refuses an event older than the current status, a malformed one, and one for an unknown dossier', async () => {
    const old = await h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status: 10, at: '2026-07-15T09:00:00+07:00' });
    expect(old.status).toBe(422);
    expect(old.json.fieldErrors.at).toBeTruthy();
    const malformed = await h.api('POST', `/api/v1/dossiers/${CODE}/events`, { status: 'xong', at: 'hôm qua' });
    expect(malformed.status).toBe(422);
    expect(Object.keys(malformed.json.fieldErrors).sort()).toEqual(['at', 'status']);
    const unknown = await h.api('POST', '/api/v1/dossiers/000.33.12.H56-260715-0999/events', { status: 4, at: at9 });
    expect(unknown.status).toBe(404);
  });

  it('a PUT with a new status is a validated status change too', async () => {
    const bad = await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody({ status: 5 }));
    expect(bad.status).toBe(422);
    const ok = await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody({ status: 10, statusAt: '2026-07-16T09:45:00+07:00' }));
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ changed: true, status: 10 });
    expect((await eventsOf(CODE)).map((e) => e.status)).toEqual([4, 9, 10]);
  });

  it('records concurrent copies of the same event exactly once', async () => {
    const code = '000.33.12.H56-260715-0200';
    await h.api('PUT', `/api/v1/dossiers/${code}`, dossierBody({ status: 2 }));
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        h.api('POST', `/api/v1/dossiers/${code}/events`, { status: 4, at: '2026-07-15T10:00:00+07:00' }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect((await eventsOf(code)).map((e) => e.status)).toEqual([2, 4]);
  });

  it('lets staff read a dossier with its history, phone masked', async () => {
    const r = await h.api('GET', `/api/v1/dossiers/${CODE}`, undefined, ADMIN_KEY);
    expect(r.status).toBe(200);
    expect(r.json.phoneHint).toBe('091x xxx xxx');
    expect(r.json.history.map((e: { status: number }) => e.status)).toEqual([4, 9, 10]);
    expect((await h.api('GET', `/api/v1/dossiers/${CODE}`)).status).toBe(403); // the integration key is known, but not staff
  });
});
