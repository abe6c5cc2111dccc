/**
 * Synthetic dossiers for the benchmark and for trying the import. Everything
 * is fake: applicants are "Công dân Giả lập <n>", phone hashes are not HMACs
 * of anything, and the agency id 000.99.99.H99 does not exist.
 *
 * `npx tsx bench/dossiers/generate.ts --csv 50 > sample.csv` prints an import
 * file (fake names, fake 09999xxxxx phone numbers).
 */
import { sql, type SQL } from 'drizzle-orm';
import { pathToFileURL } from 'node:url';
import { addDays } from '../../src/features/dossiers/working-days.js';

export const FAKE_AGENCY = '000.99.99.H99';
export const PROCEDURES = [
  '1.001193',
  '2.000635',
  '1.000894',
  '1.001022',
  '2.002516',
  '1.004837',
  '1.000656',
  '2.000748',
  '1.004873',
  '1.001695',
  '2.001263',
  '1.000689',
  '1.004884',
  '2.000908',
  '2.000815',
  '1.003583',
  '1.001612',
  '2.000884',
  '1.010803',
  '1.008901',
];

export interface GenerateOptions {
  communeId: number;
  count: number;
  /** Dossiers received per day (codes are per day: at most 9,999). */
  perDay: number;
  /** Local date of the last receipt day. */
  lastDay: string;
}

/** The first receipt day for these options. */
export function firstDay(o: Pick<GenerateOptions, 'count' | 'perDay' | 'lastDay'>): string {
  return addDays(o.lastDay, -(Math.ceil(o.count / o.perDay) - 1));
}

/** The receipt code of the g-th synthetic dossier (0-based), the same formula as the SQL. */
export function syntheticCode(g: number, o: Pick<GenerateOptions, 'count' | 'perDay' | 'lastDay'>): string {
  const day = addDays(firstDay(o), Math.floor(g / o.perDay));
  const yymmdd = day.slice(2).replace(/-/g, '');
  return `${FAKE_AGENCY}-${yymmdd}-${String((g % o.perDay) + 1).padStart(4, '0')}`;
}

/**
 * One `insert … select generate_series` for rows [from, to): the database
 * builds the rows itself, so a million load in seconds. Pseudo-random but
 * deterministic (multiplicative hashing of the row number).
 */
export function bulkInsertSql(o: GenerateOptions, from: number, to: number): SQL {
  const procs = `array[${PROCEDURES.map((p) => `'${p}'`).join(',')}]`;
  const start = firstDay(o);
  return sql.raw(`
    insert into dossiers (commune_id, code, procedure_code, procedure_name, channel, status, status_at, received_at,
                          due_at, finished_at, returned_at, applicant_name, phone_last4_hmac, phone_hint, reason, result_delivery)
    select ${Number(o.communeId)}, code, proc, null, channel, status,
           coalesce(case when status = 10 then finished + interval '1 day' end, finished, received), received,
           due, finished, case when status = 10 then finished + interval '1 day' end, 'Công dân Giả lập ' || g, md5(g::text) || md5((g + 1)::text), '09xx xxx xxx', null,
           case when channel = 'buu_chinh' then 'buu_chinh' else 'tai_quay' end
    from (
      select g, code, proc, channel, received, due, status,
             -- about 1 in 10 late, the rest early or on the promised day
             case when status in (9, 10) then greatest(
               received + interval '2 hours',
               due - (((h / 13) % 4) * interval '1 day') - interval '2 hours'
                   + case when (h / 13) % 10 = 0 then interval '2 days' else interval '0' end) end as finished
      from (
        select g, h, received,
               '${FAKE_AGENCY}-' || to_char(day, 'YYMMDD') || '-' || lpad(((g % ${o.perDay}) + 1)::text, 4, '0') as code,
               (${procs})[1 + (h % ${PROCEDURES.length})] as proc,
               case when h % 100 < 60 then 'truc_tuyen' when h % 100 < 92 then 'truc_tiep' else 'buu_chinh' end as channel,
               received + ((1 + h % 7) * interval '1 day') as due,
               case
                 when day < date '${o.lastDay}' - 30 then
                   case when h % 100 < 85 then 10 when h % 100 < 93 then 9 when h % 100 < 96 then 3 when h % 100 < 98 then 7 else 8 end
                 else (array[2, 4, 4, 4, 5, 6, 9, 10, 1, 4])[1 + (h % 10)]
               end::smallint as status
        from (
          select g, (g * 2654435761) % 4294967296 / 7 as h,
                 date '${start}' + (g / ${o.perDay})::int as day,
                 (date '${start}' + (g / ${o.perDay})::int)::timestamp at time zone 'Asia/Ho_Chi_Minh'
                   + interval '7 hours 30 minutes' + ((g % 480) * interval '1 minute') as received
          from generate_series(${from}::bigint, ${to - 1}::bigint) g
        ) base
      ) shaped
    ) rows`);
}

/** A small import file (CSV) of fake dossiers. */
export function syntheticCsv(n: number, lastDay = new Date().toISOString().slice(0, 10)): string {
  const o = { count: n, perDay: Math.max(1, Math.ceil(n / 20)), lastDay };
  const lines = ['code,procedureCode,status,channel,receivedAt,dueAt,applicantName,applicantPhone'];
  for (let g = 0; g < n; g++) {
    const code = syntheticCode(g, o);
    const day = addDays(firstDay(o), Math.floor(g / o.perDay));
    const channel = ['truc_tiep', 'truc_tuyen', 'buu_chinh'][g % 3];
    const status = [2, 4, 4, 5, 9][g % 5];
    lines.push(
      [
        code,
        PROCEDURES[g % PROCEDURES.length],
        status,
        channel,
        `${day}T08:${String(g % 60).padStart(2, '0')}:00+07:00`,
        `${addDays(day, 5)}T17:00:00+07:00`,
        `Công dân Giả lập ${g + 1}`,
        `09999${String(g).padStart(5, '0')}`,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--csv');
  const n = i >= 0 ? Number(process.argv[i + 1] ?? 50) : 50;
  process.stdout.write(syntheticCsv(n));
}
