import { parse } from 'csv-parse/sync';
import { foldPhrase } from '../../core/text-input.js';

/** The three kinds of civil-status registration a copy can be asked for. */
export const RECORD_KINDS = ['birth', 'marriage', 'death'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const KIND_LABELS: Record<RecordKind, string> = {
  birth: 'Trích lục khai sinh',
  marriage: 'Trích lục kết hôn',
  death: 'Trích lục khai tử',
};

/** A registration ready to be stored (see db/schema/civil-records.ts). */
export interface RecordInput {
  kind: RecordKind;
  book: string;
  number: string;
  registeredOn: string;
  authority: string;
  eventDate: string;
  persons: Record<string, string>[];
  facts: Record<string, string>;
  foldedNames: string[];
}

/**
 * One row of the commune's export, as a CSV line or a JSON object with the
 * same keys. Persons are flat columns: the main person (the child, the husband,
 * the deceased) and, for a marriage, the spouse (the wife); for a birth the
 * parents' names.
 */
export const IMPORT_COLUMNS = [
  'kind',
  'book',
  'number',
  'registered_on',
  'authority',
  'event_date',
  'full_name',
  'birth_date',
  'gender',
  'id_number',
  'place',
  'father_name',
  'mother_name',
  'spouse_name',
  'spouse_birth_date',
  'spouse_id_number',
  'cause',
] as const;

const KIND_WORDS: Record<string, RecordKind> = {
  birth: 'birth',
  'khai sinh': 'birth',
  marriage: 'marriage',
  'ket hon': 'marriage',
  death: 'death',
  'khai tu': 'death',
};

/** "20/07/2026" or "2026-07-20" → "2026-07-20", only for a real calendar date from 1900 on. */
export function parseDateInput(input: string): string | undefined {
  const s = input.trim();
  let y: number, m: number, d: number;
  const vi = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(s);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (vi) [d, m, y] = [Number(vi[1]), Number(vi[2]), Number(vi[3])];
  else if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else return undefined;
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d || y < 1900) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** A person's name for matching: folded, single spaces. */
export function foldName(name: string): string {
  return foldPhrase(name);
}

/** Personal identification number (số định danh cá nhân / CCCD): exactly 12 digits. */
export const ID_NUMBER_RE = /^\d{12}$/;

/** A row error, in Vietnamese and English, with its line. */
export interface RowError {
  line: number;
  field: string;
  vi: string;
  en: string;
}

function clean(v: unknown): string {
  if (v === undefined || v === null) return '';
  return String(v).normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** Validate one row; returns the record or its errors (every bad field, not just the first). */
export function validateRecordRow(raw: Record<string, unknown>, line: number): { record?: RecordInput; errors: RowError[] } {
  const errors: RowError[] = [];
  const v = (k: string) => clean(raw[k]);
  const err = (field: string, vi: string, en: string) => errors.push({ line, field, vi, en });
  const kind = KIND_WORDS[foldPhrase(v('kind'))];
  if (!kind) err('kind', 'loại phải là khai sinh, kết hôn hoặc khai tử', 'kind must be birth, marriage or death');
  const book = v('book');
  if (!book || book.length > 40) err('book', 'thiếu quyển số (tối đa 40 ký tự)', 'book is required (at most 40 characters)');
  const number = v('number');
  if (!number || number.length > 20)
    err('number', 'thiếu số đăng ký (tối đa 20 ký tự)', 'number is required (at most 20 characters)');
  const registeredOn = parseDateInput(v('registered_on'));
  if (!registeredOn)
    err('registered_on', 'ngày đăng ký không hợp lệ (dd/MM/yyyy)', 'registered_on is not a valid date (dd/MM/yyyy)');
  const authority = v('authority');
  if (!authority || authority.length > 200) err('authority', 'thiếu nơi đăng ký', 'authority is required');
  const eventDate = parseDateInput(v('event_date'));
  if (!eventDate) err('event_date', 'ngày sự kiện không hợp lệ (dd/MM/yyyy)', 'event_date is not a valid date (dd/MM/yyyy)');
  if (registeredOn && eventDate && eventDate > registeredOn)
    err('event_date', 'ngày sự kiện sau ngày đăng ký', 'event_date is after registered_on');
  const name = (field: string, required: boolean) => {
    const n = v(field);
    if (!n && required) err(field, 'thiếu họ tên', 'name is required');
    else if (n && (n.length > 100 || !/^[\p{L}' .-]+$/u.test(n)))
      err(field, 'họ tên chỉ gồm chữ cái, tối đa 100 ký tự', 'name must be letters only, at most 100 characters');
    return n;
  };
  const optDate = (field: string) => {
    const s = v(field);
    if (!s) return '';
    const d = parseDateInput(s);
    if (!d) err(field, 'ngày không hợp lệ (dd/MM/yyyy)', 'not a valid date (dd/MM/yyyy)');
    return d ?? '';
  };
  const idNumber = (field: string) => {
    const s = v(field).replace(/\s/g, '');
    if (s && !ID_NUMBER_RE.test(s)) err(field, 'số định danh phải gồm 12 chữ số', 'identification number must be 12 digits');
    return s;
  };
  const fullName = name('full_name', true);
  const birthDate = optDate('birth_date');
  const gender = v('gender');
  const id = idNumber('id_number');
  const place = v('place').slice(0, 200);
  const persons: Record<string, string>[] = [];
  const facts: Record<string, string> = {};
  const person = (role: string, p: Record<string, string>) =>
    persons.push(Object.fromEntries(Object.entries({ role, ...p }).filter(([, x]) => x)));
  if (kind === 'birth') {
    person('child', { fullName, birthDate: eventDate ?? '', gender, idNumber: id });
    const father = name('father_name', false);
    const mother = name('mother_name', false);
    if (father) person('father', { fullName: father });
    if (mother) person('mother', { fullName: mother });
    if (place) facts.placeOfBirth = place;
  } else if (kind === 'marriage') {
    person('husband', { fullName, birthDate, idNumber: id });
    const spouse = name('spouse_name', true);
    person('wife', { fullName: spouse, birthDate: optDate('spouse_birth_date'), idNumber: idNumber('spouse_id_number') });
    if (place) facts.place = place;
  } else if (kind === 'death') {
    person('deceased', { fullName, birthDate, gender, idNumber: id });
    if (place) facts.placeOfDeath = place;
    const cause = v('cause').slice(0, 200);
    if (cause) facts.cause = cause;
  }
  if (errors.length || !kind || !registeredOn || !eventDate) return { errors };
  const foldedNames = [
    ...new Set(persons.filter((p) => p.role !== 'father' && p.role !== 'mother').map((p) => foldName(p.fullName))),
  ];
  return { record: { kind, book, number, registeredOn, authority, eventDate, persons, facts, foldedNames }, errors };
}

/** Rows of a CSV (header line first) or a JSON array, each with its line (CSV) or 1-based position (JSON). */
export function parseRecordFile(
  content: string,
  format: 'csv' | 'json',
): { rows: { line: number; raw: Record<string, unknown> }[] } {
  if (format === 'json') {
    const data = JSON.parse(content) as unknown;
    const list = Array.isArray(data) ? data : (data as { records?: unknown })?.records;
    if (!Array.isArray(list)) throw new Error('JSON must be an array of records (or { "records": [...] })');
    return {
      rows: list.map((raw, i) => ({
        line: i + 1,
        raw: typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {},
      })),
    };
  }
  const records = parse(content.replace(/^\uFEFF/, ''), {
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    trim: true,
    info: true,
    relax_column_count: true,
  }) as { record: Record<string, unknown>; info: { lines: number } }[];
  return { rows: records.map((r) => ({ line: r.info.lines, raw: r.record })) };
}

/** Every row valid, or every error: an import goes in whole or not at all. */
export function validateRecordFile(
  content: string,
  format: 'csv' | 'json',
): { records: RecordInput[]; lines: number[]; errors: RowError[] } {
  const { rows } = parseRecordFile(content, format);
  const records: RecordInput[] = [];
  const lines: number[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const { line, raw } of rows) {
    const r = validateRecordRow(raw, line);
    errors.push(...r.errors);
    if (!r.record) continue;
    const key = `${r.record.kind}|${r.record.book}|${r.record.number}`;
    const first = seen.get(key);
    if (first !== undefined)
      errors.push({
        line,
        field: 'number',
        vi: `trùng loại, quyển số và số với dòng ${first}`,
        en: `same kind, book and number as line ${first}`,
      });
    else seen.set(key, line);
    records.push(r.record);
    lines.push(line);
  }
  if (rows.length === 0) errors.push({ line: 0, field: '', vi: 'tệp không có dòng dữ liệu nào', en: 'the file has no records' });
  return { records, lines, errors };
}

/** What a copy prints: the title and the record's fields in order (dates as dd/MM/yyyy). */
export function printedFields(
  r: Pick<RecordInput, 'kind' | 'book' | 'number' | 'registeredOn' | 'authority' | 'eventDate' | 'persons' | 'facts'>,
): {
  title: string;
  lines: [string, string][];
} {
  const d = (iso?: string) => (iso ? iso.split('-').reverse().join('/') : '');
  const p = (role: string) => r.persons.find((x) => x.role === role) ?? {};
  const lines: [string, string][] = [];
  const add = (label: string, value: string | undefined) => {
    if (value) lines.push([label, value]);
  };
  let title: string;
  if (r.kind === 'birth') {
    title = 'TRÍCH LỤC KHAI SINH (BẢN SAO)';
    const c = p('child');
    add('Họ, chữ đệm, tên', c.fullName);
    add('Ngày, tháng, năm sinh', d(r.eventDate));
    add('Giới tính', c.gender);
    add('Nơi sinh', r.facts.placeOfBirth);
    add('Số định danh cá nhân', c.idNumber);
    add('Họ, chữ đệm, tên người cha', p('father').fullName);
    add('Họ, chữ đệm, tên người mẹ', p('mother').fullName);
  } else if (r.kind === 'marriage') {
    title = 'TRÍCH LỤC KẾT HÔN (BẢN SAO)';
    const h = p('husband');
    const w = p('wife');
    add('Họ, chữ đệm, tên người chồng', h.fullName);
    add('Ngày, tháng, năm sinh (chồng)', d(h.birthDate));
    add('Số định danh cá nhân (chồng)', h.idNumber);
    add('Họ, chữ đệm, tên người vợ', w.fullName);
    add('Ngày, tháng, năm sinh (vợ)', d(w.birthDate));
    add('Số định danh cá nhân (vợ)', w.idNumber);
    add('Ngày đăng ký kết hôn', d(r.eventDate));
  } else {
    title = 'TRÍCH LỤC KHAI TỬ (BẢN SAO)';
    const x = p('deceased');
    add('Họ, chữ đệm, tên người đã mất', x.fullName);
    add('Ngày, tháng, năm sinh', d(x.birthDate));
    add('Giới tính', x.gender);
    add('Số định danh cá nhân', x.idNumber);
    add('Ngày chết', d(r.eventDate));
    add('Nơi chết', r.facts.placeOfDeath);
    add('Nguyên nhân chết', r.facts.cause);
  }
  add('Nơi đăng ký', r.authority);
  add('Số', r.number);
  add('Quyển số', r.book);
  add('Ngày đăng ký', d(r.registeredOn));
  return { title, lines };
}
