/**
 * Find one-stop receipt codes (`{agency id}-{yyMMdd}-{NNNN}`, domain notes §4)
 * in whatever a resident sends: the code typed or pasted with words around
 * it, in lower case, with spaces or other dashes, full-width digits, or the
 * text of the receipt's QR code (a bare code, a portal link with the code in
 * the query, or a small JSON object). Pure.
 */

/** Agency identifier `xxx.yy.zz.Hnn`, e.g. 000.33.12.H56. */
export const AGENCY_ID_RE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
/** A canonical receipt code. */
export const DOSSIER_CODE_RE = /^(\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(\d{2})(\d{2})(\d{2})-(\d{4})$/;

export type CodeMatch =
  /** A full code, canonical form. */
  | { kind: 'full'; code: string }
  /** Only `yyMMdd-NNNN`: the commune's own agency id must be prefixed. */
  | { kind: 'short'; tail: string };

const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/g;
const SEP_DOT = String.raw`(?:\s*[.,·]\s*|\s+)`;
const SEP_DASH = String.raw`(?:\s*[-_/]\s*|\s+)`;
const FULL_RE = new RegExp(
  String.raw`(?<![\dA-Z])(\d{3})${SEP_DOT}(\d{2})${SEP_DOT}(\d{2})${SEP_DOT}([A-Z])\s?(\d{2})${SEP_DASH}(\d{6})${SEP_DASH}(\d{4})(?!\d)`,
  'g',
);
const SHORT_RE = /(?<![\d.\-A-Z])(\d{6})\s*-\s*(\d{4})(?![\d-])/g;

/** Is yyMMdd a real calendar date? (The code's middle part is the receipt date.) */
export function isValidCodeDate(yyMMdd: string): boolean {
  const yy = Number(yyMMdd.slice(0, 2));
  const mm = Number(yyMMdd.slice(2, 4));
  const dd = Number(yyMMdd.slice(4, 6));
  if (mm < 1 || mm > 12 || dd < 1) return false;
  const days = new Date(Date.UTC(2000 + yy, mm, 0)).getUTCDate();
  return dd <= days;
}

/** The canonical code if `input` is exactly one receipt code (any case, stray spaces); otherwise undefined. */
export function normalizeDossierCode(input: string): string | undefined {
  const s = prepare(input).trim();
  const found = findCodes(s);
  if (found.length !== 1 || found[0].kind !== 'full') return undefined;
  // The whole input must be the code (used for URL parameters and imports, not chat text).
  const compact = s.replace(/\s+/g, '');
  return compact.length <= found[0].code.length + 4 ? found[0].code : undefined;
}

/** All receipt codes in a message, in order of appearance, without duplicates. */
export function parseDossierCodes(text: string): CodeMatch[] {
  if (!text) return [];
  const candidates = [text];
  const decoded = tryDecodeUri(text);
  if (decoded !== text) candidates.push(decoded);
  const out: CodeMatch[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    for (const m of findCodes(prepare(c))) {
      const key = m.kind === 'full' ? m.code : m.tail;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(m);
      }
    }
  }
  // A short form that is the tail of a full code found in the same text is the same code.
  return out.filter((m) => m.kind === 'full' || !out.some((f) => f.kind === 'full' && f.code.endsWith(`-${m.tail}`)));
}

/** Does the text contain something that looks like a receipt code? (Cheap; for routing.) */
export function looksLikeDossierCode(text: string): boolean {
  return parseDossierCodes(text).length > 0;
}

/** Complete a short `yyMMdd-NNNN` with the commune's agency id. */
export function completeCode(match: CodeMatch, agencyId: string | null | undefined): string | undefined {
  if (match.kind === 'full') return match.code;
  if (!agencyId || !AGENCY_ID_RE.test(agencyId.toUpperCase())) return undefined;
  return `${agencyId.toUpperCase()}-${match.tail}`;
}

function prepare(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(DASHES, '-');
}

function findCodes(s: string): CodeMatch[] {
  const hits: { at: number; end: number; match: CodeMatch }[] = [];
  for (const m of s.matchAll(FULL_RE)) {
    const [whole, a, b, c, letter, n, date, seq] = m;
    if (!isValidCodeDate(date)) continue;
    hits.push({
      at: m.index,
      end: m.index + whole.length,
      match: { kind: 'full', code: `${a}.${b}.${c}.${letter}${n}-${date}-${seq}` },
    });
  }
  for (const m of s.matchAll(SHORT_RE)) {
    const [, date, seq] = m;
    if (!isValidCodeDate(date)) continue;
    if (hits.some((h) => m.index >= h.at && m.index < h.end)) continue; // inside a full code
    hits.push({ at: m.index, end: m.index + m[0].length, match: { kind: 'short', tail: `${date}-${seq}` } });
  }
  return hits.sort((x, y) => x.at - y.at).map((h) => h.match);
}

function tryDecodeUri(text: string): string {
  if (!/%[0-9A-Fa-f]{2}/.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // Not valid percent-encoding: the raw text is all we have.
    return text;
  }
}
