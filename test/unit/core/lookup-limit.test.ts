import { describe, expect, it } from 'vitest';
import { defineLookupLimiter } from '../../../src/core/lookup-limit.js';
import type { ConversationState } from '../../../src/core/types.js';

const HOUR = 60 * 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 11, 7, 8, 0) + minutes * 60_000);
const emptyState = (): ConversationState => ({ flow: null, data: {} });

describe('a per-chat limit on failed lookups', () => {
  const limiter = defineLookupLimiter('lookupLimitTest', { max: 3, windowMs: HOUR });

  it('lets a chat miss max times within the window, then refuses until the oldest miss is an hour old', () => {
    const state = emptyState();
    for (const minute of [0, 10, 20]) {
      expect(limiter.exhausted(state, at(minute))).toBe(false);
      limiter.miss(state, at(minute));
    }
    expect(limiter.exhausted(state, at(30))).toBe(true);
    expect(limiter.exhausted(state, at(59))).toBe(true);
    // The 08:00 miss has left the window: one more lookup is allowed.
    expect(limiter.exhausted(state, at(60))).toBe(false);
    expect(state.data.lookupLimitTest).toEqual({ misses: [at(10).toISOString(), at(20).toISOString()] });
  });

  it('keeps the misses in its own slice, in the stored shape, next to other keys', () => {
    const state: ConversationState = { flow: null, data: { other: { misses: ['x'] } } };
    limiter.miss(state, at(0));
    expect(state.data).toEqual({ other: { misses: ['x'] }, lookupLimitTest: { misses: [at(0).toISOString()] } });
    expect(limiter.slice.key).toBe('lookupLimitTest');
  });

  it('reads what an earlier version stored, and drops misses that are not a list of times', () => {
    const stored: ConversationState = { flow: null, data: { lookupLimitTest: { misses: [at(0).toISOString()], kept: 1 } } };
    limiter.miss(stored, at(1));
    expect(stored.data.lookupLimitTest).toEqual({ misses: [at(0).toISOString(), at(1).toISOString()], kept: 1 });
    const broken: ConversationState = { flow: null, data: { lookupLimitTest: { misses: 'lots' } } };
    expect(limiter.exhausted(broken, at(0))).toBe(false);
    expect(broken.data.lookupLimitTest).toEqual({ misses: [] });
  });

  it('claims its state key once: two features cannot share one limiter by mistake', () => {
    expect(() => defineLookupLimiter('lookupLimitTest', { max: 1, windowMs: HOUR })).toThrow(/already claimed/);
  });
});
