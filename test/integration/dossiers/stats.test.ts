import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDossierStats } from '../../../src/features/dossiers/index.js';
import { ADMIN_KEY, dossierBody, startHarness } from './harness.js';

/**
 * A small fixture computed by hand. Period 01/01/2026–31/03/2026 (local dates).
 *   #  proc  received (local)        channel     due           finished            status  counts as
 *   1  P1    05/01 09:00             truc_tuyen  09/01 17:00   07/01 10:00          10     received, early
 *   2  P1    06/01 09:00             truc_tiep   12/01 17:00   12/01 16:00           9     received, on time
 *   3  P1    20/01 09:00             truc_tiep   23/01 17:00   26/01 09:00          10     received, late
 *   4  P2    02/02 09:00             truc_tuyen  03/02 17:00   03/02 17:30           9     received, late (same day, after the hour)
 *   5  P2    10/02 09:00             truc_tuyen  16/02 17:00   –                     4     received
 *   6  P2    31/03 23:30 (16:30 UTC) buu_chinh   –             –                     2     received (last local day)
 *   7  P1    31/12/2025 16:00        truc_tiep   05/01 17:00   02/01 10:00          10     early (received before the period)
 *   8  P1    01/04 00:30 (31/03 UTC) truc_tiep   –             –                     2     outside the period
 *   9  P2    02/03 09:00             truc_tiep   –             –                     3     received (refused)
 *  10  P1    05/01 09:00, other commune                                            10     not counted
 *  11  P1    10/03 09:00             truc_tuyen  (none)        11/03 10:00           9     received, on time (no promised date)
 * Received 8 (online 4: #1 #4 #5 #11 = 50 %); resolved 6: early 2 (#1 #7), on time 2 (#2 #11), late 2 (#3 #4).
 */
let h: Awaited<ReturnType<typeof startHarness>>;
const P1 = '1.001193';
const P2 = '2.000635';

const t = (s: string) => `${s}+07:00`;
const fixture: [string, Record<string, unknown>, string?][] = [
  [
    '000.33.12.H56-260105-0001',
    {
      procedureCode: P1,
      channel: 'truc_tuyen',
      receivedAt: t('2026-01-05T09:00:00'),
      dueAt: t('2026-01-09T17:00:00'),
      status: 10,
      finishedAt: t('2026-01-07T10:00:00'),
      returnedAt: t('2026-01-08T10:00:00'),
    },
  ],
  [
    '000.33.12.H56-260106-0001',
    {
      procedureCode: P1,
      channel: 'truc_tiep',
      receivedAt: t('2026-01-06T09:00:00'),
      dueAt: t('2026-01-12T17:00:00'),
      status: 9,
      finishedAt: t('2026-01-12T16:00:00'),
    },
  ],
  [
    '000.33.12.H56-260120-0001',
    {
      procedureCode: P1,
      channel: 'truc_tiep',
      receivedAt: t('2026-01-20T09:00:00'),
      dueAt: t('2026-01-23T17:00:00'),
      status: 10,
      finishedAt: t('2026-01-26T09:00:00'),
      returnedAt: t('2026-01-27T09:00:00'),
    },
  ],
  [
    '000.33.12.H56-260202-0001',
    {
      procedureCode: P2,
      procedureName: 'Cấp bản sao trích lục hộ tịch',
      channel: 'truc_tuyen',
      receivedAt: t('2026-02-02T09:00:00'),
      dueAt: t('2026-02-03T17:00:00'),
      status: 9,
      finishedAt: t('2026-02-03T17:30:00'),
    },
  ],
  [
    '000.33.12.H56-260210-0001',
    {
      procedureCode: P2,
      channel: 'truc_tuyen',
      receivedAt: t('2026-02-10T09:00:00'),
      dueAt: t('2026-02-16T17:00:00'),
      status: 4,
    },
  ],
  [
    '000.33.12.H56-260331-0001',
    { procedureCode: P2, channel: 'buu_chinh', receivedAt: t('2026-03-31T23:30:00'), dueAt: null, status: 2 },
  ],
  [
    '000.33.12.H56-251231-0001',
    {
      procedureCode: P1,
      channel: 'truc_tiep',
      receivedAt: t('2025-12-31T16:00:00'),
      dueAt: t('2026-01-05T17:00:00'),
      status: 10,
      finishedAt: t('2026-01-02T10:00:00'),
      returnedAt: t('2026-01-05T08:00:00'),
    },
  ],
  [
    '000.33.12.H56-260401-0001',
    { procedureCode: P1, channel: 'truc_tiep', receivedAt: t('2026-04-01T00:30:00'), dueAt: null, status: 2 },
  ],
  [
    '000.33.12.H56-260302-0001',
    {
      procedureCode: P2,
      channel: 'truc_tiep',
      receivedAt: t('2026-03-02T09:00:00'),
      dueAt: null,
      status: 3,
      reason: 'Không thuộc thẩm quyền',
    },
  ],
  [
    '000.33.12.H56-260105-0001',
    {
      procedureCode: P1,
      channel: 'truc_tiep',
      receivedAt: t('2026-01-05T09:00:00'),
      dueAt: t('2026-01-09T17:00:00'),
      status: 10,
      finishedAt: t('2026-01-07T10:00:00'),
      returnedAt: t('2026-01-08T10:00:00'),
    },
    'xa-khac',
  ],
  [
    '000.33.12.H56-260310-0001',
    {
      procedureCode: P1,
      channel: 'truc_tuyen',
      receivedAt: t('2026-03-10T09:00:00'),
      dueAt: null,
      status: 9,
      finishedAt: t('2026-03-11T10:00:00'),
    },
  ],
];

beforeAll(async () => {
  h = await startHarness({ now: new Date('2026-06-01T10:00:00+07:00') });
  for (const [code, over, commune] of fixture) {
    const body = dossierBody({ procedureName: undefined, ...over });
    const r = await h.api('PUT', `/api/v1/dossiers/${code}${commune ? `?commune=${commune}` : ''}`, body);
    if (r.status !== 201) throw new Error(`fixture ${code}: ${r.status} ${JSON.stringify(r.json)}`);
  }
});
afterAll(async () => h?.close());

describe('dossier statistics', () => {
  it('matches the hand-computed totals', async () => {
    const s = await getDossierStats(h.db, { communeId: h.communeId, from: '2026-01-01', to: '2026-03-31' });
    expect(s).toMatchObject({
      received: 8,
      receivedOnline: 4,
      onlineRate: 50,
      resolved: 6,
      early: 2,
      onTime: 2,
      late: 2,
      earlyRate: 33.33,
      onTimeRate: 33.33,
      lateRate: 33.33,
      onTimeOrEarlyRate: 66.67,
    });
    expect(s.summary).toContain('tổng hồ sơ tiếp nhận 8, trực tuyến 4 (đạt 50,00 %)');
    expect(s.summary).toContain('tỷ lệ giải quyết đúng và trước hạn đạt 66,67 %');
  });

  it('breaks down by month (local time) and by procedure', async () => {
    const s = await getDossierStats(h.db, { communeId: h.communeId, from: '2026-01-01', to: '2026-03-31' });
    const pick = ({ received, receivedOnline, resolved, early, onTime, late }: (typeof s.byMonth)[number]) => ({
      received,
      receivedOnline,
      resolved,
      early,
      onTime,
      late,
    });
    expect(s.byMonth.map((m) => [m.month, pick(m)])).toEqual([
      ['2026-01', { received: 3, receivedOnline: 1, resolved: 4, early: 2, onTime: 1, late: 1 }],
      ['2026-02', { received: 2, receivedOnline: 2, resolved: 1, early: 0, onTime: 0, late: 1 }],
      ['2026-03', { received: 3, receivedOnline: 1, resolved: 1, early: 0, onTime: 1, late: 0 }],
    ]);
    expect(
      s.byProcedure.map((p) => [
        p.procedureCode,
        p.procedureName,
        p.received,
        p.receivedOnline,
        p.resolved,
        p.early,
        p.onTime,
        p.late,
      ]),
    ).toEqual([
      [P1, null, 4, 2, 5, 2, 2, 1],
      [P2, 'Cấp bản sao trích lục hộ tịch', 4, 2, 1, 0, 0, 1],
    ]);
  });

  it('serves staff over HTTP as JSON and as a page, and only staff', async () => {
    const r = await h.api('GET', '/api/v1/stats/dossiers?from=2026-01-01&to=2026-03-31', undefined, ADMIN_KEY);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ received: 8, resolved: 6, late: 2 });
    const page = await h.api('GET', '/api/v1/stats/dossiers?from=2026-01-01&to=2026-03-31&format=html', undefined, ADMIN_KEY);
    expect(page.json).toContain('<h1>Thống kê hồ sơ</h1>');
    expect(page.json).toContain('66,67 %');
    expect((await h.api('GET', '/api/v1/stats/dossiers')).status).toBe(403); // the installation-wide integration key writes dossiers only
    const bad = await h.api('GET', '/api/v1/stats/dossiers?from=2026-13-01&to=2026-01-01', undefined, ADMIN_KEY);
    expect(bad.status).toBe(422);
    expect(bad.json.fieldErrors.from).toBeTruthy();
    const reversed = await h.api('GET', '/api/v1/stats/dossiers?from=2026-03-01&to=2026-01-01', undefined, ADMIN_KEY);
    expect(reversed.json.fieldErrors.to).toBeTruthy();
  });
});
