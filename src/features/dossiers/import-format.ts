import { parse } from 'csv-parse/sync';
import { foldPhrase } from '../../core/text-input.js';
import { STATUS_NAMES } from './presenter.js';

/** One record of a bulk file, ready for `upsertDossier` (code + PUT body). */
export interface ImportRecord {
  /** 1-based line (CSV) or index (JSON) for error reports. */
  line: number;
  code: string;
  body: Record<string, unknown>;
}

/** Column names residents' one-stop exports use -> our fields. A Map: a header like `__proto__` or `constructor` is just unknown. */
const FIELD_ALIASES = new Map<string, string>(
  Object.entries({
    code: 'code',
    mahoso: 'code',
    ma_ho_so: 'code',
    procedurecode: 'procedureCode',
    procedure_code: 'procedureCode',
    mathutuc: 'procedureCode',
    procedurename: 'procedureName',
    procedure_name: 'procedureName',
    tenthutuc: 'procedureName',
    status: 'status',
    trangthai: 'status',
    channel: 'channel',
    kenh: 'channel',
    receivedat: 'receivedAt',
    received_at: 'receivedAt',
    ngaytiepnhan: 'receivedAt',
    dueat: 'dueAt',
    due_at: 'dueAt',
    ngayhentra: 'dueAt',
    finishedat: 'finishedAt',
    finished_at: 'finishedAt',
    returnedat: 'returnedAt',
    returned_at: 'returnedAt',
    statusat: 'statusAt',
    status_at: 'statusAt',
    applicantname: 'applicantName',
    applicant_name: 'applicantName',
    applicantphone: 'applicantPhone',
    applicant_phone: 'applicantPhone',
    reason: 'reason',
    note: 'reason',
    feeamount: 'feeAmount',
    fee_amount: 'feeAmount',
    resultdelivery: 'resultDelivery',
    result_delivery: 'resultDelivery',
  }),
);

const CHANNEL_WORDS: Record<string, string> = {
  'truc tiep': 'truc_tiep',
  'truc tuyen': 'truc_tuyen',
  'buu chinh': 'buu_chinh',
  'dich vu buu chinh': 'buu_chinh',
  '1': 'truc_tiep',
};

const DATE_FIELDS = new Set(['receivedAt', 'dueAt', 'finishedAt', 'returnedAt', 'statusAt']);

/** "dd/MM/yyyy[ HH:mm[:ss]]" (how one-stop exports print dates) → ISO with +07:00; ISO passes through. */
export function normalizeImportDate(v: string): string {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v.trim());
  if (!m) return v.trim();
  const p = (s: string | undefined, n = 2) => (s ?? '0').padStart(n, '0');
  return `${m[3]}-${p(m[2])}-${p(m[1])}T${p(m[4])}:${p(m[5])}:${p(m[6])}+07:00`;
}

function statusValue(v: unknown): unknown {
  if (typeof v === 'number') return v;
  const s = String(v).trim();
  if (/^\d+$/.test(s)) return Number(s);
  const folded = foldPhrase(s);
  for (const [n, name] of Object.entries(STATUS_NAMES)) if (foldPhrase(name) === folded) return Number(n);
  return s;
}

/** Map one raw record (CSV row or JSON object) to a code and a PUT body. Unknown columns are ignored. */
export function toImportRecord(raw: Record<string, unknown>, line: number): ImportRecord {
  const body: Record<string, unknown> = {};
  let code = '';
  for (const [key, value] of Object.entries(raw)) {
    const field = FIELD_ALIASES.get(key.replace(/[\s-]/g, '').toLowerCase()) ?? FIELD_ALIASES.get(key.toLowerCase());
    if (!field || value === undefined || value === null || value === '') continue;
    if (field === 'code') code = String(value);
    else if (field === 'status') body.status = statusValue(value);
    else if (field === 'feeAmount')
      body.feeAmount = typeof value === 'number' ? value : Number(String(value).replace(/[.\s]/g, ''));
    else if (field === 'channel') body.channel = CHANNEL_WORDS[foldPhrase(String(value))] ?? String(value).trim();
    else if (DATE_FIELDS.has(field)) body[field] = normalizeImportDate(String(value));
    else body[field] = typeof value === 'string' ? value.trim() : value;
  }
  return { line, code, body };
}

/** Parse a CSV (header row, comma or semicolon) or JSON (array, or `{ dossiers: [...] }`) file. */
export function parseImportFile(content: string, format: 'csv' | 'json'): ImportRecord[] {
  if (format === 'json') {
    const data = JSON.parse(content) as unknown;
    const list = Array.isArray(data) ? data : (data as { dossiers?: unknown[] })?.dossiers;
    if (!Array.isArray(list)) throw new Error('JSON must be an array of dossiers or { "dossiers": [...] }');
    return list.map((r, i) => toImportRecord(r as Record<string, unknown>, i + 1));
  }
  const firstLine = content.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows = parse(content, { columns: true, bom: true, trim: true, skip_empty_lines: true, delimiter }) as Record<
    string,
    string
  >[];
  return rows.map((r, i) => toImportRecord(r, i + 2));
}
