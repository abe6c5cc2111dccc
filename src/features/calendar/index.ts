import type { Request } from 'express';
import type { FeatureModule } from '../../core/feature.js';
import type { Db } from '../../db/client.js';
import type { AppContext } from '../../pipeline/dispatcher.js';
import { createCalendarConsole } from './console.js';
import { createCalendarApi } from './http.js';

export { awayNoticeOnceVi, staffAnswerTextVi } from './away.js';
export { handoverTextVi, nextOpenSentenceVi, roundedWaitVi } from './presenter.js';
export {
  addEnteredDay,
  CalendarInputError,
  communeCalendarOf,
  listEnteredDays,
  loadCommuneCalendar,
  loadWeeklyHours,
  removeEnteredDay,
  setWeeklyHours,
  type EnteredDay,
} from './service.js';

/** What the calendar module needs from the application. */
export interface CalendarModuleDeps {
  db: Db;
  communeOfRequest: (req: Request) => Promise<number>;
}

/**
 * The working calendar: Vietnam's public holidays (computed), the days staff
 * enter from the yearly announcement, the commune's weekly hours. Other
 * features read it with `loadCommuneCalendar`; residents and integrations
 * with the public API; staff edit it on the console's "Lịch làm việc" page.
 */
export const calendarModule: FeatureModule<AppContext, CalendarModuleDeps> = {
  name: 'calendar',
  routes: (deps) => [createCalendarApi(deps)],
  console: (deps) => createCalendarConsole(deps),
};
