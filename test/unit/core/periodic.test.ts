import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPeriodicJob } from '../../../src/core/periodic.js';

/** A `run` whose runs end only when the test says so. */
function controlledRun() {
  const pending: { finish(): void; fail(error: unknown): void }[] = [];
  let calls = 0;
  const run = () =>
    new Promise<void>((resolve, reject) => {
      calls++;
      pending.push({ finish: resolve, fail: reject });
    });
  return {
    run,
    calls: () => calls,
    running: () => pending.length,
    finish: async () => {
      pending.shift()!.finish();
      await vi.advanceTimersByTimeAsync(0);
    },
    fail: async (error: unknown) => {
      pending.shift()!.fail(error);
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

function recordingLog() {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, error: (obj: object, msg: string) => lines.push({ obj, msg }) };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a periodic job', () => {
  it('runs first after firstRunMs, then intervalMs after each run has ended', async () => {
    vi.useFakeTimers();
    const r = controlledRun();
    const job = createPeriodicJob({ name: 'test job', intervalMs: 1_000, firstRunMs: 100, run: r.run, log: recordingLog() });
    job.start();
    await vi.advanceTimersByTimeAsync(99);
    expect(r.calls()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls()).toBe(1);
    // The run takes 5 s: no second run meanwhile, whatever the interval.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(r.calls()).toBe(1);
    await r.finish();
    await vi.advanceTimersByTimeAsync(999);
    expect(r.calls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls()).toBe(2);
    await r.finish();
    await job.stop();
  });

  it('waits intervalMs for the first run when firstRunMs is not given, and runs at once with 0', async () => {
    vi.useFakeTimers();
    const slow = controlledRun();
    const atOnce = controlledRun();
    const a = createPeriodicJob({ name: 'a', intervalMs: 500, run: slow.run, log: recordingLog() });
    const b = createPeriodicJob({ name: 'b', intervalMs: 500, firstRunMs: 0, run: atOnce.run, log: recordingLog() });
    a.start();
    b.start();
    await vi.advanceTimersByTimeAsync(0);
    expect([slow.calls(), atOnce.calls()]).toEqual([0, 1]);
    await vi.advanceTimersByTimeAsync(500);
    expect(slow.calls()).toBe(1);
    await slow.finish();
    await atOnce.finish();
    await Promise.all([a.stop(), b.stop()]);
  });

  it('never runs twice at once: runNow during a run waits for that run', async () => {
    vi.useFakeTimers();
    const r = controlledRun();
    const job = createPeriodicJob({ name: 'test job', intervalMs: 1_000, firstRunMs: 0, run: r.run, log: recordingLog() });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    let joined = false;
    const now = job.runNow().then(() => (joined = true));
    await vi.advanceTimersByTimeAsync(0);
    expect([r.calls(), joined]).toEqual([1, false]);
    await r.finish();
    await now;
    expect([r.calls(), joined]).toEqual([1, true]);
    await job.stop();
  });

  it('runs on demand without being started', async () => {
    const calls: number[] = [];
    const job = createPeriodicJob({ name: 'test job', intervalMs: 1_000, run: async () => calls.push(1), log: recordingLog() });
    await job.runNow();
    await job.runNow();
    expect(calls).toHaveLength(2);
  });

  it('logs a failed run by name without the values in its message, and runs again at the next turn', async () => {
    vi.useFakeTimers();
    const r = controlledRun();
    const log = recordingLog();
    const job = createPeriodicJob({ name: 'retention', intervalMs: 1_000, firstRunMs: 0, run: r.run, log });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    await r.fail(new Error('Failed query: update inquiries set question = $1\nparams: Nguyễn Văn A,0900000111'));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0].msg).toBe('retention failed; tried again at the next turn');
    expect(log.lines[0].obj).toMatchObject({ job: 'retention', err: { message: 'database query failed' } });
    expect(JSON.stringify(log.lines)).not.toMatch(/0900000111|Nguyễn/);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(r.calls()).toBe(2);
    await r.finish();
    await job.stop();
  });

  it('stops: the run in progress is awaited and no run follows', async () => {
    vi.useFakeTimers();
    const r = controlledRun();
    const job = createPeriodicJob({ name: 'test job', intervalMs: 1_000, firstRunMs: 0, run: r.run, log: recordingLog() });
    job.start();
    await vi.advanceTimersByTimeAsync(0);
    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    await r.finish();
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.calls()).toBe(1);
  });

  it('starts again after a stop, and a second start does not double the runs', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const job = createPeriodicJob({
      name: 'test job',
      intervalMs: 1_000,
      run: async () => {
        calls++;
      },
      log: recordingLog(),
    });
    job.start();
    job.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toBe(3);
    await job.stop();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toBe(3);
    job.start();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(4);
    await job.stop();
  });

  it('never keeps the process alive: its timer is unref’d', async () => {
    const refTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = refTimers();
    const job = createPeriodicJob({ name: 'test job', intervalMs: 3_600_000, run: async () => {}, log: recordingLog() });
    job.start();
    expect(refTimers()).toBe(before);
    await job.stop();
  });
});
