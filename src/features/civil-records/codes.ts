import { createHash, randomBytes, randomInt } from 'node:crypto';

/** No 0/O, 1/I/L: a code read aloud over the phone or typed from a screenshot stays unambiguous. */
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** `BS-` and six random characters (31^6 ≈ 887 million): guessing one is hopeless, and useless from another chat. */
export function newRequestCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `BS-${s}`;
}

/** A request code as residents type it ("bs 7k2q9x", "BS-7K2Q9X"), normalised; undefined when there is none. */
export function findRequestCode(text: string): string | undefined {
  const m = /\bBS[\s-]?([0-9A-Z]{6})\b/i.exec(text);
  return m ? `BS-${m[1].toUpperCase()}` : undefined;
}

/** A verify or download token: 32 random bytes, URL-safe. Only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A token as it may appear in a URL: anything else is refused before the database is asked. */
export const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Province codes that open a 12-digit CCCD / personal identification number
 * (the 63 provinces' codes before the 2025 merger, still printed on every card).
 */
const PROVINCE_CODES = new Set(
  (
    '001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 040 042 ' +
    '044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 ' +
    '089 091 092 093 094 095 096'
  ).split(' '),
);

/**
 * Form check of a CCCD number: 12 digits, a province code, a century-and-sex
 * digit for 1900–2099 (0–3), and a birth year not in the future. It says the
 * number is well formed, not that it belongs to the requester: staff check that.
 */
export function checkIdNumber(input: string, now: Date): { ok: true; value: string } | { ok: false; reason: 'digits' | 'form' } {
  const value = input.replace(/[\s.-]/g, '');
  if (!/^\d{12}$/.test(value)) return { ok: false, reason: 'digits' };
  if (!PROVINCE_CODES.has(value.slice(0, 3))) return { ok: false, reason: 'form' };
  const century = Number(value[3]);
  if (century > 3) return { ok: false, reason: 'form' };
  const year = (century < 2 ? 1900 : 2000) + Number(value.slice(4, 6));
  if (year > now.getUTCFullYear()) return { ok: false, reason: 'form' };
  return { ok: true, value };
}

/** "0012******01": what staff lists and logs-free summaries show of an identification number. */
export function maskIdNumber(value: string | null | undefined): string {
  if (!value) return '—';
  return `${value.slice(0, 4)}******${value.slice(-2)}`;
}
