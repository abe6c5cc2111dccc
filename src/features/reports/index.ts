import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../../pipeline/context.js';
import { register, reportsState } from './handlers.js';

export { isReportPhrase } from './handlers.js';
export { START_ACTION as REPORT_START_ACTION } from './flow.js';

/** What the reports module needs from the application. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ReportsModuleDeps {}

/**
 * Residents' reports of local problems (phản ánh, kiến nghị; issue 18 items
 * 6–7): a resident reports a street light out, flooding, rubbish… in the chat
 * with a description, a location and photos, and gets a PA- code.
 */
export const reportsModule: FeatureModule<AppContext, ReportsModuleDeps> = {
  name: 'reports',
  state: [reportsState],
  register: (router) => register(router),
};
