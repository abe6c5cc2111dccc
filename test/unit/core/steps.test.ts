import { describe, expect, it } from 'vitest';
import { runSteps, runStepsAsync, type Steps } from '../../../src/core/steps.js';

function* countTo(n: number, seen: number[]): Steps<number> {
  let sum = 0;
  for (let i = 1; i <= n; i++) {
    sum += i;
    seen.push(i);
    yield;
  }
  return sum;
}

describe('stepped work', () => {
  it('runSteps runs every step at once and returns the result', () => {
    const seen: number[] = [];
    expect(runSteps(countTo(4, seen))).toBe(10);
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('runStepsAsync lets other callbacks run between steps', async () => {
    const seen: number[] = [];
    const order: string[] = [];
    const done = runStepsAsync(countTo(3, seen)).then((v) => order.push(`done ${v}`));
    // Queued once the job has started: it runs between two steps, not after the whole job.
    setImmediate(() => order.push(`other after step ${seen.length}`));
    await done;
    expect(order).toEqual(['other after step 2', 'done 6']);
  });
});
