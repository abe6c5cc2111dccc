/**
 * Pure parsers for one record of the national procedure catalog crawl
 * (see shared/data/tthc-national/SOURCE.md). The crawl flattened HTML tables
 * into text without separators, so each parser re-finds the row boundaries
 * from what the portal always prints (channel names, "N bản chính", legal
 * document numbers). Every parser is total: bad input yields empty output,
 * never an exception.
 */
import type {
  ChannelInfo,
  DocumentGroup,
  LegalBasis,
  Procedure,
  ProcedureLevel,
  RequiredDocument,
  SubmissionChannel,
} from '../types.js';

export type RawRecord = Record<string, unknown>;
export type ParseOutcome = Procedure | { skipped: string };
export type SafeParseOutcome = { procedure: Procedure } | { skipped: string } | { failed: string };

const NO_INFO = 'Không có thông tin';

/** Trim, collapse runs of spaces, and turn the portal's "no information" into ''. */
export function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const s = value
    .replace(/\r/g, '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
  return s === NO_INFO ? '' : s;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function guard<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    // A parser bug on one odd field must not lose the whole record.
    return fallback;
  }
}

// ---------------------------------------------------------------- levels

const LEVEL_MAP: Record<string, ProcedureLevel> = { 'cấp xã': 'xã', 'cấp tỉnh': 'tỉnh', 'cấp bộ': 'bộ' };

export function parseLevels(text: string): ProcedureLevel[] {
  const out: ProcedureLevel[] = [];
  for (const part of cleanText(text).split(/[,;\n]/)) {
    const key = oneLine(part).toLowerCase();
    if (!key) continue;
    const level = LEVEL_MAP[key] ?? 'khác';
    if (!out.includes(level)) out.push(level);
  }
  return out;
}

// ---------------------------------------------------------------- channels

const CHANNEL_BY_NAME: Record<string, SubmissionChannel> = {
  'Trực tiếp': 'truc_tiep',
  'Trực tuyến': 'truc_tuyen',
  'Dịch vụ bưu chính': 'buu_chinh',
};
const CHANNEL_HEADER = /^Hình thức nộp\s*Thời gian\s*Phí, lệ phí\s*Mô tả/;
/** A row starts with a channel name glued to its time (a number or a "Không…" phrase). */
const CHANNEL_ROW = /(Trực tiếp|Trực tuyến|Dịch vụ bưu chính)(?=[ \t]*(?:\d|Không))/g;
const TIME_WITH_UNIT = /^(\d+(?:[.,]\d+)?)[ \t]*(Ngày làm việc|Ngày|Giờ|Tháng|Năm|Tuần|Phút)/i;
const CURRENCY = '(?:Việt Nam Đồng|VNĐ|Đồng|đồng|USD)';
const TIME_GLUED_TO_FEE = new RegExp(`^(\\d)(?=\\d[\\d.,]*\\s*${CURRENCY})`);
const TIME_BARE = /^\d+(?:[.,]\d+)?/;
const TIME_NONE = /^(Không phải trả kết quả cho người nộp thuế|Không quy định|Không có thông tin|Không)/;
const FEE_AMOUNT = new RegExp(`^(?:(?:Lệ phí|Phí)\\s*:\\s*)?(\\d[\\d.,]*)\\s*(${CURRENCY})`);
const FEE_CURRENCY_ONLY = /^(Việt Nam Đồng|VNĐ)/;
const NOTE_AMOUNT = /(\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:đồng|Đồng|VNĐ|vnđ|đ\b|Đ\b)/g;

/** Parse a processing time: bare numbers are working days (domain.md §1). */
export function parseTime(timeText: string): ChannelInfo['time'] {
  const t = oneLine(timeText);
  const withUnit = TIME_WITH_UNIT.exec(t);
  if (withUnit) {
    const value = Number(withUnit[1].replace(',', '.'));
    const unit = withUnit[2].toLowerCase();
    const mapped =
      unit === 'ngày làm việc' ? 'ngày làm việc' : unit === 'ngày' ? 'ngày' : unit === 'giờ' ? 'giờ' : unit === 'tháng' ? 'tháng' : 'khác';
    return Number.isFinite(value) ? { value, unit: mapped } : undefined;
  }
  if (/^\d+(?:[.,]\d+)?$/.test(t)) return { value: Number(t.replace(',', '.')), unit: 'ngày làm việc' };
  return undefined;
}

function parseAmount(digits: string): number {
  const n = Number(digits.replace(/[.,]/g, ''));
  return Number.isFinite(n) ? n : 0;
}

/** Take a balanced "( … )" at the start of s; an unclosed one runs to the end. */
function takeParenthetical(s: string): [string, string] {
  if (!s.startsWith('(')) return ['', s];
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')') {
      depth--;
      if (depth === 0) return [s.slice(0, i + 1), s.slice(i + 1)];
    }
  }
  return [s, ''];
}

function parseChannelRow(channel: SubmissionChannel, body: string): ChannelInfo {
  let rest = body.replace(/^[ \t]+/, '');
  let timeText = '';
  let m: RegExpExecArray | null;
  if ((m = TIME_WITH_UNIT.exec(rest))) timeText = m[0];
  else if ((m = TIME_GLUED_TO_FEE.exec(rest))) timeText = m[1];
  else if ((m = TIME_BARE.exec(rest))) timeText = m[0];
  else if ((m = TIME_NONE.exec(rest))) timeText = m[0];
  rest = rest.slice(timeText.length).replace(/^\s+/, '');
  if (timeText === NO_INFO) timeText = '';

  let feeMain = '';
  let free = false;
  const amounts: number[] = [];
  let isVnd = false;
  if (rest.startsWith('Miễn phí')) {
    feeMain = 'Miễn phí';
    free = true;
  } else if (rest.startsWith(NO_INFO)) {
    feeMain = NO_INFO;
  } else if ((m = FEE_AMOUNT.exec(rest))) {
    feeMain = m[0];
    isVnd = m[2] !== 'USD';
    if (isVnd) {
      let amount = parseAmount(m[1]);
      // The portal stores some fees in thousands ("20 VNĐ" beside a note saying 20.000 đồng).
      if (amount > 0 && amount < 1000) amount *= 1000;
      if (amount > 0) amounts.push(amount);
    }
  } else if ((m = FEE_CURRENCY_ONLY.exec(rest))) {
    feeMain = m[0];
    isVnd = true;
  }
  rest = rest.slice(feeMain.length);
  const [note, afterNote] = feeMain && feeMain !== NO_INFO ? takeParenthetical(rest) : ['', rest];
  if (note && !free && (isVnd || amounts.length === 0)) {
    for (const a of note.matchAll(NOTE_AMOUNT)) {
      const n = parseAmount(a[1]);
      if (n >= 1000 && !amounts.includes(n)) amounts.push(n);
    }
  }
  const feeText = oneLine([feeMain === NO_INFO ? '' : feeMain, note].filter(Boolean).join(' '));
  const description = cleanText(afterNote);
  const info: ChannelInfo = { channel, timeText: oneLine(timeText), feeText, feeAmounts: amounts, free };
  const time = parseTime(timeText);
  if (time) info.time = time;
  if (description) info.description = description;
  return info;
}

/** `cach_thuc_thuc_hien` → one entry per table row (a channel may have several rows). */
export function parseChannels(text: string): ChannelInfo[] {
  const s = cleanText(text).replace(CHANNEL_HEADER, '');
  if (!s) return [];
  const starts = [...s.matchAll(CHANNEL_ROW)];
  const out: ChannelInfo[] = [];
  starts.forEach((m, i) => {
    const begin = m.index! + m[0].length;
    const end = i + 1 < starts.length ? starts[i + 1].index! : s.length;
    out.push(parseChannelRow(CHANNEL_BY_NAME[m[1]], s.slice(begin, end)));
  });
  return out;
}

// ---------------------------------------------------------------- documents

const DOC_HEADER = /Tên giấy tờ\s*Mẫu đơn, tờ khai\s*Số lượng/;
/**
 * "1 bản chính", "0 bản chính,1 bản sao", "2 bản sao", not followed by a
 * lowercase continuation ("nộp 02 bản chính tờ khai…" is inside a name).
 */
const QUANTITY = /(\d+)\s*bản (chính|sao)(?:\s*,\s*(\d+)\s*bản sao)?(?!\s*\p{Ll})/gu;
const FORM_FILE = /\.(?:docx?|pdf|xlsx?|rtf|odt|zip)$/i;
const GLUE_POINT = /(?<=[\p{Ll})\];])(?=[\p{Lu}\d])/gu;

function cleanTitle(s: string): string {
  return oneLine(s)
    .replace(/^[-*•+\s]+/, '')
    .replace(/[:\s]+$/, '')
    .trim();
}

function splitForm(row: string): RequiredDocument {
  const name = row.replace(/^[-•+*]\s*/, '').trim();
  if (!FORM_FILE.test(name)) return { name };
  const windowStart = Math.max(1, name.length - 150);
  for (const g of name.matchAll(GLUE_POINT)) {
    if (g.index! < windowStart) continue;
    const docName = name.slice(0, g.index).trim();
    const form = name.slice(g.index).trim();
    if (docName) return { name: docName, form };
  }
  return { name };
}

interface QuantityMatch {
  start: number;
  end: number;
  quantity: string;
}

function findQuantities(body: string): QuantityMatch[] {
  const out: QuantityMatch[] = [];
  for (const m of body.matchAll(QUANTITY)) {
    let start = m.index!;
    let count = m[1];
    // Digits glued to the name ("…ngày 24/07/20231 bản chính"): only the last digit counts.
    if (count.length > 2 || (start > 0 && body[start - 1] === '/')) {
      start += count.length - 1;
      count = count.slice(-1);
    }
    const quantity = m[3] !== undefined ? `${count} bản chính, ${m[3]} bản sao` : `${count} bản ${m[2]}`;
    out.push({ start, end: m.index! + m[0].length, quantity });
  }
  return out;
}

function parseRows(body: string): { documents: RequiredDocument[]; tail: string } {
  const documents: RequiredDocument[] = [];
  let cursor = 0;
  for (const q of findQuantities(body)) {
    const row = oneLine(body.slice(cursor, q.start));
    cursor = q.end;
    if (!row) continue;
    documents.push({ ...splitForm(row), quantity: q.quantity });
  }
  return { documents, tail: body.slice(cursor) };
}

/** `thanh_phan_ho_so` → groups by case heading ("Giấy tờ phải nộp", "Trường hợp …"). */
export function parseDocumentGroups(text: string): DocumentGroup[] {
  const s = cleanText(text);
  if (!s) return [];
  const parts = s.split(DOC_HEADER);
  if (parts.length === 1) {
    const { documents } = parseRows(s);
    return documents.length ? [{ title: '', documents }] : [];
  }
  const groups: DocumentGroup[] = [];
  let title = cleanTitle(parts[0]);
  for (let i = 1; i < parts.length; i++) {
    const { documents, tail } = parseRows(parts[i]);
    const isLast = i === parts.length - 1;
    if (isLast) {
      const leftover = oneLine(tail).replace(/^[-•+*]\s*/, '');
      if (leftover.length > 3) documents.push(splitForm(leftover));
    }
    if (documents.length) groups.push({ title, documents });
    if (!isLast) title = cleanTitle(tail);
  }
  return groups;
}

// ---------------------------------------------------------------- steps

/** `trinh_tu_thuc_hien` → steps; hard-wrapped lines are joined back. */
export function parseSteps(text: string): string[] {
  let s = cleanText(text);
  if (!s) return [];
  if (!s.includes('\n')) s = s.replace(/\s+(?=(?:[-+]\s*)?Bước \d+\s*[:.])/g, '\n');
  const steps: string[] = [];
  for (const rawLine of s.split('\n')) {
    const line = oneLine(rawLine).replace(/^[-•]\s*/, '');
    if (!line) continue;
    const prev = steps[steps.length - 1];
    const continues = prev !== undefined && (/^\p{Ll}/u.test(line) || /^(?:[a-zđ]\)\s*)?Bước \d+\s*[:.]?$/.test(prev));
    if (continues) steps[steps.length - 1] = `${prev} ${line}`;
    else steps.push(line);
  }
  return steps;
}

// ---------------------------------------------------------------- legal basis

const LEGAL_HEADER = /^Tên văn bản pháp lý\s*Mã văn bản/;
/** A document number: 123/2015/NĐ-CP, 54/2014/QH13, 53/2010/QĐ-TTg, 24/2024. */
const LEGAL_CODE = /\d{1,4}\/\d{4}(?:\/(?:[A-ZĐ]*QH\d{2}|TTg|[A-ZĐ]+)(?:-(?:[A-ZĐ]*QH\d{2}|TTg|[A-ZĐ]+))*)?/gu;
const CODE_CELL_PREFIX = /(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)?\s*[Ss]ố\s*$/;
const VI_ONSETS = new Set(['Th', 'Ph', 'Kh', 'Ch', 'Nh', 'Gh', 'Ng', 'Tr', 'Gi', 'Qu']);
const VI_VOWEL = /^[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/;

/** Give back a capital letter that starts the next glued title ("NĐ-CPNghị định" → "NĐ-CP"). */
function trimCode(code: string, next: string): string {
  const last = code[code.length - 1];
  if (!/[A-ZĐ]/.test(last) || !next || !/\p{Ll}/u.test(next[0])) return code;
  const head = code.slice(0, -1);
  if (!/[A-ZĐ]$/.test(head)) return code;
  if (VI_VOWEL.test(next) || VI_ONSETS.has(last + next[0])) return head;
  return code;
}

/** `can_cu_phap_ly` → (title, code) rows; a code glued to the following text ends a row. */
export function parseLegalBasis(text: string): LegalBasis[] {
  const s = oneLine(cleanText(text).replace(LEGAL_HEADER, ''));
  if (!s) return [];
  const matches = [...s.matchAll(LEGAL_CODE)].map((m) => {
    const code = trimCode(m[0], s.slice(m.index! + m[0].length));
    return { start: m.index!, end: m.index! + code.length, code };
  });
  const rows: LegalBasis[] = [];
  let cursor = 0;
  matches.forEach((m, i) => {
    const next = s[m.end];
    const nextIsCode = i + 1 < matches.length && matches[i + 1].start === m.end;
    const gluedBefore = m.start > 0 && !/[\s(]/.test(s[m.start - 1]);
    const endsRow =
      m.end >= s.length ||
      (!nextIsCode && next !== undefined && !/[\s,;:.)\]]/.test(next)) ||
      (gluedBefore && next === ' ' && /^\s+\p{Lu}/u.test(s.slice(m.end)));
    if (!endsRow) return;
    let title = s.slice(cursor, m.start);
    const prefix = CODE_CELL_PREFIX.exec(title);
    if (prefix && prefix[0].trim() && (prefix.index === 0 || /\S/.test(title[prefix.index - 1] ?? ''))) {
      title = title.slice(0, prefix.index);
    }
    title = oneLine(title).replace(/[\s:;,.-]+$/, '');
    rows.push({ title: title || m.code, code: m.code });
    cursor = m.end;
  });
  const tail = oneLine(s.slice(cursor));
  if (tail.length > 3) rows.push({ title: tail });
  // The code column sometimes repeats the title's number as its own row ("73/2025/TT-NHNNSố 73/2025/TT-NHNN").
  const out: LegalBasis[] = [];
  for (const row of rows) {
    const prev = out[out.length - 1];
    if (prev && row.code && prev.code === row.code) {
      if (row.title.length > prev.title.length && row.title !== row.code) out[out.length - 1] = row;
      continue;
    }
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------- result

const RESULT_JUNK = /Từ khóa|Mô tả(?:Không có thông tin)?|Chọn cơ quan thực hiện/;
const RESULT_CODE = /Mã:\s*\S*?(?=\p{Lu}\p{Ll}|\s|$)/gu;

/** `ket_qua_xu_ly` → result document names, without portal codes and form widgets. */
export function parseResult(text: string): string {
  const s = cleanText(text);
  if (!s) return '';
  const head = s.split(RESULT_JUNK)[0];
  const names = head
    .split(RESULT_CODE)
    .map((n) => oneLine(n).replace(/^[-•+]\s*/, '').replace(/[.;,\s]+$/, ''))
    .filter((n) => n && n !== NO_INFO);
  return [...new Set(names)].join('; ');
}

// ---------------------------------------------------------------- record

/** The code printed on the crawled page itself ("Mã thủ tục1.014023Số quyết định…"). */
export function pageCode(rawText: string): string | undefined {
  const m = /Mã thủ tục\s*([0-9A-Za-z.]+?)(?=Số quyết định|\s|$)/.exec(rawText);
  return m?.[1];
}

/**
 * Why a record is crawl noise, or undefined. The crawl sometimes saved another
 * procedure's page under a code, or a provincial announcement instead of a procedure.
 */
export function noiseReason(raw: RawRecord): string | undefined {
  const code = cleanText(raw.ma_thu_tuc);
  const name = oneLine(cleanText(raw.ten_thu_tuc));
  const onPage = typeof raw.raw_text === 'string' ? pageCode(raw.raw_text) : undefined;
  if (onPage && onPage !== code) return `the page describes procedure ${onPage}, not ${code}`;
  if (/^Công bố Danh mục\b.*thủ tục hành chính/i.test(name)) return 'an announcement of a procedure list, not a procedure';
  return undefined;
}

export function shortNameOf(name: string): string {
  const rest = name.replace(/^Thủ tục\s+/i, '').trim();
  return rest ? rest[0].toLocaleUpperCase('vi') + rest.slice(1) : name;
}

function rawStrings(raw: RawRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * One raw crawl record → a normalized Procedure, or `{ skipped }` for noise.
 * Throws only when the record has no code or name (the importer counts it as failed).
 */
export function parseRecord(raw: RawRecord, source = ''): ParseOutcome {
  const code = oneLine(cleanText(raw.ma_thu_tuc));
  const name = oneLine(cleanText(raw.ten_thu_tuc));
  if (!code) throw new Error('record has no ma_thu_tuc');
  if (!name) throw new Error(`record ${code} has no ten_thu_tuc`);
  const noise = noiseReason(raw);
  if (noise) return { skipped: noise };
  const agency = oneLine(cleanText(raw.co_quan_thuc_hien)) || oneLine(cleanText(raw.co_quan_co_tham_quyen));
  return {
    code,
    name,
    shortName: shortNameOf(name),
    levels: guard(() => parseLevels(String(raw.cap_thuc_hien ?? '')), []),
    field: oneLine(cleanText(raw.linh_vuc)),
    agency,
    subjects: oneLine(cleanText(raw.doi_tuong_thuc_hien)),
    decision: oneLine(cleanText(raw.so_quyet_dinh)),
    kind: oneLine(cleanText(raw.loai_thu_tuc)),
    channels: guard(() => parseChannels(String(raw.cach_thuc_thuc_hien ?? '')), []),
    documentGroups: guard(() => parseDocumentGroups(String(raw.thanh_phan_ho_so ?? '')), []),
    steps: guard(() => parseSteps(String(raw.trinh_tu_thuc_hien ?? '')), []),
    legalBasis: guard(() => parseLegalBasis(String(raw.can_cu_phap_ly ?? '')), []),
    result: guard(() => parseResult(String(raw.ket_qua_xu_ly ?? '')), ''),
    conditions: cleanText(raw.yeu_cau_dieu_kien),
    receptionAddress: cleanText(raw.dia_chi_tiep_nhan),
    portalUrl: cleanText(raw.detail_url),
    source,
    raw: rawStrings(raw),
  };
}

/** Like parseRecord, but a broken record becomes `{ failed }` instead of an exception. */
export function safeParseRecord(raw: unknown, source = ''): SafeParseOutcome {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { failed: 'not a JSON object' };
  try {
    const out = parseRecord(raw as RawRecord, source);
    return 'skipped' in out ? out : { procedure: out };
  } catch (err) {
    return { failed: err instanceof Error ? err.message : String(err) };
  }
}

/** Drop the page dump (raw_text) to keep the snapshot and the database small. */
export function compactProcedure(p: Procedure): Procedure {
  if (!('raw_text' in p.raw)) return p;
  const { raw_text: _dropped, ...raw } = p.raw;
  return { ...p, raw };
}
