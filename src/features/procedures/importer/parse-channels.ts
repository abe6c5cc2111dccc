// How and where a procedure is submitted, and its time limit and fee per channel (part of parse.ts).
import type { ChannelInfo, SubmissionChannel } from '../types.js';
import { cleanText, NO_INFO, oneLine } from './text.js';

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
      unit === 'ngày làm việc'
        ? 'ngày làm việc'
        : unit === 'ngày'
          ? 'ngày'
          : unit === 'giờ'
            ? 'giờ'
            : unit === 'tháng'
              ? 'tháng'
              : 'khác';
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
