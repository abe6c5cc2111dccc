/**
 * Pure parsers for one record of the national procedure catalog crawl
 * (see shared/data/tthc-national/SOURCE.md). The crawl flattened HTML tables
 * into text without separators, so each parser re-finds the row boundaries
 * from what the portal always prints (channel names, "N bản chính", legal
 * document numbers). Every parser is total: bad input yields empty output,
 * never an exception.
 */
import type { LegalBasis, Procedure, ProcedureLevel } from '../types.js';
import { parseChannels } from './parse-channels.js';
import { parseDocumentGroups } from './parse-documents.js';
import { cleanText, guard, NO_INFO, oneLine } from './text.js';

export { cleanText } from './text.js';
export { parseChannels, parseTime } from './parse-channels.js';
export { parseDocumentGroups } from './parse-documents.js';

export type RawRecord = Record<string, unknown>;
export type ParseOutcome = Procedure | { skipped: string };
export type SafeParseOutcome = { procedure: Procedure } | { skipped: string } | { failed: string };

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
    .map((n) =>
      oneLine(n)
        .replace(/^[-•+]\s*/, '')
        .replace(/[.;,\s]+$/, ''),
    )
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
