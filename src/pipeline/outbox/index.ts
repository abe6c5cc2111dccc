// Every read and write of outbound_messages goes through this folder: queueing (enqueue.ts for what a
// use-case queues: notifications, staff answers, the apology; statements.ts for the processing statements'
// replies), delivery (delivery.ts), a notice's unconfirmed copies reopened at staff's request (reopen.ts) and the
// staff and web chat queries (queries.ts, http.ts). A proactive
// message (a notification, a staff answer) is the one without an inbound_id.
import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../context.js';
import { createOutboxApi, type OutboxApiDeps } from './http.js';
import { createUndeliveredConsole } from './console.js';

export { enqueueBroadcast, enqueueMessages, PULL_CHANNELS } from './enqueue.js';
export { listPulledReplies, listUndelivered } from './queries.js';
export { createOutboxApi, type OutboxApiDeps } from './http.js';
export { countOutboxStatuses, eraseReplyContents, listChatRepliesBefore, listRepliesTo, outboxPendingStats } from './queries.js';
export { reopenUnconfirmed } from './reopen.js';
export { isUnconfirmed, UNCERTAIN_SEND } from './delivery-store.js';
export { queueBatchReplies, queueRepliesOf, type BatchReplyRow, type LeasedOutbound } from './statements.js';
export {
  createDeliveryWorker,
  NOTICE_COPY,
  type AdapterRegistry,
  type DeliveryOptions,
  type DeliveryWorker,
} from './delivery.js';
export type { FileResolver } from './file-refs.js';

/**
 * The outbox as a module: no chat handlers, only the staff view of what could
 * not be delivered. Listed with the features so its routes mount like theirs.
 */
export const outboxModule: FeatureModule<AppContext, OutboxApiDeps> = {
  name: 'outbox',
  routes: (deps) => [createOutboxApi(deps)],
  console: (deps) => createUndeliveredConsole(deps),
};
