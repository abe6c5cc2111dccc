import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../dispatcher.js';
import { createOutboxApi, type OutboxApiDeps } from './http.js';

export { enqueueMessages, PULL_CHANNELS } from './enqueue.js';
export { listUndelivered, listWebChatUpdates } from './queries.js';
export { createOutboxApi, type OutboxApiDeps } from './http.js';

/**
 * The outbox as a module: no chat handlers, only the staff view of what could
 * not be delivered. Listed with the features so its routes mount like theirs.
 */
export const outboxModule: FeatureModule<AppContext, OutboxApiDeps> = {
  name: 'outbox',
  routes: (deps) => [createOutboxApi(deps)],
};
