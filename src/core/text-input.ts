import { foldVietnamese } from './fold.js';

/** Maximum characters of resident text we process; longer input is cut. */
export const MAX_TEXT_LENGTH = 4000;

/**
 * Clean resident text at the boundary: Unicode NFC (Vietnamese arrives in NFC
 * or NFD), control characters removed (tab/newline become spaces), whitespace
 * collapsed, length capped. Pure.
 */
export function cleanText(input: string | undefined | null): string {
  if (!input) return '';
  let s = wellFormed(input).normalize('NFC');
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u2028\u2029\uFEFF]/g, '');
  s = s
    .replace(/[\t\r\n]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (s.length > MAX_TEXT_LENGTH) s = s.slice(0, MAX_TEXT_LENGTH);
  return s;
}

/**
 * A lone UTF-16 surrogate (JSON can carry "\ud800") is not text: PostgreSQL refuses it inside jsonb and
 * it cannot be encoded as UTF-8. Each becomes U+FFFD, as a UTF-8 decoder would do.
 */
export function wellFormed(input: string): string {
  return input.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** Split text into chunks of at most `limit` characters, preferring paragraph, line, then word breaks. */
export function splitText(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const out: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = window.lastIndexOf('\n\n');
    if (cut < limit * 0.5) cut = window.lastIndexOf('\n');
    if (cut < limit * 0.5) cut = window.lastIndexOf(' ');
    if (cut < limit * 0.3) cut = limit;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length) out.push(rest);
  return out;
}

let lastFolded = { input: '', output: '' };

/** Lowercase, strip Vietnamese diacritics (đ→d), collapse spaces. For matching fixed phrases. */
export function foldPhrase(input: string): string {
  // The router's matchers fold the same message text one after another: remember the last one.
  if (input === lastFolded.input) return lastFolded.output;
  const output = foldVietnamese(input)
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  lastFolded = { input, output };
  return output;
}

/** What a platform id may look like: digits, letters and a few separators, at most 128 characters. */
const PLATFORM_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;

/**
 * A platform id (chat, user, message) as a string, or undefined when it could not be one: too long, or with
 * characters the database would refuse (NUL, a lone surrogate) or no platform sends. A message whose id is
 * refused is acknowledged and dropped, never recorded (issue 19: such payloads were redelivered for ever).
 * Numbers are accepted only as safe integers (Telegram's ids); a Zalo id as a number has already lost digits.
 */
export function platformId(v: unknown, opts: { numbers?: boolean } = {}): string | undefined {
  if (opts.numbers && typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  return typeof v === 'string' && PLATFORM_ID.test(v) ? v : undefined;
}

/**
 * A JSON.parse reviver for request bodies: strings made valid for the database (lone surrogates become
 * U+FFFD, NUL is dropped, which PostgreSQL refuses in text), so a hostile byte is never a 500. Other
 * characters are kept: each field's own validation decides what it accepts.
 */
export function validTextReviver(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? storable(value, '') : value;
}

/**
 * The reviver for platform webhooks: lone surrogates and NUL both become U+FFFD, so every field can be stored
 * (a NUL in an attachment's name was a 503 and a redelivery for ever) while an id that carried one stays an id
 * no platform sends, which the channel's parser drops.
 */
export function webhookReviver(_key: string, value: unknown): unknown {
  return typeof value === 'string' ? storable(value, '\uFFFD') : value;
}

/** Text PostgreSQL accepts: lone surrogates as U+FFFD, each NUL as `nul`. */
function storable(value: string, nul: string): string {
  return wellFormed(value).replaceAll('\u0000', nul);
}
