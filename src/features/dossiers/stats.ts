import { sql } from 'drizzle-orm';
import { execRows, type Db } from '../../db/client.js';
import { formatDateVi, formatIntVi, formatPercentVi } from './presenter.js';
import { addDays, startOfLocalDate, type LocalDate } from './working-days.js';

/**
 * Dossier statistics the way district reports put them: received (and the
 * share received online), resolved, and resolved early / on time / late.
 *
 * - received: `received_at` within the period;
 * - resolved: reached 9 or 10 with `finished_at` within the period;
 * - late: finished after the promised instant; early: finished on a calendar
 *   day before the promised day; on time: the rest (also when no date was
 *   promised). The same rule as `finishTimeliness` in working-days.ts.
 * Periods are local dates (UTC+7), both ends inclusive; months are local.
 */
export interface StatsCounts {
  received: number;
  receivedOnline: number;
  resolved: number;
  early: number;
  onTime: number;
  late: number;
}

export interface StatsRates {
  /** Percentages with two decimals (66.26 means 66,26 %). */
  onlineRate: number;
  earlyRate: number;
  onTimeRate: number;
  lateRate: number;
  /** Early + on time, the figure reports call "đúng hạn". */
  onTimeOrEarlyRate: number;
}

export type StatsLine = StatsCounts & StatsRates;

export interface DossierStats extends StatsLine {
  from: LocalDate;
  to: LocalDate;
  byProcedure: (StatsLine & { procedureCode: string; procedureName: string | null })[];
  byMonth: (StatsLine & { month: string })[];
  /** One sentence in report style. */
  summary: string;
}

export interface StatsQuery {
  communeId: number;
  from: LocalDate;
  /** Inclusive. */
  to: LocalDate;
}

interface ReceivedRow {
  pc: string;
  pn: string | null;
  m: string;
  received: number;
  online: number;
}
interface ResolvedRow {
  pc: string;
  pn: string | null;
  m: string;
  resolved: number;
  early: number;
  late: number;
}

const LOCAL = (col: string) => sql.raw(`((${col} at time zone 'UTC') + interval '7 hours')`);

/** Two grouped scans (by received and by finished date), merged in memory. The API and the bench call this. */
export async function getDossierStats(db: Db, q: StatsQuery): Promise<DossierStats> {
  const start = startOfLocalDate(q.from).toISOString();
  const end = startOfLocalDate(addDays(q.to, 1)).toISOString();
  const [receivedRows, resolvedRows] = [
    await execRows<ReceivedRow>(
      db,
      sql`select procedure_code as pc, max(procedure_name) as pn,
                 to_char(${LOCAL('received_at')}, 'YYYY-MM') as m,
                 count(*)::int as received,
                 (count(*) filter (where channel = 'truc_tuyen'))::int as online
          from dossiers
          where commune_id = ${q.communeId} and received_at >= ${start}::timestamptz and received_at < ${end}::timestamptz
          group by 1, 3`,
    ),
    await execRows<ResolvedRow>(
      db,
      sql`select procedure_code as pc, max(procedure_name) as pn,
                 to_char(${LOCAL('finished_at')}, 'YYYY-MM') as m,
                 count(*)::int as resolved,
                 (count(*) filter (where due_at is not null and finished_at <= due_at
                                   and ${LOCAL('finished_at')}::date < ${LOCAL('due_at')}::date))::int as early,
                 (count(*) filter (where due_at is not null and finished_at > due_at))::int as late
          from dossiers
          where commune_id = ${q.communeId} and finished_at >= ${start}::timestamptz and finished_at < ${end}::timestamptz
            and status in (9, 10)
          group by 1, 3`,
    ),
  ];
  return buildStats(q, receivedRows, resolvedRows);
}

function emptyCounts(): StatsCounts {
  return { received: 0, receivedOnline: 0, resolved: 0, early: 0, onTime: 0, late: 0 };
}

function pct(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100;
}

export function withRates(c: StatsCounts): StatsLine {
  return {
    ...c,
    onlineRate: pct(c.receivedOnline, c.received),
    earlyRate: pct(c.early, c.resolved),
    onTimeRate: pct(c.onTime, c.resolved),
    lateRate: pct(c.late, c.resolved),
    onTimeOrEarlyRate: pct(c.early + c.onTime, c.resolved),
  };
}

/** Months "YYYY-MM" from one local date to another, inclusive. */
export function monthsBetween(from: LocalDate, to: LocalDate): string[] {
  const out: string[] = [];
  let y = Number(from.slice(0, 4));
  let m = Number(from.slice(5, 7));
  const endKey = to.slice(0, 7);
  for (let guard = 0; guard < 1200; guard++) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    out.push(key);
    if (key >= endKey) break;
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

function buildStats(q: StatsQuery, receivedRows: ReceivedRow[], resolvedRows: ResolvedRow[]): DossierStats {
  const total = emptyCounts();
  const byProc = new Map<string, StatsCounts & { name: string | null }>();
  const byMonth = new Map<string, StatsCounts>(monthsBetween(q.from, q.to).map((m) => [m, emptyCounts()]));
  const proc = (code: string, name: string | null) => {
    let p = byProc.get(code);
    if (!p) byProc.set(code, (p = { ...emptyCounts(), name }));
    if (!p.name && name) p.name = name;
    return p;
  };
  const month = (m: string) => {
    let c = byMonth.get(m);
    if (!c) byMonth.set(m, (c = emptyCounts()));
    return c;
  };
  for (const r of receivedRows) {
    const received = Number(r.received);
    const online = Number(r.online);
    for (const c of [total, proc(r.pc, r.pn), month(r.m)]) {
      c.received += received;
      c.receivedOnline += online;
    }
  }
  for (const r of resolvedRows) {
    const resolved = Number(r.resolved);
    const early = Number(r.early);
    const late = Number(r.late);
    for (const c of [total, proc(r.pc, r.pn), month(r.m)]) {
      c.resolved += resolved;
      c.early += early;
      c.late += late;
      c.onTime += resolved - early - late;
    }
  }
  const line = withRates(total);
  return {
    from: q.from,
    to: q.to,
    ...line,
    byProcedure: [...byProc.entries()]
      .map(([procedureCode, { name, ...c }]) => ({ procedureCode, procedureName: name, ...withRates(c) }))
      .sort((a, b) => b.received - a.received || a.procedureCode.localeCompare(b.procedureCode)),
    byMonth: [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([m, c]) => ({ month: m, ...withRates(c) })),
    summary: summarize(q, line),
  };
}

/** "Từ 01/01/2026 đến 31/12/2026: tổng hồ sơ tiếp nhận 157.945, trực tuyến 95.184 (60,26 %); …" */
export function summarize(q: { from: LocalDate; to: LocalDate }, s: StatsLine): string {
  const range = `Từ ${formatDateVi(startOfLocalDate(q.from))} đến ${formatDateVi(startOfLocalDate(q.to))}`;
  return (
    `${range}: tổng hồ sơ tiếp nhận ${formatIntVi(s.received)}, trực tuyến ${formatIntVi(s.receivedOnline)} ` +
    `(đạt ${formatPercentVi(s.onlineRate)}); đã giải quyết ${formatIntVi(s.resolved)}, ` +
    `trong đó trước hạn ${formatIntVi(s.early)} (${formatPercentVi(s.earlyRate)}), ` +
    `đúng hạn ${formatIntVi(s.onTime)} (${formatPercentVi(s.onTimeRate)}), ` +
    `trễ hạn ${formatIntVi(s.late)} (${formatPercentVi(s.lateRate)}); ` +
    `tỷ lệ giải quyết đúng và trước hạn đạt ${formatPercentVi(s.onTimeOrEarlyRate)}.`
  );
}
