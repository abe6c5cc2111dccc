import { describe, expect, it } from 'vitest';
import { PhraseIndex } from '../../../src/text/phrase-index.js';

describe('phrases found in a tokenized message', () => {
  const index = new PhraseIndex<string>([
    ['khai sinh', 'birth'],
    ['dang ky khai sinh', 'registration'],
    ['dang ky', 'register'],
    ['ly hon', 'divorce'],
    ['ly hon', 'divorce, again'],
  ]);
  const tokens = 'toi muon dang ky khai sinh cho con'.split(' ');

  it('gives the phrases starting at a position, longest first', () => {
    expect(index.at(tokens, 2).map((m) => [m.key, m.length, m.value])).toEqual([
      ['dang ky khai sinh', 4, 'registration'],
      ['dang ky', 2, 'register'],
    ]);
    expect(index.at(tokens, 4).map((m) => m.key)).toEqual(['khai sinh']);
    expect(index.at(tokens, 0)).toEqual([]);
  });

  it('does not match a phrase cut off by the end of the message', () => {
    expect(index.at(['dang', 'ky', 'khai'], 0).map((m) => m.key)).toEqual(['dang ky']);
  });

  it('finds every phrase anywhere, overlapping ones included', () => {
    expect([...index.allIn(tokens)].sort()).toEqual(['dang ky', 'dang ky khai sinh', 'khai sinh']);
    expect(index.allIn('ly hon roi'.split(' '))).toEqual(new Set(['ly hon']));
  });

  it('keeps the last value given for a phrase, like a map', () => {
    expect(index.at(['ly', 'hon'], 0)[0].value).toBe('divorce, again');
  });
});
