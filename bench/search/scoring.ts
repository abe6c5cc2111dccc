/**
 * How the search benchmarks score an engine's outcomes: one rule for top-1,
 * top-3, "shown", declined and confidently wrong, shared by `run.ts` and
 * `examples-cv.ts` so the two never count differently.
 */
import type { EngineResponse } from '../../src/features/procedures/engine.js';
import { MESSY_TAGS, type BenchQuestion } from './sets.js';

export interface Outcome {
  declined: boolean;
  top: string[];
  decision?: string;
  candidates?: string[];
  coverage?: number;
  /** What the engine understood the question as (printed with a tuning miss). */
  understood?: string;
}

export interface Metrics {
  n: number;
  inScope: number;
  outOfScope: number;
  top1: number;
  top3: number;
  /**
   * The right procedure among what the chat shows: the direct answer, or one of the first three choices offered
   * (top-3 reads the ranked results, which can order differently from the choices).
   */
  shown3: number;
  outOfScopeDeclined: number;
  /** In-scope questions answered directly (no choice offered) with a wrong procedure. */
  confidentlyWrong: number;
  /** In-scope questions that got no candidate at all (declined). */
  noCandidate: number;
  falseDeclineRate: number;
  ambiguousChoose: number;
  /** Top-1 on the long or messy in-scope questions (see MESSY_TAGS). */
  messyTop1: number;
  messy: number;
  p50Ms: number;
  p99Ms: number;
}

export function input(q: BenchQuestion): string {
  return q.tags.includes('nfd') ? q.q.normalize('NFD') : q.q;
}

export function percentile(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

export const frac = (a: number, b: number) => (b ? Math.round((a / b) * 1000) / 1000 : 0);

export function score(questions: BenchQuestion[], outcomes: Outcome[], times: number[]): Metrics {
  let inScope = 0;
  let top1 = 0;
  let top3 = 0;
  let shown3 = 0;
  let oos = 0;
  let declinedOos = 0;
  let falseDecline = 0;
  let ambiguous = 0;
  let ambiguousOk = 0;
  let wrong = 0;
  let messy = 0;
  let messyOk = 0;
  questions.forEach((q, i) => {
    const o = outcomes[i];
    if (!q.expected) {
      oos++;
      if (o.declined) declinedOos++;
      return;
    }
    inScope++;
    const isMessy = q.tags.some((t) => MESSY_TAGS.includes(t));
    if (isMessy) messy++;
    if (o.declined) {
      falseDecline++;
    } else {
      const hit = q.expected.includes(o.top[0]);
      if (hit) top1++;
      if (hit && isMessy) messyOk++;
      if (o.top.slice(0, 3).some((c) => q.expected!.includes(c))) top3++;
      // The baseline has no decision: its first three are what it would show.
      const shown = o.decision === 'answer' ? o.top.slice(0, 1) : (o.candidates ?? o.top).slice(0, 3);
      if (shown.some((c) => q.expected!.includes(c))) shown3++;
      if (!hit && o.decision === 'answer') wrong++;
    }
    if (q.tags.includes('ambiguous')) {
      ambiguous++;
      if (o.decision === 'choose' && o.candidates?.some((c) => q.expected!.includes(c))) ambiguousOk++;
    }
  });
  return {
    n: questions.length,
    inScope,
    outOfScope: oos,
    top1: frac(top1, inScope),
    top3: frac(top3, inScope),
    shown3: frac(shown3, inScope),
    outOfScopeDeclined: frac(declinedOos, oos),
    confidentlyWrong: frac(wrong, inScope),
    noCandidate: falseDecline,
    falseDeclineRate: frac(falseDecline, inScope),
    ambiguousChoose: frac(ambiguousOk, ambiguous),
    messyTop1: frac(messyOk, messy),
    messy,
    p50Ms: Math.round(percentile(times, 50) * 1000) / 1000,
    p99Ms: Math.round(percentile(times, 99) * 1000) / 1000,
  };
}

/** What the benchmark keeps of one engine answer. */
export function outcomeOf(r: EngineResponse): Outcome {
  return {
    coverage: r.results[0]?.coverage,
    declined: r.decision === 'unknown' || r.decision === 'elsewhere',
    top: r.results.map((h) => h.code),
    decision: r.decision,
    candidates: r.candidates.map((h) => h.code),
    understood: r.understood,
  };
}
