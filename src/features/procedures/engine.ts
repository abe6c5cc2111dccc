/**
 * The procedure question engine: the scope check (needs decided elsewhere,
 * injection attempts) in front of the ranked index. The search service and
 * the search benchmark both use this, so the benchmark measures what
 * residents get.
 */
import {
  createProcedureIndex,
  type IndexTuning,
  type SearchableProcedure,
  type SearchDecision,
  type SearchOptions,
  type SearchResponse,
} from '../../text/search-index.js';
import { checkScope, type ElsewhereTopic } from './scope.js';
import type { Procedure } from './types.js';

/** What the index reads of a procedure: its name and level, and the rest of the record as text. */
export function toSearchable(
  p: Pick<Procedure, 'code' | 'name' | 'shortName' | 'field' | 'levels'> & Partial<Pick<Procedure, 'documentGroups' | 'steps' | 'result'>>,
): SearchableProcedure {
  const text = [
    p.result ?? '',
    ...(p.documentGroups ?? []).flatMap((g) => [g.title, ...g.documents.map((d) => d.name)]),
    ...(p.steps ?? []),
  ]
    .join(' ')
    .slice(0, 6000);
  return { code: p.code, name: p.shortName || p.name, field: p.field, levels: p.levels, text };
}

/** `elsewhere`: the need is decided by another authority; `elsewhere` says which and where to go. */
export type EngineDecision = SearchDecision | 'elsewhere';

export interface EngineResponse extends Omit<SearchResponse, 'decision'> {
  decision: EngineDecision;
  elsewhere?: ElsewhereTopic;
}

export interface ProcedureEngine {
  search(query: string, options?: SearchOptions): EngineResponse;
  readonly size: number;
}

export function createProcedureEngine(procedures: readonly SearchableProcedure[], tuning?: IndexTuning): ProcedureEngine {
  const index = createProcedureIndex(procedures, tuning);
  return {
    size: index.size,
    search(query, options) {
      const verdict = checkScope(query);
      if (verdict?.kind === 'injection') {
        return { results: [], confident: false, decision: 'unknown', candidates: [], understood: '(injection)' };
      }
      if (verdict?.kind === 'elsewhere') {
        return { results: [], confident: false, decision: 'elsewhere', candidates: [], understood: `(elsewhere: ${verdict.topic.id})`, elsewhere: verdict.topic };
      }
      return index.search(query, options);
    },
  };
}
