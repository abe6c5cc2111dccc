import { createHmac } from 'node:crypto';

/** Domestic digits of a Vietnamese phone number ("+84 912 345 678" → "0912345678"), or undefined. */
export function normalizeApplicantPhone(input: string): string | undefined {
  let digits = input.replace(/\D/g, '');
  if (digits.startsWith('0084')) digits = `0${digits.slice(4)}`;
  else if (digits.startsWith('84') && (digits.length === 11 || digits.length === 12)) digits = `0${digits.slice(2)}`;
  else if (!digits.startsWith('0') && digits.length === 9) digits = `0${digits}`;
  if (!/^0\d{8,10}$/.test(digits)) return undefined;
  return digits;
}

/** The stored form of the last four digits. Bound to the commune and code so equal digits never look alike. */
export function phoneDigitsHmac(key: string | Buffer, communeId: number, code: string, last4: string): string {
  return createHmac('sha256', key).update(`dossier-phone-v1\n${communeId}\n${code}\n${last4}`).digest('hex');
}

/** "0912345678" → "091x xxx xxx": the carrier prefix only, none of the verification digits. */
export function phoneHint(phone: string): string {
  const rest = phone.length - 3;
  const masked = 'x'.repeat(rest);
  return `${phone.slice(0, 3)}${masked.slice(0, 1)} ${masked.slice(1, 4)} ${masked.slice(4)}`.trim();
}

// ---------------------------------------------------------------- input schemas
