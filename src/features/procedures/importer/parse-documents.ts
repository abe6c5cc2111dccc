// The documents a procedure asks for, in their groups (part of parse.ts).
import type { DocumentGroup, RequiredDocument } from '../types.js';
import { cleanText, oneLine } from './text.js';

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
