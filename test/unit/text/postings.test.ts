import { describe, expect, it } from 'vitest';
import { PostingsBuilder } from '../../../src/text/postings.js';

describe('packed postings', () => {
  it('gives each key its documents once, in order, and nothing for unknown keys', () => {
    const b = new PostingsBuilder();
    for (const [key, doc] of [
      ['khai sinh', 0],
      ['khai sinh', 0],
      ['kết hôn', 1],
      ['khai sinh', 2],
      ['khai sinh', 5],
      ['kết hôn', 5],
    ] as const)
      b.add(`${key.split(' ')[0]} ${key.split(' ')[1]}`, doc);
    const p = b.build();
    expect([...p.get('khai sinh')!]).toEqual([0, 2, 5]);
    expect([...p.get('kết hôn')!]).toEqual([1, 5]);
    expect(p.count('khai sinh')).toBe(3);
    expect(p.get('khai tử')).toBeUndefined();
    expect(p.count('khai tử')).toBe(0);
    expect(p.has('kết hôn')).toBe(true);
    expect([...p.keys()].sort()).toEqual(['khai sinh', 'kết hôn']);
    expect(p.size).toBe(2);
  });

  it('keeps an empty index usable', () => {
    const p = new PostingsBuilder().build();
    expect(p.size).toBe(0);
    expect(p.get('a')).toBeUndefined();
  });
});
