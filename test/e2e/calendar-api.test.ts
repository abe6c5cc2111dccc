import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communes } from '../../src/db/schema/index.js';
import { addDays, localDate, toLocalIso, weekdayOf } from '../../src/core/calendar.js';
import { addEnteredDay, loadCommuneCalendar } from '../../src/features/calendar/index.js';
import { startTestRuntime, TEST_ADMIN_KEY } from '../helpers/runtime.js';

let env: Awaited<ReturnType<typeof startTestRuntime>>;

beforeAll(async () => {
  env = await startTestRuntime();
  const db = env.runtime.database.db;
  const [b] = await db.insert(communes).values({ slug: 'xa-lich-rieng', name: 'Xã Lịch Riêng' }).returning();
  const base = { auditCommuneId: b.id, actor: 'admin' };
  await addEnteredDay(db, { ...base, communeId: b.id, date: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết Nguyên đán' });
  await addEnteredDay(db, { ...base, communeId: null, date: '2027-02-20', kind: 'makeup_workday', name: 'Làm bù ngày 12/02' });
}, 120_000);
afterAll(async () => env?.close());

const get = async (path: string) => {
  const res = await fetch(`${env.baseUrl}${path}`);
  return { status: res.status, json: (await res.json()) as any };
};

describe('GET /api/v1/calendar', () => {
  it('lists the year’s holidays computed by law, and the days entered for every commune', async () => {
    const { status, json } = await get('/api/v1/calendar?year=2027');
    expect(status).toBe(200);
    expect(json.days).toContainEqual({ date: '2027-02-06', kind: 'holiday', name: 'Tết Nguyên đán', source: 'computed' });
    expect(json.days).toContainEqual({ date: '2027-04-16', kind: 'holiday', name: 'Giỗ Tổ Hùng Vương', source: 'computed' });
    expect(json.days).toContainEqual({ date: '2027-02-10', kind: 'day_off', name: 'Nghỉ bù Tết Nguyên đán', source: 'computed' });
    expect(json.days).toContainEqual({
      date: '2027-02-20',
      kind: 'makeup_workday',
      name: 'Làm bù ngày 12/02',
      source: 'entered',
    });
    expect(json.days.map((d: { date: string }) => d.date)).not.toContain('2027-02-12');
    const dates = json.days.map((d: { date: string }) => d.date);
    expect([...dates].sort()).toEqual(dates);
  });

  it('adds a commune’s own days for that commune only (?commune=)', async () => {
    const { json } = await get('/api/v1/calendar?year=2027&commune=xa-lich-rieng');
    expect(json.days).toContainEqual({ date: '2027-02-12', kind: 'day_off', name: 'Nghỉ Tết Nguyên đán', source: 'entered' });
    expect(json.days).toContainEqual(expect.objectContaining({ date: '2027-02-20', kind: 'makeup_workday' }));
  });

  it.each(['abc', '20277', '1800', '2027-01'])('answers 400 with a clear message for year=%s', async (year) => {
    const { status, json } = await get(`/api/v1/calendar?year=${year}`);
    expect(status).toBe(400);
    expect(json.error).toMatch(/Năm/);
  });

  it('answers 404 for an unknown commune', async () => {
    expect((await get('/api/v1/calendar?year=2027&commune=khong-co')).status).toBe(404);
  });
});

describe('GET /api/v1/calendar/next-open', () => {
  it('opens after Tết, with the reason, in local time and in Vietnamese', async () => {
    const { status, json } = await get('/api/v1/calendar/next-open?at=2027-02-04T18:00:00%2B07:00');
    expect(status).toBe(200);
    expect(json).toMatchObject({
      at: '2027-02-04T18:00:00+07:00',
      open: false,
      opensAt: '2027-02-12T07:30:00+07:00',
      reason: 'holiday',
      holiday: { name: 'Tết Nguyên đán', until: '2027-02-11' },
      text: 'Bộ phận một cửa mở cửa lại từ 7:30 sáng thứ Sáu 12/02/2027 (nghỉ Tết Nguyên đán đến hết 11/02).',
    });
  });

  it('uses the commune’s own days: its extra day off moves the opening', async () => {
    const { json } = await get('/api/v1/calendar/next-open?at=2027-02-04T18:00:00Z&commune=xa-lich-rieng');
    expect(json.opensAt).toBe('2027-02-15T07:30:00+07:00');
  });

  it('reads a "+" the query string turned into a space, a UTC time, and a time without offset as local', async () => {
    const plus = await get('/api/v1/calendar/next-open?at=2026-07-17T12:00:00+07:00');
    expect(plus.json).toMatchObject({ open: false, reason: 'break', opensAt: '2026-07-17T13:30:00+07:00' });
    const utc = await get('/api/v1/calendar/next-open?at=2026-07-17T05:00:00Z');
    expect(utc.json.opensAt).toBe('2026-07-17T13:30:00+07:00');
    const local = await get('/api/v1/calendar/next-open?at=2026-07-17T12:00');
    expect(local.json.at).toBe('2026-07-17T12:00:00+07:00');
  });

  it('limits how often one address may ask (a public endpoint; issue 19), and only that address', async () => {
    const ask = (ip: string) =>
      fetch(`${env.baseUrl}/api/v1/calendar/next-open?at=2026-07-16T09:15:00%2B07:00`, { headers: { 'x-forwarded-for': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 125; i++) statuses.push((await ask('198.51.100.77')).status);
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    expect((await ask('198.51.100.78')).status).toBe(200);
  });

  it('says the counter is open during hours', async () => {
    const { json } = await get('/api/v1/calendar/next-open?at=2026-07-16T09:15:00%2B07:00');
    expect(json).toMatchObject({ open: true, opensAt: '2026-07-16T09:15:00+07:00', closesAt: '2026-07-16T11:30:00+07:00' });
    expect(json.text).toBe('Bộ phận một cửa đang làm việc, đến 11:30 trưa nay.');
  });

  it.each(['hôm qua', '2027-02-30T10:00:00%2B07:00', '2027-13-01T10:00', '2027-02-04', '2027-02-04T25:00', '1700-01-01T00:00Z'])(
    'answers 400 with a clear message for at=%s',
    async (at) => {
      const { status, json } = await get(`/api/v1/calendar/next-open?at=${at}`);
      expect(status).toBe(400);
      expect(json.error).toMatch(/Thời điểm không hợp lệ/);
    },
  );
});

describe('dossier arithmetic follows the commune calendar', () => {
  it('counts one working day less to the promised date once staff enter a day off, and one more for a make-up Saturday', async () => {
    const db = env.runtime.database.db;
    const communeId = env.runtime.defaultCommune.id;
    const code = '000.33.12.H56-261201-0099';
    const today = localDate(new Date());
    const due = addDays(today, 40);
    const put = await fetch(`${env.baseUrl}/api/v1/dossiers/${code}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        procedureCode: '1.001193',
        status: 4,
        channel: 'truc_tiep',
        receivedAt: toLocalIso(new Date(Date.now() - 86_400_000)),
        dueAt: `${due}T17:00:00+07:00`,
        applicantName: 'Nguyễn Văn Thử',
        applicantPhone: '0912345678',
      }),
    });
    expect(put.status).toBe(201);
    const daysLeft = async () => {
      const res = await fetch(`${env.baseUrl}/api/v1/dossiers/${code}`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      const json = (await res.json()) as { timeliness: { kind: string; daysLeft: number } };
      expect(json.timeliness.kind).toBe('due');
      return json.timeliness.daysLeft;
    };
    const before = await daysLeft();
    const cal = await loadCommuneCalendar(db, communeId);
    let workday = addDays(today, 2);
    while (!cal.isWorkingDay(workday)) workday = addDays(workday, 1);
    let saturday = addDays(today, 2);
    while (weekdayOf(saturday) !== 6 || !(cal.day(saturday).special === undefined)) saturday = addDays(saturday, 1);
    const base = { communeId, auditCommuneId: communeId, actor: 'admin' };
    await addEnteredDay(db, { ...base, date: workday, kind: 'day_off', name: 'Nghỉ theo thông báo' });
    expect(await daysLeft()).toBe(before - 1);
    await addEnteredDay(db, { ...base, date: saturday, kind: 'makeup_workday', name: 'Làm bù' });
    expect(await daysLeft()).toBe(before);
  });
});
