import { headerValue, secureEqual } from '../shared/secure-compare.js';

export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/**
 * Check `X-Telegram-Bot-Api-Secret-Token` against the secret given to
 * setWebhook, in constant time. No configured secret means reject: an
 * unauthenticated webhook would let anyone inject updates.
 */
export function verifyTelegramSecret(
  headers: Record<string, string | string[] | undefined>,
  secret: string | undefined,
): boolean {
  if (!secret) return false;
  const got = headerValue(headers, TELEGRAM_SECRET_HEADER);
  if (!got) return false;
  return secureEqual(got, secret);
}
