import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time string comparison (hashing first hides the length). */
export function secureEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** First value of a Node header (case-insensitive lookup). */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== lower) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * A shared-secret webhook header (Telegram, Zalo Bot Platform) against the
 * configured secret, in constant time. No configured secret means reject: an
 * unauthenticated webhook would let anyone inject messages.
 */
export function verifySecretHeader(
  headers: Record<string, string | string[] | undefined>,
  name: string,
  secret: string | undefined,
): boolean {
  if (!secret) return false;
  const got = headerValue(headers, name);
  if (!got) return false;
  return secureEqual(got, secret);
}
