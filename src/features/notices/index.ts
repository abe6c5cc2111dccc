import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../../pipeline/context.js';
import { register } from './handlers.js';
import { createNoticesConsole } from './console.js';
import { createNoticesApi, type NoticesApiDeps } from './http.js';

export { createNoticeSender, type NoticeSender } from './sender.js';
export { resolveNoticeFile } from './attachments.js';
export { isRecentPhrase, isSubscribePhrase, isUnsubscribePhrase, START_ACTION as NOTICES_START_ACTION } from './handlers.js';
export { DEFAULT_TOPICS } from './service.js';

/** What the notices module needs from the application. */
export type NoticesModuleDeps = NoticesApiDeps;

/**
 * Notices from the commune to residents (issue 17): residents subscribe in the
 * chat by hamlet and topic; staff compose, target, send now or schedule, and
 * read the delivery report in the console or the API; each recipient's copy
 * goes through the outbox at broadcast priority with an idempotency key.
 */
export const noticesModule: FeatureModule<AppContext, NoticesModuleDeps> = {
  name: 'notices',
  register: (router) => register(router),
  routes: (deps) => [createNoticesApi(deps)],
  console: (deps) => createNoticesConsole(deps),
};
