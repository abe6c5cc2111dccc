/**
 * The procedure question engine: the scope check (needs decided elsewhere,
 * injection attempts) in front of the ranked index. The search service and
 * the search benchmark both use this, so the benchmark measures what
 * residents get.
 */
import {
  procedureIndexSteps,
  type IndexTuning,
  type SearchableProcedure,
  type SearchDecision,
  type SearchOptions,
  type SearchResponse,
} from '../../text/search-index.js';
import { rawWords, tokenize } from '../../text/normalize.js';
import { ASKING_WORDS } from '../../text/lexicon.js';
import type { ExampleModel } from '../../text/example-model.js';
import { createExampleIndex, type ExampleIndex, type LabelledExample } from '../../text/examples.js';
import { runSteps, runStepsAsync, type Steps } from '../../core/steps.js';
import { DEFAULT_EXAMPLE_TUNING, withExamples, type ExampleTuning } from '../../text/example-evidence.js';
import { isLocalCode } from './local-code.js';
import { checkScope, type ElsewhereTopic } from './scope.js';
import type { Procedure } from './types.js';

/** What the index reads of a procedure: its name and level, and the rest of the record as text. */
export function toSearchable(
  p: Pick<Procedure, 'code' | 'name' | 'shortName' | 'field' | 'levels'> &
    Partial<Pick<Procedure, 'documentGroups' | 'steps' | 'result'>>,
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

/**
 * A message with a phrase that belongs elsewhere ("ly hôn", "hộ chiếu") whose other words name a commune procedure
 * with this many times the index's score floor gets that procedure's choices. Cross-validated over the eleven
 * tuning files (2026-12-07): never (before) → 6×, 5×, 4×, 3.2×, 2.5×: mean top-1 80.9 → 81.1, 81.2, 81.3, 81.4,
 * 81.5 %, in-scope questions without a candidate 132 → 123, 119, 111, 102, 95, out of scope declined 83.9 →
 * 83.9, 83.9, 83.7, 82.9, 81.9 %. Again over the seventeen files (2026-12-07, sixth session): 3×, 4×, 5× gave
 * top-1 81.98, 81.84, 81.62 %, without a candidate 145, 160, 174, declined 87.63, 88.19, 88.26 %.
 */
const ELSEWHERE_OVERRIDE = 4;
/** The index's hits weighed with the examples' evidence, at least (the chat shows four, the API ten by default). */
const DEPTH = 10;

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

export interface EngineOptions {
  tuning?: IndexTuning;
  /** Residents' questions with their procedures: the nearest ones are evidence for new questions. */
  examples?: readonly LabelledExample[];
  /** The same examples already indexed (`createExampleIndex`), shared by every commune's engine. */
  exampleIndex?: ExampleIndex;
  exampleTuning?: ExampleTuning;
  /** A model learned from `examples` (example-model.ts), voting beside them. */
  exampleModel?: ExampleModel;
  exampleModelWeight?: number;
}

/** Build an engine at once (start-up, benchmarks, tests). */
export function createProcedureEngine(procedures: readonly SearchableProcedure[], opts: EngineOptions = {}): ProcedureEngine {
  return runSteps(procedureEngineSteps(procedures, opts));
}

/** Build an engine while serving: the event loop gets control back between slices of the catalog. */
export function buildProcedureEngine(
  procedures: readonly SearchableProcedure[],
  opts: EngineOptions = {},
): Promise<ProcedureEngine> {
  return runStepsAsync(procedureEngineSteps(procedures, opts));
}

function* procedureEngineSteps(procedures: readonly SearchableProcedure[], opts: EngineOptions): Steps<ProcedureEngine> {
  const index = yield* procedureIndexSteps(procedures, opts.tuning);
  const byCode = new Map(procedures.map((p) => [p.code, { code: p.code, name: p.name, field: p.field, levels: p.levels }]));
  const examples =
    opts.exampleIndex ??
    (opts.examples?.length
      ? createExampleIndex(opts.examples, { model: opts.exampleModel, modelWeight: opts.exampleModelWeight })
      : undefined);
  const exampleTuning = opts.exampleTuning ?? DEFAULT_EXAMPLE_TUNING;
  // A commune's own procedure has no answered examples: a few declined ones that share its message's words
  // must not withdraw it.
  const unvoiced = (code: string) => isLocalCode(code) && !examples?.known(code);
  /** The index's own response (`index`) and the response with the examples' evidence (`out`). */
  const ranked = (query: string, options: SearchOptions): { index: SearchResponse; out: SearchResponse } => {
    // The same depth of hits is weighed whatever the caller shows (up to DEPTH): the chat's four choices and the
    // API's ten are the first of one order.
    const depth = Math.max(DEPTH, options.limit ?? 0);
    const r = index.search(query, { ...options, limit: depth });
    if (!examples) return { index: r, out: r };
    return { index: r, out: withExamples(r, examples.vote(query), (code) => byCode.get(code), exampleTuning, depth, unvoiced) };
  };
  return {
    size: index.size,
    search(query, options = {}) {
      const out = decide(query, options);
      const limit = options.limit ?? 10;
      return out.results.length > limit ? { ...out, results: out.results.slice(0, limit) } : out;
    },
  };

  function decide(query: string, options: SearchOptions): EngineResponse {
    const verdict = checkScope(query);
    if (verdict?.kind === 'injection') {
      return { results: [], confident: false, decision: 'unknown', candidates: [], understood: '(injection)' };
    }
    if (verdict?.kind === 'elsewhere') {
      // "Tôi ly hôn được 2 năm, giờ xin giấy xác nhận độc thân": the divorce is context, the need is a
      // commune procedure. When the message without the phrase clearly names one, that is the answer.
      const { index: restIndex, out: rest } = ranked(withoutPhrase(query, verdict.phrase), options);
      if (rest.decision === 'answer') return rest;
      // "…anh ấy đã ly hôn vợ cũ… Đăng ký kết hôn cần bản án ly hôn không?": the rest names a commune procedure strongly
      // (four times the least score a candidate needs): its choices, not "go elsewhere".
      const indexTop = restIndex.results[0]?.score ?? 0;
      if (rest.decision === 'choose' && indexTop >= ELSEWHERE_OVERRIDE * index.scoreFloor) return rest;
      // "Tháng trước tôi ra tòa ly hôn xong rồi. Bây giờ tôi muốn chuyển hộ khẩu…": the phrase is in a clause
      // that tells, and another clause asks; the choices for what it asks are the answer, not "go elsewhere".
      if (rest.decision === 'choose') {
        const asking = askingClauses(query, verdict.phrase);
        // What is asked must itself be a commune matter: "…người có công thì làm sao" stays elsewhere.
        if (asking && !checkScope(asking)) {
          const own = ranked(asking, options).out;
          const top = own.results[0]?.code;
          if (own.decision !== 'unknown' && top && rest.results.slice(0, 3).some((r) => r.code === top)) return rest;
        }
      }
      return {
        results: [],
        confident: false,
        decision: 'elsewhere',
        candidates: [],
        understood: `(elsewhere: ${verdict.topic.id})`,
        elsewhere: verdict.topic,
      };
    }
    return ranked(query, options).out;
  }
}

/** The message with the first occurrence of a folded phrase taken out (the other words as typed). */
function withoutPhrase(query: string, phrase: string): string {
  const words = rawWords(query);
  const folded = words.map((w) => tokenize(w).join(''));
  const target = phrase.split(' ');
  for (let i = 0; i + target.length <= folded.length; i++) {
    if (target.every((t, j) => folded[i + j] === t)) return [...words.slice(0, i), ...words.slice(i + target.length)].join(' ');
  }
  return query;
}

/**
 * The clauses that ask, when the folded phrase sits in a clause that only tells (no question mark, no word of
 * asking) and other clauses, without the phrase, ask. Clauses are split after sentence punctuation and commas.
 */
function askingClauses(query: string, phrase: string): string | undefined {
  const clauses = query
    .slice(0, 1000)
    .split(/(?<=[.?!;,\n])/)
    .map((raw) => ({ raw, folded: ` ${tokenize(raw).join(' ')} `, asks: /\?/.test(raw) }))
    .map((c) => ({ ...c, asks: c.asks || ASKING_WORDS.some((w) => c.folded.includes(w)) }));
  const at = clauses.findIndex((c) => c.folded.includes(` ${phrase} `));
  if (at < 0 || clauses[at].asks) return undefined;
  const asking = clauses.filter((c, i) => i !== at && c.asks && !c.folded.includes(` ${phrase} `));
  return asking.length ? asking.map((c) => c.raw).join(' ') : undefined;
}
