import { verifySecretHeader } from '../shared/secure-compare.js';

export const ZALOBOT_SECRET_HEADER = 'x-bot-api-secret-token';

/**
 * Check `X-Bot-Api-Secret-Token` against the `secret_token` given to
 * setWebhook, in constant time. The header carries a shared secret, not a
 * signature over the body. No configured secret means reject: an
 * unauthenticated webhook would let anyone inject messages.
 */
export function verifyZaloBotSecret(headers: Record<string, string | string[] | undefined>, secret: string | undefined): boolean {
  return verifySecretHeader(headers, ZALOBOT_SECRET_HEADER, secret);
}
