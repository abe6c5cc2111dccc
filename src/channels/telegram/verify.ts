import { verifySecretHeader } from '../shared/secure-compare.js';

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
  return verifySecretHeader(headers, TELEGRAM_SECRET_HEADER, secret);
}
