/**
 * Long CPU work written once, run two ways. A build written as a generator
 * that `yield`s between slices of its input runs to completion at once with
 * `runSteps` (start-up, benchmarks, tests) or, with `runStepsAsync`, gives the
 * event loop back at every `yield`, so a rebuild of seconds of CPU on the
 * server thread delays residents' requests by one slice, not by the whole build.
 */
export type Steps<T> = Generator<void, T, void>;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export async function runStepsAsync<T>(steps: Steps<T>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
