import { describe, expect, it } from 'vitest';
import { normalizeDomesticPhone, normalizePhone } from '../../../src/core/phone.js';

describe('normalizePhone: shared numbers become 0xxxxxxxxx', () => {
  it.each([
    ['84912345678', '0912345678'],
    ['+84912345678', '0912345678'],
    ['+84 912 345 678', '0912345678'],
    ['0912345678', '0912345678'],
    ['091 234 5678', '0912345678'],
    ['912345678', '0912345678'],
    ['0084912345678', '0912345678'],
    ['842838123456', '02838123456'],
    ['+12025550143', '+12025550143'],
  ])('%s -> %s', (input, out) => {
    expect(normalizePhone(input)).toBe(out);
  });

  it.each([[''], [undefined], ['abc'], ['123']])('rejects %s', (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });
});

describe('normalizeDomesticPhone: an applicant phone on a dossier is Vietnamese', () => {
  it.each([
    ['+84 912 345 678', '0912345678'],
    ['0912 345 678', '0912345678'],
    ['0084912345678', '0912345678'],
    ['912345678', '0912345678'],
    ['02838123456', '02838123456'],
  ])('%s -> %s', (input, out) => {
    expect(normalizeDomesticPhone(input)).toBe(out);
  });

  it.each([['+12025550143'], ['12'], [''], ['091234567890']])('rejects %s', (input) => {
    expect(normalizeDomesticPhone(input)).toBeUndefined();
  });
});
