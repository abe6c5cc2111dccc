import { and, asc, eq, gte, lt } from 'drizzle-orm';
import {
  addDays,
  localDate,
  localMinutes,
  minutesOf,
  startOfLocalDate,
  workingMinutesBetween,
  type LocalDate,
  type WorkCalendar,
} from '../../core/calendar.js';
import type { Db } from '../../db/client.js';
import { inquiries } from '../../db/schema/index.js';

/** The figures of a set of questions (a month, or the whole period). */
export interface InquiryStatsLine {
  /** Questions received (left for staff). */
  received: number;
  /** Received while the counter was open (the commune's calendar at that minute). */
  inHours: number;
  /** Received at night, at a weekend, on a holiday, at lunch. */
  outOfHours: number;
  /** Of those received, answered by staff (closed without an answer not counted). */
  answered: number;
  /** Working minutes from arrival to the answer: the median (of two middle values, their mean). */
  firstAnswerMedianMinutes: number | null;
  /** Working minutes from arrival to the answer: the 90th percentile (nearest rank). */
  firstAnswerP90Minutes: number | null;
  /** Answers rated by the asking chat. */
  ratings: number;
  /** The mean score, two decimals; null without ratings. */
  ratingAverage: number | null;
  /** How many ratings gave 1, 2, 3, 4 and 5. */
  ratingDistribution: [number, number, number, number, number];
}

export interface InquiryStats extends InquiryStatsLine {
  from: LocalDate;
  to: LocalDate;
  /** Every month of the period ("YYYY-MM"), empty months included; a question counts in the month it arrived. */
  byMonth: (InquiryStatsLine & { month: string })[];
}

/** One question as the statistics read it. */
export interface StatsQuestion {
  createdAt: Date;
  answeredAt: Date | null;
  status: string;
  rating: number | null;
}

/** Whether the counter was open at an instant (weekly hours, holidays, make-up days). */
export function receivedInHours(cal: WorkCalendar, at: Date): boolean {
  const now = localMinutes(at);
  return cal.day(localDate(at)).periods.some((p) => now >= minutesOf(p.from) && now < minutesOf(p.to));
}

export function median(sorted: number[]): number | null {
  if (!sorted.length) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Nearest rank: the smallest value with at least `p` percent of the values at or below it. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** What the figures need of one question, worked out once against the calendar. */
interface QuestionFacts {
  inHours: boolean;
  /** Working minutes to the answer; null when not answered. */
  wait: number | null;
  rating: number | null;
}

function factsOf(cal: WorkCalendar, r: StatsQuestion): QuestionFacts {
  return {
    inHours: receivedInHours(cal, r.createdAt),
    wait: r.status === 'answered' && r.answeredAt ? workingMinutesBetween(cal, r.createdAt, r.answeredAt) : null,
    rating: r.rating !== null && r.rating >= 1 && r.rating <= 5 ? r.rating : null,
  };
}

function summarize(facts: readonly QuestionFacts[]): InquiryStatsLine {
  const waits = facts.flatMap((f) => (f.wait === null ? [] : [f.wait])).sort((a, b) => a - b);
  const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  let ratingSum = 0;
  for (const f of facts)
    if (f.rating !== null) {
      distribution[f.rating - 1]++;
      ratingSum += f.rating;
    }
  const ratings = distribution.reduce((a, b) => a + b, 0);
  const inHours = facts.filter((f) => f.inHours).length;
  return {
    received: facts.length,
    inHours,
    outOfHours: facts.length - inHours,
    answered: waits.length,
    firstAnswerMedianMinutes: median(waits),
    firstAnswerP90Minutes: percentile(waits, 90),
    ratings,
    ratingAverage: ratings ? Math.round((ratingSum / ratings) * 100) / 100 : null,
    ratingDistribution: distribution,
  };
}

/** Months "YYYY-MM" from one local date to another, inclusive. */
function monthsOf(from: LocalDate, to: LocalDate): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (;;) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= last) return out;
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
}

/**
 * A commune's questions for staff from one local date to another (inclusive), by the month they
 * arrived: in and out of hours, working time to the answer, ratings. Only that commune's questions.
 */
export async function getInquiryStats(
  db: Db,
  q: { communeId: number; from: LocalDate; to: LocalDate; calendar: WorkCalendar },
): Promise<InquiryStats> {
  const rows = await db
    .select({
      createdAt: inquiries.createdAt,
      answeredAt: inquiries.answeredAt,
      status: inquiries.status,
      rating: inquiries.rating,
    })
    .from(inquiries)
    .where(
      and(
        eq(inquiries.communeId, q.communeId),
        gte(inquiries.createdAt, startOfLocalDate(q.from)),
        lt(inquiries.createdAt, startOfLocalDate(addDays(q.to, 1))),
      ),
    )
    .orderBy(asc(inquiries.createdAt));
  const byMonth = new Map<string, QuestionFacts[]>(monthsOf(q.from, q.to).map((m) => [m, []]));
  const all = rows.map((r) => {
    const facts = factsOf(q.calendar, r);
    byMonth.get(localDate(r.createdAt).slice(0, 7))?.push(facts);
    return facts;
  });
  return {
    from: q.from,
    to: q.to,
    ...summarize(all),
    byMonth: [...byMonth].map(([month, list]) => ({ month, ...summarize(list) })),
  };
}
