import { randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a code read aloud over the phone or typed from a screenshot stays unambiguous. */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** Six characters of the alphabet, in either case when matched with the `i` flag. */
const CODE_BODY = `[${CODE_ALPHABET}]{6}`;
const CODE_IN_TEXT = new RegExp(String.raw`\bPA(?:[\s-](${CODE_BODY})|(${CODE_BODY}))\b`, 'gi');
const CODE_ALONE = new RegExp(String.raw`^\s*PA[\s-]?(${CODE_BODY})\s*$`, 'i');

/** `PA-` and six random characters: guessing one is hopeless, and useless from another chat. */
export function newReportCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `PA-${s}`;
}

/**
 * A report code as residents type it ("pa 7k2q9x", "PA-7K2Q9X", "pa7k2q9x"), normalised; undefined when there is
 * none. Only the code's own letters count, and a digit must be among them unless typed as the bot wrote it
 * ("PA" in capitals, or "pa-" with its dash in any case) or after "mã": "passport", "PAYMENTS" and "pa nguyen" are
 * words, not codes.
 */
export function findReportCode(text: string): string | undefined {
  for (const m of text.matchAll(CODE_IN_TEXT)) {
    // Letters only after a separator: as the bot wrote it ("PA-ABCDEF", "pa-abcdef") or after "mã", not "pa nguyen".
    const named = /\bm[aã]\s*$/i.test(text.slice(0, m.index));
    const lettersOk = m[0].startsWith('PA') || m[0][2] === '-' || named;
    const code = m[1] !== undefined ? (/\d/.test(m[1]) || lettersOk ? m[1] : undefined) : /\d/.test(m[2]) ? m[2] : undefined;
    if (code) return `PA-${code.toUpperCase()}`;
  }
  return undefined;
}

/** A field that holds only a report code (the console's "merge into"), in any case, with or without the dash. */
export function parseReportCode(value: string): string | undefined {
  const m = CODE_ALONE.exec(value);
  return m ? `PA-${m[1].toUpperCase()}` : undefined;
}

export const CATEGORIES = ['streetlight', 'flooding', 'rubbish', 'road', 'noise', 'order', 'other'] as const;
export type ReportCategory = (typeof CATEGORIES)[number];

/** The categories as residents and staff read them. */
export const CATEGORY_LABELS: Record<ReportCategory, string> = {
  streetlight: 'Đèn đường',
  flooding: 'Ngập nước',
  rubbish: 'Rác thải',
  road: 'Đường hư hỏng',
  noise: 'Tiếng ồn',
  order: 'Trật tự',
  other: 'Khác',
};

export const STATUSES = ['received', 'in_progress', 'done', 'not_ours', 'merged'] as const;
export type ReportStatus = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<ReportStatus, string> = {
  received: 'Đã tiếp nhận',
  in_progress: 'Đang xử lý',
  done: 'Đã xử lý xong',
  not_ours: 'Không thuộc thẩm quyền xã',
  merged: 'Đã gộp',
};

/** Open reports: they count against a chat's cap and wait in the staff queue. */
export const OPEN_STATUSES: readonly ReportStatus[] = ['received', 'in_progress'];

/** The category named in folded text ("den duong hong", "ngap"), if any. */
export function categoryFromText(folded: string): ReportCategory | undefined {
  if (/\b(den duong|den dien|bong den|cot den|den chieu sang)\b/.test(folded)) return 'streetlight';
  if (/\b(ngap|ngap nuoc|ngap ung|nuoc dong|cong nghet|tac cong|nghet cong)\b/.test(folded)) return 'flooding';
  if (/\b(rac|rac thai|do rac|vut rac|bai rac|xe rac)\b/.test(folded)) return 'rubbish';
  if (/\b(o ga|o voi|duong hu|duong hong|hu hong duong|duong sut|sut lun|lo cot|mat duong|cau hu|cau hong)\b/.test(folded))
    return 'road';
  if (/\b(tieng on|on ao|gay on|hat karaoke|karaoke|loa keo|on qua)\b/.test(folded)) return 'noise';
  // Fights, theft and crimes go to the police (the procedures' scope answer says so), not to a report.
  if (/\b(mat trat tu|trat tu|tu tap|lan chiem|lan chiem via he|buon ban lan chiem)\b/.test(folded)) return 'order';
  return undefined;
}

/** Degrees as a platform sends them (number or numeric string), when within the WGS 84 range. */
export function coordinate(v: unknown, max: 90 | 180): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) <= max ? n : undefined;
}

/** The OpenStreetMap page of a point, zoomed to the street. */
export function mapLink(latitude: number, longitude: number): string {
  const lat = latitude.toFixed(6);
  const lon = longitude.toFixed(6);
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=18/${lat}/${lon}`;
}
