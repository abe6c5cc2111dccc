import type { ConversationState } from './types.js';

/**
 * A feature's own slice of the persisted conversation data, under one key of
 * `state.data`. Features read and write their slice through it instead of
 * reaching into the shared bag, so one feature cannot read or clobber
 * another's keys by accident, and what comes back from the database is
 * checked: conversation data is JSON saved by earlier versions too, so
 * `parse` turns whatever is stored into the current shape (keeping what still
 * makes sense) or `undefined` (dropped).
 */
export interface StateSlice<S> {
  readonly key: string;
  /** The stored slice in its current shape, or undefined when absent or unreadable. */
  read(state: ConversationState): S | undefined;
  /** The slice, created empty when absent; mutations are saved with the message's transaction. */
  get(state: ConversationState): S;
  set(state: ConversationState, value: S): void;
  clear(state: ConversationState): void;
}

const claimedKeys = new Set<string>();

/** Declare a slice. Each key can be claimed once per process: two features cannot share one by mistake. */
export function defineStateSlice<S extends object>(
  key: string,
  opts: { parse: (raw: unknown) => S | undefined; empty: () => S },
): StateSlice<S> {
  if (claimedKeys.has(key)) throw new Error(`conversation state key "${key}" is already claimed`);
  claimedKeys.add(key);
  // The parsed object replaces the raw one, so mutations of what `get` returns are what is saved.
  const read = (state: ConversationState): S | undefined => {
    const raw = state.data[key];
    if (raw === undefined) return undefined;
    const parsed = opts.parse(raw);
    if (parsed === undefined) delete state.data[key];
    else state.data[key] = parsed;
    return parsed;
  };
  return {
    key,
    read,
    get(state) {
      const current = read(state);
      if (current) return current;
      const fresh = opts.empty();
      state.data[key] = fresh;
      return fresh;
    },
    set(state, value) {
      state.data[key] = value;
    },
    clear(state) {
      delete state.data[key];
    },
  };
}

/** A plain JSON object (not an array, not null), for `parse` functions. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The state key where a conversation flow keeps its step and the answers so far (conversation-flow.ts). */
export const FLOW_PROGRESS_KEY = 'flowStep';

/**
 * A flow left without ending (the menu or "gặp cán bộ" took over, another flow started) keeps nothing: its
 * answers so far (a CCCD, a phone number) are dropped with it instead of staying in the stored state.
 */
export function sweepAbandonedFlow(state: ConversationState): void {
  const progress = state.data[FLOW_PROGRESS_KEY] as { flow?: unknown } | undefined;
  if (progress && progress.flow !== state.flow) delete state.data[FLOW_PROGRESS_KEY];
}
