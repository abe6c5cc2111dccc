import { secureEqual } from '../../core/secure-compare.js';

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
