import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, dossiers } from '../../../src/db/schema/index.js';
import { addEnteredDay } from '../../../src/features/calendar/index.js';
import { ensureCatalogLoaded } from '../../../src/features/procedures/index.js';
import type { Procedure } from '../../../src/features/procedures/types.js';
import { dossierBody, startHarness } from './harness.js';

/**
 * A dossier the one-stop system sends without a promised date gets one computed from the received
 * time, the 15:00 cut-off and the working days the procedure states for its channel, in the commune's
 * calendar (issue 18, item 2). The procedures are the shipped catalog's own records.
 */
const catalog = JSON.parse(
  gunzipSync(readFileSync(new URL('../../../data/catalog/procedures.json.gz', import.meta.url))).toString('utf8'),
) as Procedure[] | { procedures: Procedure[] };
const records = Array.isArray(catalog) ? catalog : catalog.procedures;
const pick = (code: string) => records.find((p) => p.code === code)!;

let h: Awaited<ReturnType<typeof startHarness>>;
beforeAll(async () => {
  h = await startHarness();
  // 1.004873 (xác nhận tình trạng hôn nhân): 3 working days on every channel; 2.000815 (chứng thực): no time stated.
  await ensureCatalogLoaded(h.db, { procedures: [pick('1.004873'), pick('2.000815')] });
});
afterAll(async () => h?.close());

let n = 100;
/** PUT a new dossier; returns its stored promised instant (ISO) or null. */
async function created(over: Record<string, unknown>): Promise<string | null> {
  const code = `000.33.12.H56-260715-0${++n}`;
  const body: Record<string, unknown> = { ...dossierBody({ procedureCode: '1.004873', ...over }) };
  if (!('dueAt' in over)) delete body.dueAt;
  const r = await h.api('PUT', `/api/v1/dossiers/${code}`, body);
  expect(r.status).toBe(201);
  const [row] = await h.db
    .select()
    .from(dossiers)
    .where(and(eq(dossiers.code, code), eq(dossiers.communeId, h.communeId)));
  return row.dueAt ? row.dueAt.toISOString() : null;
}
const local = (iso: string) => new Date(iso).toISOString();

describe('a dossier without a promised date', () => {
  it('counts the stated working days from the day of receipt, before the 15:00 cut-off', async () => {
    // Wednesday 10:00, 3 working days: Thursday, Friday, Monday.
    expect(await created({ receivedAt: '2026-07-15T10:00:00+07:00' })).toBe(local('2026-07-20T17:00:00+07:00'));
    const [audit] = await h.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.subject, `000.33.12.H56-260715-0${n}`));
    expect(audit.details).toMatchObject({ dueAt: 'computed' });
  });

  it('counts from the next working day after the cut-off, and over a weekend', async () => {
    expect(await created({ receivedAt: '2026-07-15T15:00:00+07:00' })).toBe(local('2026-07-21T17:00:00+07:00'));
    // Friday 16:00: counted from Monday.
    expect(await created({ receivedAt: '2026-07-10T16:00:00+07:00' })).toBe(local('2026-07-16T17:00:00+07:00'));
  });

  it('skips the public holidays and the days staff entered', async () => {
    // Wednesday 29/04/2026: 30/4 and 1/5 are holidays.
    expect(await created({ receivedAt: '2026-04-29T10:00:00+07:00' })).toBe(local('2026-05-06T17:00:00+07:00'));
    await addEnteredDay(h.db, {
      communeId: h.communeId,
      auditCommuneId: h.communeId,
      date: '2026-06-16',
      kind: 'day_off',
      name: 'Nghỉ bù (thử nghiệm)',
      actor: 'staff:1',
    });
    // Monday 15/06 10:00: Tuesday is now a day off, so Wednesday, Thursday, Friday.
    expect(await created({ receivedAt: '2026-06-15T10:00:00+07:00' })).toBe(local('2026-06-19T17:00:00+07:00'));
  });

  it('keeps the one-stop system’s date, or its explicit "no date"; makes none up when the procedure states none', async () => {
    expect(await created({ receivedAt: '2026-07-15T10:00:00+07:00', dueAt: '2026-07-24T11:00:00+07:00' })).toBe(
      local('2026-07-24T11:00:00+07:00'),
    );
    expect(await created({ receivedAt: '2026-07-15T10:00:00+07:00', dueAt: null })).toBeNull();
    expect(await created({ receivedAt: '2026-07-15T10:00:00+07:00', procedureCode: '2.000815' })).toBeNull();
    expect(await created({ receivedAt: '2026-07-15T10:00:00+07:00', procedureCode: '9.999999' })).toBeNull();
  });
});
