import { describe, expect, it } from 'vitest';
import { toSearchable } from '../../../src/features/procedures/engine.js';
import { buildIndexData } from '../../../src/text/index-data.js';
import { editDistanceAtMost, phoneticKey } from '../../../src/text/typos.js';
import { catalogProcedures } from './catalog.js';

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

  it('are what the index keeps for every word of the catalog names', () => {
    const data = buildIndexData(catalogProcedures().map(toSearchable));
    let words = 0;
    for (const w of data.name.keys()) {
      expect(data.keyOf(w)).toBe(phoneticKey(w));
      words++;
    }
    expect(words).toBeGreaterThan(500);
    expect(data.keyOf('trich')).toBe('chiT'); // a word the catalog has
    expect(data.keyOf('xzq')).toBe(phoneticKey('xzq')); // and one it lacks
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
