import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatcher } from '../../../src/pipeline/batcher.js';
import { StalledError } from '../../../src/core/time-box.js';
import { metricsRegistry } from '../../../src/core/metrics.js';

/** A `run` whose batches finish only when the test says so, recording every batch it was given. */
function controlledRun<I, O>(answer: (item: I) => O) {
  const batches: I[][] = [];
  const pending: { items: I[]; finish(): void; fail(error: unknown): void }[] = [];
  const run = (items: I[]) =>
    new Promise<O[]>((resolve, reject) => {
      batches.push([...items]);
      pending.push({ items, finish: () => resolve(items.map(answer)), fail: reject });
    });
  /** Finish the oldest unfinished batch and let the batcher react. */
  async function finishNext(): Promise<void> {
    const next = pending.shift();
    if (!next) throw new Error('no batch is running');
    next.finish();
    await settle();
  }
  return { run, batches, finishNext, running: () => pending.length };
}

/** Let promise callbacks (the batcher's bookkeeping after a batch) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

afterEach(() => {
  vi.useRealTimers();
});

describe('batcher', () => {
  it('runs a lone item at once, as a batch of one', async () => {
    const r = controlledRun((n: number) => n * 10);
    const add = createBatcher({ run: r.run });
    const result = add(1);
    expect(r.batches).toEqual([[1]]);
    await r.finishNext();
    await expect(result).resolves.toBe(10);
  });

  it('sends items that arrive while a batch runs together in the next batch', async () => {
    const r = controlledRun((n: number) => n * 10);
    const add = createBatcher({ run: r.run, maxConcurrent: 1 });
    const results = [add(1), add(2), add(3), add(4)];
    expect(r.batches).toEqual([[1]]);
    await r.finishNext();
    expect(r.batches).toEqual([[1], [2, 3, 4]]);
    await r.finishNext();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    expect(r.batches).toHaveLength(2);
  });

  it("delivers each caller its own result, in the batch's order", async () => {
    const r = controlledRun((s: string) => s.toUpperCase());
    const add = createBatcher({ run: r.run });
    const first = add('đầu');
    const rest = ['an', 'bình', 'hòa', 'lộc'].map((s) => add(s));
    await r.finishNext();
    await r.finishNext();
    expect(await first).toBe('ĐẦU');
    expect(await Promise.all(rest)).toEqual(['AN', 'BÌNH', 'HÒA', 'LỘC']);
  });

  it('never puts more than maxBatch items in one batch', async () => {
    const r = controlledRun((n: number) => n);
    const add = createBatcher({ run: r.run, maxBatch: 2, maxConcurrent: 1 });
    const results = [1, 2, 3, 4, 5, 6].map((n) => add(n));
    while (r.running()) await r.finishNext();
    expect(r.batches).toEqual([[1], [2, 3], [4, 5], [6]]);
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('runs up to maxConcurrent batches at once', async () => {
    const r = controlledRun((n: number) => n);
    const add = createBatcher({ run: r.run, maxConcurrent: 2 });
    const results = [1, 2, 3, 4].map((n) => add(n));
    expect(r.batches).toEqual([[1], [2]]);
    expect(r.running()).toBe(2);
    await r.finishNext();
    expect(r.batches).toEqual([[1], [2], [3, 4]]);
    while (r.running()) await r.finishNext();
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
  });

  it('retries a failing batch item by item, so only the poisoned item fails its caller', async () => {
    const batches: string[][] = [];
    let releaseFirst!: () => void;
    const firstDone = new Promise<void>((r) => (releaseFirst = r));
    const add = createBatcher<string, string>({
      run: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await firstDone;
        if (items.includes('poison')) throw new Error('the database refused it');
        return items.map((s) => `ok:${s}`);
      },
    });
    const lone = add('first');
    const a = add('a');
    const bad = add('poison');
    const c = add('c');
    releaseFirst();
    await expect(lone).resolves.toBe('ok:first');
    await expect(a).resolves.toBe('ok:a');
    await expect(bad).rejects.toThrow('the database refused it');
    await expect(c).resolves.toBe('ok:c');
    expect(batches).toEqual([['first'], ['a', 'poison', 'c'], ['a'], ['poison'], ['c']]);
  });

  it('treats a batch that returns the wrong number of results as failed and retries each item', async () => {
    const batches: number[][] = [];
    let releaseFirst!: () => void;
    const firstDone = new Promise<void>((r) => (releaseFirst = r));
    const add = createBatcher<number, number>({
      run: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await firstDone;
        return items.length > 1 ? items.slice(1) : items.map((n) => n + 100);
      },
    });
    const results = [add(1), add(2), add(3)];
    releaseFirst();
    expect(await Promise.all(results)).toEqual([101, 102, 103]);
    expect(batches).toEqual([[1], [2, 3], [2], [3]]);
  });

  it('rejects a lone failing item without retrying it', async () => {
    let calls = 0;
    const add = createBatcher<number, number>({
      run: async () => {
        calls++;
        throw new Error('refused');
      },
    });
    await expect(add(1)).rejects.toThrow('refused');
    expect(calls).toBe(1);
  });

  describe('linger', () => {
    it('does not hold a lone item at low load', async () => {
      vi.useFakeTimers();
      const r = controlledRun((n: number) => n);
      const add = createBatcher({ run: r.run, lingerMs: 1_000 });
      const first = add(1);
      // Ran before any timer fired: no linger.
      expect(r.batches).toEqual([[1]]);
      await r.finishNext();
      await expect(first).resolves.toBe(1);
      // Quiet for longer than the linger: the next lone item also goes at once.
      await vi.advanceTimersByTimeAsync(1_500);
      const second = add(2);
      expect(r.batches).toEqual([[1], [2]]);
      await r.finishNext();
      await expect(second).resolves.toBe(2);
    });

    it('under load, holds the next batch up to lingerMs so later items can join it', async () => {
      vi.useFakeTimers();
      const r = controlledRun((n: number) => n);
      const add = createBatcher({ run: r.run, lingerMs: 1_000, maxConcurrent: 2 });
      const results = [add(1)];
      expect(r.batches).toEqual([[1]]);
      // A batch is running: the second item waits for others instead of starting a batch of one.
      results.push(add(2));
      expect(r.batches).toEqual([[1]]);
      await vi.advanceTimersByTimeAsync(400);
      results.push(add(3));
      expect(r.batches).toEqual([[1]]);
      await vi.advanceTimersByTimeAsync(600);
      expect(r.batches).toEqual([[1], [2, 3]]);
      while (r.running()) await r.finishNext();
      expect(await Promise.all(results)).toEqual([1, 2, 3]);
    });

    it('stops lingering as soon as a full batch is waiting', async () => {
      vi.useFakeTimers();
      const r = controlledRun((n: number) => n);
      const add = createBatcher({ run: r.run, lingerMs: 1_000, maxBatch: 3, maxConcurrent: 2 });
      const results = [add(1), add(2), add(3)];
      expect(r.batches).toEqual([[1]]);
      results.push(add(4));
      expect(r.batches).toEqual([[1], [2, 3, 4]]);
      while (r.running()) await r.finishNext();
      expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
    });
  });

  describe('idle', () => {
    it('resolves at once when nothing is queued or running', async () => {
      const add = createBatcher<number, number>({ run: async (items) => items });
      await expect(add.idle()).resolves.toBeUndefined();
    });

    it('resolves only after every queued and running batch has finished', async () => {
      const r = controlledRun((n: number) => n);
      const add = createBatcher({ run: r.run, maxBatch: 2 });
      const results = [1, 2, 3, 4].map((n) => add(n));
      let idle = false;
      const idled = add.idle().then(() => {
        idle = true;
      });
      await r.finishNext();
      expect(idle).toBe(false);
      await r.finishNext();
      expect(idle).toBe(false);
      await r.finishNext();
      await idled;
      expect(idle).toBe(true);
      expect(r.batches).toEqual([[1], [2, 3], [4]]);
      expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
    });

    it('waits for a running batch even when nothing is queued behind it', async () => {
      const r = controlledRun((n: number) => n);
      const add = createBatcher({ run: r.run });
      const result = add(7);
      let idle = false;
      const idled = add.idle().then(() => {
        idle = true;
      });
      await settle();
      expect(idle).toBe(false);
      await r.finishNext();
      await idled;
      expect(idle).toBe(true);
      await expect(result).resolves.toBe(7);
    });

    it('waits for the item-by-item retries of a failed batch', async () => {
      let releaseFirst!: () => void;
      const firstDone = new Promise<void>((r) => (releaseFirst = r));
      const retried: number[] = [];
      let calls = 0;
      const add = createBatcher<number, number>({
        run: async (items) => {
          calls++;
          if (calls === 1) await firstDone;
          if (items.length > 1) throw new Error('batch refused');
          await new Promise((r) => setTimeout(r, 5));
          retried.push(items[0]);
          return items;
        },
      });
      const results = [add(1), add(2), add(3)];
      releaseFirst();
      await add.idle();
      expect(retried.sort()).toEqual([1, 2, 3]);
      expect(await Promise.all(results)).toEqual([1, 2, 3]);
    });
  });

  describe('a batch that never settles (stallMs)', () => {
    it('rejects its callers with a StalledError after stallMs and frees its slot, so the next batch runs', async () => {
      const batches: number[][] = [];
      const add = createBatcher<number, number>({
        maxConcurrent: 1,
        stallMs: 40,
        name: 'batcher-test',
        run: (items) => {
          batches.push([...items]);
          // The first batch is lost (a query the driver never settles); later ones answer.
          return batches.length === 1 ? new Promise<number[]>(() => {}) : Promise.resolve(items.map((n) => n * 2));
        },
      });
      const lost = add(1);
      const queued = add(2); // waits behind the only slot
      await expect(lost).rejects.toBeInstanceOf(StalledError);
      await expect(queued).resolves.toBe(4);
      // Not retried item by item: a stall is not a poisoned item.
      expect(batches).toEqual([[1], [2]]);
      // Counted for the operator, under the batcher's name.
      expect(await metricsRegistry.getSingleMetricAsString('troly_stalled_total')).toContain(
        'troly_stalled_total{work="batcher-test"} 1',
      );
    });

    it('never rejects a batch that settles in time', async () => {
      const add = createBatcher<number, number>({ stallMs: 1_000, run: async (items) => items });
      await expect(add(5)).resolves.toBe(5);
    });
  });
});
