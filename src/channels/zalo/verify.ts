import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue } from '../shared/secure-compare.js';

export const ZALO_SIGNATURE_HEADER = 'x-zevent-signature';

export interface ZaloVerifyConfig {
  appId?: string;
  /** OA id; also read from the event body (recipient.id / oa_id) when not configured. */
  oaId?: string;
  /** The OA Secret Key (what Chatwoot and the Vietnamese guides use). */
  oaSecretKey?: string;
  /** The app secret (what one spec says). Tried as a second key. */
  appSecret?: string;
  /**
   * Accepted distance between the body's `timestamp` and now. Generous by
   * default (90 min) because Zalo is reported to redeliver a failed webhook
   * with the original body for up to an hour; replays inside the window are
   * deduplicated on msg_id anyway.
   */
  replayWindowMs?: number;
  now?: () => number;
}

export type ZaloVerifyResult =
  | { ok: true; variant: string }
  | { ok: false; reason: 'no_secret' | 'missing_signature' | 'bad_body' | 'stale_timestamp' | 'mismatch' };

/**
 * Verify `X-ZEvent-Signature`. The documented form is
 * `sha256hex(appId + rawBody + timestamp + oaSecretKey)` with `timestamp`
 * taken from the JSON body. Parts of that are UNVERIFIED (platforms.md §1.7),
 * so the verifier also accepts: an optional `mac=` prefix; the OA id instead
 * of the app id as first term; the app secret instead of the OA secret key;
 * HMAC-SHA256 keyed by the secret over `first + rawBody + timestamp`. It
 * compares in constant time and reports which variant matched, so the caller
 * can log it and, once a live OA confirms the form, narrow the list.
 */
export function verifyZaloSignature(
  input: { rawBody: Buffer | string; headers: Record<string, string | string[] | undefined> },
  config: ZaloVerifyConfig,
): ZaloVerifyResult {
  const keys = [
    ['oa_secret', config.oaSecretKey],
    ['app_secret', config.appSecret],
  ].filter((k): k is [string, string] => Boolean(k[1]));
  if (!keys.length) return { ok: false, reason: 'no_secret' };

  const header = headerValue(input.headers, ZALO_SIGNATURE_HEADER)?.trim();
  if (!header) return { ok: false, reason: 'missing_signature' };
  const hasMac = /^mac=/i.test(header);
  const given = (hasMac ? header.slice(4) : header).trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(given)) return { ok: false, reason: 'mismatch' };

  const raw = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'bad_body' };
  }
  // `null`, a number or an array is valid JSON but no event (it used to throw here: a 500).
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'bad_body' };
  const timestamp = typeof body.timestamp === 'number' ? String(body.timestamp) : body.timestamp;
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp)) return { ok: false, reason: 'bad_body' };
  const now = config.now?.() ?? Date.now();
  const window = config.replayWindowMs ?? 90 * 60_000;
  if (Math.abs(now - Number(timestamp)) > window) return { ok: false, reason: 'stale_timestamp' };

  const firsts: [string, string][] = [];
  const bodyAppId = typeof body.app_id === 'string' ? body.app_id : undefined;
  const appId = config.appId ?? bodyAppId;
  if (appId) firsts.push(['app_id', appId]);
  const oaId = config.oaId ?? bodyOaId(body);
  if (oaId && oaId !== appId) firsts.push(['oa_id', oaId]);

  const givenBuf = Buffer.from(given, 'hex');
  let matched: string | undefined;
  for (const [firstName, first] of firsts) {
    for (const [keyName, key] of keys) {
      const plain = createHash('sha256')
        .update(first + raw + timestamp + key, 'utf8')
        .digest();
      const hmac = createHmac('sha256', key)
        .update(first + raw + timestamp, 'utf8')
        .digest();
      // Evaluate every candidate (no early exit), so timing does not depend on which one matches.
      if (timingSafeEqual(plain, givenBuf) && !matched) matched = `sha256:${firstName}:${keyName}`;
      if (timingSafeEqual(hmac, givenBuf) && !matched) matched = `hmac:${firstName}:${keyName}`;
    }
  }
  if (!matched) return { ok: false, reason: 'mismatch' };
  return { ok: true, variant: hasMac ? `${matched}:mac_prefix` : matched };
}

/** The documented signature (for tests and fakes): `sha256hex(appId + rawBody + timestamp + secret)`. */
export function signZaloEvent(rawBody: string, appId: string, secret: string): string {
  const ts = String((JSON.parse(rawBody) as { timestamp?: string | number }).timestamp ?? '');
  return createHash('sha256')
    .update(appId + rawBody + ts + secret, 'utf8')
    .digest('hex');
}

function bodyOaId(body: Record<string, unknown>): string | undefined {
  if (typeof body.oa_id === 'string') return body.oa_id;
  const recipient = body.recipient as { id?: unknown } | undefined;
  return typeof recipient?.id === 'string' ? recipient.id : undefined;
}
