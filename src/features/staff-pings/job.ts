import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import { pingWaitingQuestions } from './service.js';

/** Looks for questions to tell linked staff about every `pollMs` (default 30 s) and kicks the delivery. */
export function createStaffPinger(opts: {
  db: Db;
  log: Logger;
  consoleUrl: string;
  deliver: (ids: number[]) => void;
  pollMs?: number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const turn = () => {
    running ??= pingWaitingQuestions(opts.db, { consoleUrl: opts.consoleUrl })
      .then((ids) => {
        if (ids.length) opts.deliver(ids);
      })
      .catch((error: unknown) => opts.log.error({ err: errInfo(error) }, 'staff pings failed; tried again at the next turn'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    start() {
      timer = setInterval(turn, opts.pollMs ?? 30_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
