import { defineStateSlice, isJsonObject, type StateSlice } from './conversation-state.js';
import type { ConversationState } from './types.js';

/** How many failed lookups a chat may make within a window. */
export interface LookupLimit {
  max: number;
  windowMs: number;
}

/** The stored shape: the times (ISO) of the chat's recent failed lookups. */
export interface LookupMisses {
  misses?: string[];
}

/** A per-chat limit on failed code lookups, kept in the feature's own conversation-state slice. */
export interface LookupLimiter {
  /** The feature's state slice (its module lists it in `state`). */
  readonly slice: StateSlice<LookupMisses>;
  readonly limit: LookupLimit;
  /** Forget misses older than the window; true when the chat has used up its failed lookups for now. */
  exhausted(state: ConversationState, now: Date): boolean;
  /** Count one failed lookup at `now`. */
  miss(state: ConversationState, now: Date): void;
}

/**
 * Failed lookups a chat may make (a status asked by code: a wrong code, or
 * another chat's code, which is not found either), so that codes cannot be
 * guessed from a chat. The misses live in the conversation state under `key`,
 * saved with the message's transaction like any state change.
 */
export function defineLookupLimiter(key: string, limit: LookupLimit): LookupLimiter {
  const slice = defineStateSlice<LookupMisses>(key, {
    parse: (raw) => {
      if (!isJsonObject(raw)) return undefined;
      if (raw.misses !== undefined && !(Array.isArray(raw.misses) && raw.misses.every((m) => typeof m === 'string')))
        delete raw.misses;
      return raw as LookupMisses;
    },
    empty: () => ({}),
  });
  return {
    slice,
    limit,
    exhausted(state, now) {
      const s = slice.get(state);
      const since = now.getTime() - limit.windowMs;
      s.misses = (s.misses ?? []).filter((m) => new Date(m).getTime() > since);
      return s.misses.length >= limit.max;
    },
    miss(state, now) {
      const s = slice.get(state);
      (s.misses ??= []).push(now.toISOString());
    },
  };
}
