import type { Router as HttpRouter } from 'express';
import type { StateSlice } from './conversation-state.js';
import type { ConsoleContribution } from './staff.js';
import type { BaseContext, Router } from './router.js';

/**
 * One feature, one shape. A feature is a folder under `src/features/` whose
 * `index.ts` exports one of these; the runtime's module list registers them in
 * order and mounts their routes, so adding a feature is one folder plus one
 * line in that list. `D` is what the feature needs from the application (its
 * database, auth middleware, the `?commune=` resolver…): the runtime hands one
 * object to every module and TypeScript checks it satisfies each module's `D`.
 */
export interface FeatureModule<C extends BaseContext, D> {
  /** Short, unique, kebab-case; used in logs and documentation. */
  readonly name: string;
  /**
   * Chat handlers. Phrase handlers (`hears`, `global`) are tried in the order
   * the modules are listed, so the list decides which feature claims a message
   * first; actions, commands and flows do not depend on the order.
   */
  register?(router: Router<C>, deps: D): void;
  /** Staff and integration HTTP routes, mounted after the core routes in list order. */
  routes?(deps: D): HttpRouter[];
  /** Staff console pages and their menu entries, mounted behind sign-in (see staff/console/shell.ts). */
  console?(deps: D): ConsoleContribution;
  /** The slices of conversation state this feature owns (documentation; each key has one owner). */
  state?: readonly StateSlice<object>[];
}
