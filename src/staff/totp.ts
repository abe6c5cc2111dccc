import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The optional second factor: TOTP as RFC 6238 defines it (HMAC-SHA-1,
 * 30-second steps, 6 digits), the same as every authenticator app. Written
 * on Node's crypto (about forty lines, checked against the RFC's test
 * vectors) rather than adding a dependency.
 */
export const TOTP_STEP_S = 30;
export const TOTP_DIGITS = 6;
/** Codes one step before and after now are accepted too (a phone's clock drifts). */
export const TOTP_WINDOW = 1;

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error('not base32');
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** HOTP (RFC 4226) of a counter, `digits` long, with the given HMAC hash. */
export function hotp(key: Buffer, counter: number, digits = TOTP_DIGITS, algorithm = 'sha1'): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(bin).padStart(digits, '0');
}

export const totpStep = (nowMs: number) => Math.floor(nowMs / 1000 / TOTP_STEP_S);

/** A new random secret (160 bits, as RFC 4226 recommends), in base32 as apps expect it. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/**
 * The step a code matches within ±{@link TOTP_WINDOW} steps of now, newer than
 * `lastStep` (a code already used is refused), or undefined.
 */
export function matchTotp(secretB32: string, code: string, opts: { now?: number; lastStep?: number | null } = {}) {
  const given = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(given)) return undefined;
  const key = base32Decode(secretB32);
  const now = totpStep(opts.now ?? Date.now());
  let found: number | undefined;
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    if (opts.lastStep != null && step <= opts.lastStep) continue;
    // Every candidate is compared, in constant time, so timing tells nothing about which one matched.
    if (timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(given)) && found === undefined) found = step;
  }
  return found;
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secretB32: string, opts: { account: string; issuer: string }): string {
  const label = encodeURIComponent(`${opts.issuer}:${opts.account}`);
  const q = new URLSearchParams({
    secret: secretB32,
    issuer: opts.issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_S),
  });
  return `otpauth://totp/${label}?${q.toString()}`;
}

/**
 * Secrets at rest: AES-256-GCM with a key derived (HKDF-SHA-256) from the
 * installation's data secret, bound to its purpose and account (`aad`), so a
 * copy of the database alone gives no one the codes, and a value cannot be
 * moved to another account. Format `v1.<iv>.<ciphertext>.<tag>` (base64url).
 */
function keyFor(dataSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataSecret, 'tro-ly-xa', 'staff-totp-secret', 32));
}

export function sealSecret(dataSecret: string, plain: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(dataSecret), iv);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The plain secret, or undefined when the value was tampered with, belongs elsewhere or the key changed. */
export function openSecret(dataSecret: string, sealed: string, aad: string): string | undefined {
  const [v, iv, ct, tag] = sealed.split('.');
  if (v !== 'v1' || !iv || !ct || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(dataSecret), Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined; // authentication failed: treat as no secret
  }
}

/** What each sealed value is for: the stored secret, and one being enrolled (carried in the form until confirmed). */
export const storedAad = (staffId: number) => `totp:${staffId}`;
export const enrolAad = (staffId: number, sessionId: string) => `totp-enrol:${staffId}:${sessionId}`;

/**
 * The pending second step of a sign-in: which account gave the right
 * password, until when, signed with the data secret (a cookie, no table).
 * The password's change time is bound in, so a reset ends it.
 */
export function pendingLoginToken(secret: string, staffId: number, passwordChangedAt: Date, expiresMs: number): string {
  const body = `${staffId}.${expiresMs}`;
  const mac = createHmac('sha256', secret).update(`staff-totp-login:${body}:${passwordChangedAt.getTime()}`).digest('base64url');
  return `${body}.${mac}`;
}

export function readPendingLogin(
  token: string | undefined,
  nowMs = Date.now(),
): { staffId: number; expiresMs: number } | undefined {
  const m = /^(\d{1,10})\.(\d{1,15})\.[\w-]{43}$/.exec(token ?? '');
  if (!m) return undefined;
  const expiresMs = Number(m[2]);
  if (expiresMs < nowMs) return undefined;
  return { staffId: Number(m[1]), expiresMs };
}

export function pendingLoginValid(secret: string, token: string, passwordChangedAt: Date): boolean {
  const p = readPendingLogin(token);
  if (!p) return false;
  const expected = Buffer.from(pendingLoginToken(secret, p.staffId, passwordChangedAt, p.expiresMs));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
