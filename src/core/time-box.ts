/**
 * A bound on work that should take milliseconds but could wait for ever: a database driver can lose track of
 * a query whose connection the server cut (issue 19's connection-cut test saw a recording statement and a
 * processing transaction never settle, with every database session idle). The caller gets a StalledError
 * after `ms` and moves on; the work itself cannot be cancelled and runs on, its late outcome ignored. Only
 * for work that is safe to abandon and redo: recording is idempotent (the platform redelivers, the insert
 * skips the copy) and processing holds the conversation's advisory lock and takes only unprocessed messages.
 */
import { countStall } from './metrics.js';

export class StalledError extends Error {
  readonly code = 'stalled';
  constructor(what: string, ms: number) {
    super(`${what} did not settle within ${ms} ms`);
    this.name = 'StalledError';
  }
}

/** `kind` names the work in `troly_stalled_total` (a few fixed names; `what` may carry counts). */
export function timeBox<T>(work: Promise<T>, ms: number, what: string, kind = 'other'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      countStall(kind);
      reject(new StalledError(what, ms));
    }, ms);
  });
  // An abandoned piece of work that fails later must not become an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, stalled]).finally(() => clearTimeout(timer));
}
