import { describe, expect, it } from 'vitest';
import { cleanText, foldPhrase, MAX_TEXT_LENGTH, splitText } from '../../../src/core/text-input.js';

describe('cleanText', () => {
  it('turns NFD Vietnamese into NFC', () => {
    const nfd = 'đăng ký khai sinh'.normalize('NFD');
    expect(nfd).not.toBe('đăng ký khai sinh');
    expect(cleanText(nfd)).toBe('đăng ký khai sinh');
  });
  it('removes control characters and zero-width marks, collapses whitespace', () => {
    expect(cleanText('  gặp\u0000 cán\u200b bộ\n\n\tnhé\u0007 ')).toBe('gặp cán bộ nhé');
  });
  it('keeps emoji', () => {
    expect(cleanText('chào 👋🏽')).toBe('chào 👋🏽');
  });
  it('caps very long input', () => {
    expect(cleanText('a'.repeat(100_000)).length).toBe(MAX_TEXT_LENGTH);
  });
  it('handles empty and nullish', () => {
    expect(cleanText('')).toBe('');
    expect(cleanText(undefined)).toBe('');
    expect(cleanText(' \n ')).toBe('');
  });
});

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('ngắn', 10)).toEqual(['ngắn']);
  });
  it('splits at paragraph, line or word boundaries within the limit', () => {
    const text = Array.from({ length: 50 }, (_, i) => `Dòng thứ ${i + 1} của câu trả lời dài.`).join('\n');
    const parts = splitText(text, 200);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(200);
    expect(parts.join('\n')).toBe(text);
  });
  it('hard-cuts a single huge word', () => {
    const parts = splitText('x'.repeat(450), 200);
    expect(parts.map((p) => p.length)).toEqual([200, 200, 50]);
  });
});

describe('foldPhrase', () => {
  it.each([
    ['Gặp Cán Bộ!', 'gap can bo'],
    ['ĐĂNG KÝ', 'dang ky'],
    ['bắt   đầu', 'bat dau'],
  ])('%s -> %s', (input, expected) => {
    expect(foldPhrase(input)).toBe(expected);
  });
});
