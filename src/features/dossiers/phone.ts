import { createHmac } from 'node:crypto';

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
