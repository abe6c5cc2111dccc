import type { FeatureModule } from '../../core/feature.js';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { createPingsConsole } from './console.js';
import { register } from './handlers.js';

export { createStaffPinger } from './job.js';
export { newLinkCode, pingWaitingQuestions, useLinkCode } from './service.js';

/**
 * Staff pings (issue 15): a staff member links their own Telegram or Zalo chat
 * with a one-time code from the console, and the bot tells them when questions
 * wait in the inbox (the runtime runs the pinger).
 */
export const staffPingsModule: FeatureModule<AppContext, { db: Db }> = {
  name: 'staff-pings',
  register: (router) => register(router),
  console: (deps) => createPingsConsole(deps),
};
