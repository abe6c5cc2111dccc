import { describe, expect, it } from 'vitest';
import { editDistanceAtMost, phoneticKey } from '../../../src/text/typos.js';

describe('phonetic keys of folded words', () => {
  it.each([
    ['chung', 'trung'],
    ['xinh', 'sinh'],
    ['giay', 'day'],
    ['ky', 'ki'],
    ['ngiep', 'nghiep'],
    ['chet', 'chec'],
  ])('"%s" and "%s" share a key', (a, b) => {
    expect(phoneticKey(a)).toBe(phoneticKey(b));
  });

  it('tells apart words that sound apart', () => {
    expect(phoneticKey('sinh')).not.toBe(phoneticKey('tinh'));
    expect(phoneticKey('hon')).not.toBe(phoneticKey('ho'));
  });

  it('is pure: the same word always gets the same key, however many words came before', () => {
    expect(phoneticKey('trich')).toBe('chiT');
    for (let i = 0; i < 1_000; i++) phoneticKey(`tu${i.toString(36)}`);
    expect(phoneticKey('trich')).toBe('chiT');
    expect(phoneticKey('nghieng'.repeat(3))).toBe('ngiengnghiengnghieN');
  });
});

describe('bounded edit distance', () => {
  it('counts up to the bound and says "more" beyond it', () => {
    expect(editDistanceAtMost('khai', 'khai', 1)).toBe(0);
    expect(editDistanceAtMost('khia', 'khai', 2)).toBe(1); // a swap of two letters is one edit
    expect(editDistanceAtMost('sanh', 'sinh', 1)).toBe(1);
    expect(editDistanceAtMost('a', 'khai', 1)).toBe(2);
  });
});
