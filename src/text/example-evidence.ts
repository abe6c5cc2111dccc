/**
 * The index's decision, reconsidered with the nearest answered examples
 * (examples.ts). The index reads the catalog's words; the examples read how
 * residents put the same need. Where they agree nothing changes; where the
 * index found nothing, close examples offer their procedures as choices
 * (never as a direct answer); where they disagree, the resident is asked.
 */
import type { ExampleVote } from './examples.js';
import type { SearchHit, SearchResponse } from './search-types.js';

export interface ExampleTuning {
  /** Nearest-example similarity needed to offer its procedures when the index found nothing. */
  admit: number;
  /** Weight of the examples' vote against the index's score when ordering choices. */
  weight: number;
  /** Vote share needed for an example's procedure to contradict a direct answer. */
  contradict: number;
  /** Similarity to a declined example (chit-chat, decided elsewhere) at which offered choices are withdrawn. */
  decline: number;
  /** …and at which even a direct answer is. */
  declineAnswer: number;
  /** Share of the nearest examples' vote held by declined ones at which the index's choices or answer are withdrawn. */
  declineShare: number;
}

export const DEFAULT_EXAMPLE_TUNING: ExampleTuning = {
  admit: 0.3,
  weight: 1.5,
  contradict: 0.6,
  // Cross-validated over the eight tuning files (2026-12-06): 0.6/0.75 -> 0.5/0.65 declined 78.5 -> 80.0 % of
  // the out-of-scope questions for 0.03 points of top-1 and 6 more in-scope questions without a candidate (of 2,554).
  decline: 0.5,
  declineAnswer: 0.65,
  // Cross-validated over the eleven tuning files (2026-12-07). Choices only, never (before) → 0.8, 0.6, 0.5: out of
  // scope declined 83.7 → 85.0, 86.3, 87.0 %, mean top-1 81.29 → 81.21, 81.17, 81.05 %, in-scope questions without
  // a candidate 111 → 115, 120, 125 (of 3,139). Then direct answers too, at 0.8, 0.6, 0.5, 0.4: declined 86.3 →
  // 87.3, 88.2, 88.5, 89.1 %, top-1 81.17 → 81.09, 81.06, 80.95, 80.90 %, without a candidate 120 → 125, 128, 131, 135.
  declineShare: 0.6,
};

export function withExamples(
  r: SearchResponse,
  v: ExampleVote,
  hitOf: (code: string) => Omit<SearchHit, 'score' | 'coverage'> | undefined,
  tuning: ExampleTuning = DEFAULT_EXAMPLE_TUNING,
  limit = 10,
  /** Procedures the declined share cannot withdraw (a commune's own, which no example has asked for yet). */
  unvoiced: (code: string) => boolean = () => false,
): SearchResponse {
  // A message much like one the commune declines ("cảm ơn nhiều nha", a court case) gets no procedure; so does
  // one whose nearest examples are mostly declined ("thuế nhà cho thuê khai ở đâu", "xin hồ sơ bệnh án"): the
  // index matched a few words of a need that is not a commune procedure.
  const likeNearest =
    v.nearestDeclined &&
    v.best >= tuning.decline &&
    (r.decision === 'choose' || (r.decision === 'answer' && v.best >= tuning.declineAnswer));
  const likeMost =
    (r.decision === 'choose' || r.decision === 'answer') &&
    v.declinedShare >= tuning.declineShare &&
    !(r.results[0] && unvoiced(r.results[0].code));
  if (likeNearest || likeMost) {
    return { ...r, decision: 'unknown', confident: false, candidates: [], results: [] };
  }
  const voted = v.codes.filter((c) => hitOf(c.code) !== undefined);
  if (!voted.length || v.nearestDeclined) return r;
  const maxVote = voted[0].score;
  const share = new Map(voted.map((c) => [c.code, c.score / maxVote]));
  const asHit = (code: string, score: number): SearchHit => ({ ...hitOf(code)!, score: round(score), coverage: 0 });

  if (r.decision === 'unknown') {
    if (v.best < tuning.admit) return r;
    const candidates = voted.slice(0, 3).map((c) => asHit(c.code, c.score));
    return { ...r, decision: 'choose', confident: false, candidates, results: candidates };
  }
  if (r.decision === 'answer') {
    const answer = r.candidates[0];
    const rival = voted[0];
    if (!answer || rival.code === answer.code || (share.get(answer.code) ?? 0) >= tuning.contradict) return r;
    if (v.best < tuning.admit) return r;
    const rivalHit = r.results.find((h) => h.code === rival.code) ?? asHit(rival.code, 0);
    const candidates = [answer, rivalHit];
    const rest = r.results.filter((h) => h.code !== answer.code && h.code !== rival.code);
    return { ...r, decision: 'choose', confident: false, candidates, results: [...candidates, ...rest].slice(0, limit) };
  }
  if (r.decision === 'choose') {
    const top = Math.max(...r.results.map((h) => h.score), 1e-9);
    const combined = (h: SearchHit) => h.score / top + tuning.weight * (share.get(h.code) ?? 0);
    const results = [...r.results];
    // A strongly voted procedure the index ranked below the list joins it.
    if (v.best >= tuning.admit && !results.some((h) => h.code === voted[0].code)) results.push(asHit(voted[0].code, 0));
    results.sort((a, b) => combined(b) - combined(a));
    const order = new Map(results.map((h, i) => [h.code, i]));
    const candidates = [...r.candidates];
    if (!candidates.some((h) => h.code === results[0].code)) candidates.push(results[0]);
    candidates.sort((a, b) => (order.get(a.code) ?? 99) - (order.get(b.code) ?? 99));
    return { ...r, results: results.slice(0, limit), candidates: candidates.slice(0, 4) };
  }
  return r;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
