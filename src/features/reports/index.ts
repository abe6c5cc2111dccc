import type { FeatureModule } from '../../core/feature.js';
import type { AppContext } from '../../pipeline/context.js';
import { register, reportsState } from './handlers.js';
import { createReportsApi, type ReportsApiDeps } from './http.js';
import { createReportsConsole } from './console.js';

export { isReportPhrase } from './handlers.js';
export { START_ACTION as REPORT_START_ACTION } from './flow.js';
export { createReportPhotos, type ReportPhotos, type ReportPhotosOptions } from './photos.js';
export type { PhotoDownloader } from './photo-worker.js';
export { cleanPhoto, PhotoRejected, sniffImage } from './photo-image.js';

/** What the reports module needs from the application. */
export type ReportsModuleDeps = ReportsApiDeps;

/**
 * Residents' reports of local problems (phản ánh, kiến nghị; issue 18 items
 * 6–7): a resident reports a street light out, flooding, rubbish… in the chat
 * with a description, a location and photos, and gets a PA- code; staff
 * assign it, move it through received → in progress → done (or not the
 * commune's, saying where to go) and merge duplicates, and every reporter of
 * the problem hears each change on their own channel through the outbox.
 */
export const reportsModule: FeatureModule<AppContext, ReportsModuleDeps> = {
  name: 'reports',
  state: [reportsState],
  register: (router) => register(router),
  routes: (deps) => [createReportsApi(deps)],
  console: (deps) => createReportsConsole(deps),
};
