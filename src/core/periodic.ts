import { errInfo } from './log-error.js';

/** What a periodic job needs to say when a run fails: only `error` (a pino logger or a test's recorder). */
export interface PeriodicJobLog {
  error(obj: object, msg: string): void;
}

export interface PeriodicJobOptions {
  /** Named in the log line of a failed run ("<name> failed; tried again at the next turn"). */
  name: string;
  /** The wait between the end of one run and the start of the next. */
  intervalMs: number;
  /** The wait before the first run after `start` (default `intervalMs`; 0 runs it at once). */
  firstRunMs?: number;
  /** One run. A rejection is logged (error class, code and a message cleaned of query parameters) and the job goes on. */
  run: () => Promise<unknown>;
  log: PeriodicJobLog;
}

/** A background job of the server, started and stopped with it. */
export interface PeriodicJob {
  /** Schedule the runs (a second start before stop does nothing). */
  start(): void;
  /**
   * Run now, whether started or not, and resolve when the run ends; never rejects (a failure is logged).
   * While a run is in progress, this waits for that run instead of starting another.
   */
  runNow(): Promise<void>;
  /** No further runs; resolves once a run in progress has ended. `start` may be called again afterwards. */
  stop(): Promise<void>;
}

/**
 * A job that runs every `intervalMs` in the background: at most one run at a
 * time (the next is scheduled once a run ends, so a slow run delays the next
 * instead of overlapping it), failures logged without personal data and tried
 * again at the next turn, timers that never keep the process alive, and a stop
 * that waits for the run in progress. The retention, the staff pinger, the
 * report photos, the notice sender and the runtime's recovery share it.
 */
export function createPeriodicJob(opts: PeriodicJobOptions): PeriodicJob {
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let running: Promise<void> | undefined;

  const runNow = (): Promise<void> =>
    (running ??= (async () => {
      try {
        await opts.run();
      } catch (error) {
        opts.log.error({ job: opts.name, err: errInfo(error) }, `${opts.name} failed; tried again at the next turn`);
      } finally {
        running = undefined;
      }
    })());

  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      void runNow().then(() => {
        if (started && !timer) schedule(opts.intervalMs);
      });
    }, ms);
    timer.unref();
  };

  return {
    start() {
      if (started) return;
      started = true;
      schedule(opts.firstRunMs ?? opts.intervalMs);
    },
    runNow,
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
