import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  newTotpSecret,
  openSecret,
  sealSecret,
  totpStep,
  totpUri,
} from '../../src/staff/totp.js';

/** RFC 6238 appendix B, the SHA-1 rows (8 digits, secret "12345678901234567890"). */
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  it.each(RFC_VECTORS)('gives the RFC code at %i s', (t, code) => {
    expect(hotp(RFC_SECRET, totpStep(t * 1000), 8)).toBe(code);
  });

  it('gives the RFC 4226 HOTP values (six digits)', () => {
    expect([0, 1, 2, 9].map((c) => hotp(RFC_SECRET, c))).toEqual(['755224', '287082', '359152', '520489']);
  });

  it('round-trips base32 as authenticator apps read it', () => {
    expect(base32Encode(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezd gnbv gy3t qojq gezd gnbv gy3t qojq')).toEqual(RFC_SECRET);
    expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('accepts a code one step either side of now, not two, and never a step already used', () => {
    const secret = base32Encode(RFC_SECRET);
    const now = 1111111111_000;
    const at = (d: number) => hotp(RFC_SECRET, totpStep(now) + d);
    expect(matchTotp(secret, at(0), { now })).toBe(totpStep(now));
    expect(matchTotp(secret, at(-1), { now })).toBe(totpStep(now) - 1);
    expect(matchTotp(secret, at(1), { now })).toBe(totpStep(now) + 1);
    expect(matchTotp(secret, at(2), { now })).toBeUndefined();
    expect(matchTotp(secret, at(-2), { now })).toBeUndefined();
    expect(matchTotp(secret, at(0), { now, lastStep: totpStep(now) })).toBeUndefined();
    expect(matchTotp(secret, '12345', { now })).toBeUndefined();
    expect(matchTotp(secret, `${at(0).slice(0, 3)} ${at(0).slice(3)}`, { now })).toBe(totpStep(now));
  });

  it('writes the otpauth address apps expect', () => {
    expect(totpUri('ABCD', { account: 'an.nguyen', issuer: 'Trợ lý Xã' })).toBe(
      'otpauth://totp/Tr%E1%BB%A3%20l%C3%BD%20X%C3%A3%3Aan.nguyen?secret=ABCD&issuer=Tr%E1%BB%A3+l%C3%BD+X%C3%A3&algorithm=SHA1&digits=6&period=30',
    );
  });

  it('seals secrets at rest: readable only with the same data secret and for the same account', () => {
    const sealed = sealSecret('data-secret-thu', 'JBSWY3DPEHPK3PXP', 'totp:7');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openSecret('data-secret-thu', sealed, 'totp:7')).toBe('JBSWY3DPEHPK3PXP');
    expect(openSecret('data-secret-thu', sealed, 'totp:8')).toBeUndefined();
    expect(openSecret('other-secret', sealed, 'totp:7')).toBeUndefined();
    expect(openSecret('data-secret-thu', sealed.slice(0, -2) + 'AA', 'totp:7')).toBeUndefined();
  });
});
