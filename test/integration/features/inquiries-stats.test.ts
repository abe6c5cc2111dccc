import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../../src/core/calendar.js';
import { communes, inquiries } from '../../../src/db/schema/index.js';
import { getInquiryStats } from '../../../src/features/inquiries/index.js';
import { median, percentile } from '../../../src/features/inquiries/stats.js';
import { createTestDatabase } from '../../helpers/db.js';

/**
 * Monthly figures of questions for staff against hand-computed values, across
 * the Giỗ Tổ Hùng Vương break of 2026 (Sunday 26/04, its substitute day off
 * Monday 27/04) and the 30/4–1/5 holidays (Thursday and Friday).
 */
const at = (local: string) => new Date(`${local}:00+07:00`);

describe('statistics of questions for staff', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let a: number;
  let b: number;
  const calendar = createWorkCalendar();

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    [{ id: a }] = await db.insert(communes).values({ slug: 'xa-thong-ke', name: 'Xã Thống Kê' }).returning();
    [{ id: b }] = await db.insert(communes).values({ slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' }).returning();
    let n = 0;
    const q = (communeId: number, createdAt: string, o: { answeredAt?: string; status?: string; rating?: number } = {}) => ({
      communeId,
      code: `HD-T${String(++n).padStart(4, '2')}`,
      channel: 'telegram',
      chatId: `chat-${n}`,
      userId: `chat-${n}`,
      question: `Câu hỏi thử số ${n}`,
      createdAt: at(createdAt),
      status: o.status ?? (o.answeredAt ? 'answered' : 'open'),
      answer: o.answeredAt ? 'Trả lời thử' : null,
      answeredAt: o.answeredAt ? at(o.answeredAt) : null,
      rating: o.rating ?? null,
      ratedAt: o.rating ? at(o.answeredAt!) : null,
    });
    await db.insert(inquiries).values([
      // Friday evening before the Giỗ Tổ break, answered Tuesday 8:30 after it: 60 working minutes.
      q(a, '2026-04-24T19:00', { answeredAt: '2026-04-28T08:30', rating: 5 }),
      // Saturday, closed without an answer.
      q(a, '2026-04-25T09:00', { status: 'closed' }),
      // Tuesday in hours: 90 minutes; and 11:00 -> 15:00 across lunch: 30 + 90 = 120 minutes.
      q(a, '2026-04-28T09:00', { answeredAt: '2026-04-28T10:30', rating: 3 }),
      q(a, '2026-04-28T11:00', { answeredAt: '2026-04-28T15:00', rating: 4 }),
      // At lunch (out of hours), answered next morning: 210 + 30 = 240 minutes.
      q(a, '2026-04-28T12:00', { answeredAt: '2026-04-29T08:00' }),
      // Wednesday after hours, still waiting.
      q(a, '2026-04-29T17:30'),
      // On the 30/4 holiday, answered Monday 4/5 at 7:45: 15 minutes.
      q(a, '2026-04-30T10:00', { answeredAt: '2026-05-04T07:45', rating: 4 }),
      // May: in hours, 10 minutes; at night, answered at opening: 0 minutes.
      q(a, '2026-05-04T08:00', { answeredAt: '2026-05-04T08:10', rating: 1 }),
      q(a, '2026-05-04T20:00', { answeredAt: '2026-05-05T07:30', rating: 2 }),
      // Outside the period.
      q(a, '2026-03-31T23:59', { answeredAt: '2026-04-01T08:00', rating: 1 }),
      q(a, '2026-06-01T00:00', { answeredAt: '2026-06-01T08:00', rating: 1 }),
      // Another commune’s question in the period: 9:00 -> 16:00, 150 + 150 = 300 minutes.
      q(b, '2026-04-28T09:00', { answeredAt: '2026-04-28T16:00', rating: 1 }),
    ]);
  });
  afterAll(() => database.close());

  it('median and 90th percentile as defined (mean of the two middle values; nearest rank)', () => {
    expect(median([])).toBeNull();
    expect(median([0, 10])).toBe(5);
    expect(median([15, 60, 90, 120, 240])).toBe(90);
    expect(percentile([0, 10], 90)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
  });

  it('counts by month of arrival, in and out of hours, working time to the answer across holidays, ratings', async () => {
    const s = await getInquiryStats(database.db, { communeId: a, from: '2026-04-01', to: '2026-05-31', calendar });
    expect(s.byMonth).toEqual([
      {
        month: '2026-04',
        received: 7,
        inHours: 2,
        outOfHours: 5,
        answered: 5,
        firstAnswerMedianMinutes: 90,
        firstAnswerP90Minutes: 240,
        ratings: 4,
        ratingAverage: 4,
        ratingDistribution: [0, 0, 1, 2, 1],
      },
      {
        month: '2026-05',
        received: 2,
        inHours: 1,
        outOfHours: 1,
        answered: 2,
        firstAnswerMedianMinutes: 5,
        firstAnswerP90Minutes: 10,
        ratings: 2,
        ratingAverage: 1.5,
        ratingDistribution: [1, 1, 0, 0, 0],
      },
    ]);
    expect(s).toMatchObject({
      from: '2026-04-01',
      to: '2026-05-31',
      received: 9,
      inHours: 3,
      outOfHours: 6,
      answered: 7,
      firstAnswerMedianMinutes: 60,
      firstAnswerP90Minutes: 240,
      ratings: 6,
      ratingAverage: 3.17,
      ratingDistribution: [1, 1, 1, 2, 1],
    });
  });

  it('follows the calendar: a day entered as a day off stops counting', async () => {
    // Tuesday 28/04 declared a day off: the Friday-evening question waits until Wednesday 7:30 (0 minutes),
    // the two Tuesday questions count as out of hours.
    const edited = createWorkCalendar({ entered: [{ date: '2026-04-28', kind: 'day_off', name: 'Nghỉ thử' }] });
    const s = await getInquiryStats(database.db, { communeId: a, from: '2026-04-01', to: '2026-04-30', calendar: edited });
    expect(s.byMonth[0]).toMatchObject({ received: 7, inHours: 0, outOfHours: 7 });
  });

  it('never counts another commune’s questions, and shows empty months', async () => {
    const s = await getInquiryStats(database.db, { communeId: b, from: '2026-03-01', to: '2026-05-31', calendar });
    expect(s.byMonth.map((m) => [m.month, m.received, m.ratings])).toEqual([
      ['2026-03', 0, 0],
      ['2026-04', 1, 1],
      ['2026-05', 0, 0],
    ]);
    expect(s).toMatchObject({
      received: 1,
      firstAnswerMedianMinutes: 300,
      ratingAverage: 1,
      ratingDistribution: [1, 0, 0, 0, 0],
    });
    const none = await getInquiryStats(database.db, { communeId: a, from: '2025-01-01', to: '2025-01-31', calendar });
    expect(none).toMatchObject({ received: 0, firstAnswerMedianMinutes: null, firstAnswerP90Minutes: null, ratingAverage: null });
  });
});
