import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { register } from './handlers.js';
import { createInquiriesApi, type InquiriesApiDeps } from './http.js';
import { createInboxConsole } from './console.js';

export { isStaffRequest, register } from './handlers.js';
export { offerToStaff, UNANSWERED_KEEP_MS } from './unanswered.js';
export { forgetTypicalWaits, recentMedianWaitMinutes } from './typical-wait.js';
export { answerInquiry, createInquiry, listOpenInquiries, newInquiryCode, openInquiry } from './service.js';
export { createInquiriesApi, type InquiriesApiDeps } from './http.js';
export { getInquiryStats, type InquiryStats, type InquiryStatsLine } from './stats.js';
export { inquiryStatsSection, inquiryStatsSheet } from './stats-view.js';

/**
 * "Gặp cán bộ": a resident's question is queued for staff with a code (chat),
 * staff list and answer them (HTTP), and the answer reaches the resident's chat.
 */
export const inquiriesModule: FeatureModule<AppContext, InquiriesApiDeps> = {
  name: 'inquiries',
  register: (router) => register(router),
  routes: (deps) => [createInquiriesApi(deps)],
  console: (deps) => createInboxConsole(deps),
};
