import type { Logger } from '../../core/logger.js';
import { createPeriodicJob, type PeriodicJob } from '../../core/periodic.js';
import type { Db } from '../../db/client.js';
import { pingWaitingQuestions } from './service.js';

/** Looks for questions to tell linked staff about every `pollMs` (default 30 s) and kicks the delivery. */
export function createStaffPinger(opts: {
  db: Db;
  log: Logger;
  consoleUrl: string;
  deliver: (ids: number[]) => void;
  pollMs?: number;
}): PeriodicJob {
  return createPeriodicJob({
    name: 'staff pings',
    intervalMs: opts.pollMs ?? 30_000,
    log: opts.log,
    run: async () => {
      const ids = await pingWaitingQuestions(opts.db, { consoleUrl: opts.consoleUrl });
      if (ids.length) opts.deliver(ids);
    },
  });
}
