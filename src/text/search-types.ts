/** The procedure index's public types (what callers pass in and get back). */

/** What the index needs to know about a procedure. */
export interface SearchableProcedure {
  code: string;
  /** Display name; a leading "Thủ tục" is ignored for matching. */
  name: string;
  field: string;
  /** 'xã' | 'tỉnh' | 'bộ' | 'khác' */
  levels: readonly string[];
  /** Extra phrases residents use for this procedure (local aliases); matched like the name. */
  keywords?: readonly string[];
  /**
   * The rest of the record (documents, steps, result), optional. Its words form the dictionary of real
   * words: a word found there is the resident's context, never "corrected" into a name word.
   */
  text?: string;
  /** Optional popularity prior in [0, 1] (e.g. from dossier counts); 0 when unknown. */
  popularity?: number;
}

export interface SearchHit {
  code: string;
  name: string;
  field: string;
  levels: readonly string[];
  score: number;
  /** Share (0–1) of the query's meaning this procedure's name accounts for. */
  coverage: number;
}

/**
 * `answer`: the top hit clearly wins. `choose`: 2–4 close candidates, ask the
 * resident. `unknown`: not a procedure question (chit-chat, out of scope):
 * results are empty.
 */
export type SearchDecision = 'answer' | 'choose' | 'unknown';

export interface SearchResponse {
  results: SearchHit[];
  confident: boolean;
  decision: SearchDecision;
  /** The answer (1 hit), the options to offer (2–4 hits), or none. */
  candidates: SearchHit[];
  /** How the query was understood, for logs: concepts joined by " | ". */
  understood: string;
}

export interface SearchOptions {
  /** Maximum number of results (default 10). */
  limit?: number;
  /** Keep the ranked hits even when declining (for diagnostics only; never show them to residents). */
  explain?: boolean;
}

export interface ProcedureIndex {
  search(query: string, options?: SearchOptions): SearchResponse;
  readonly size: number;
  /** The least score a candidate needs in a message of several words (`IndexTuning.minScore`, scaled to the catalog). */
  readonly scoreFloor: number;
}

export interface IndexTuning {
  /** Minimum share of the query's information the top hit must cover. */
  minCoverage: number;
  /** Second-best score / best score at or above which we ask the resident to choose. */
  chooseRatio: number;
  /** Candidates offered when choosing are within this ratio of the best score. */
  candidateRatio: number;
  /**
   * Least total evidence (score) for the best candidate to count at all, in a message of three content words
   * or more. Below it the words that matched are a few common ones ("mua … tàu", "đóng tiền", "đề nghị … thời
   * hạn") in a message about something else: on the tuning questions, direct answers scored under 10 were 4
   * right, 16 wrong and 17 out of scope. A short question ("khai sinhh") scores low and is not held to it.
   */
  minScore: number;
}

export const DEFAULT_TUNING: IndexTuning = { minCoverage: 0.45, chooseRatio: 0.85, candidateRatio: 0.78, minScore: 10 };
