/**
 * The query side's first step: each concept of an analysed query resolved
 * against the index's vocabulary (known words, typo alternatives by phonetic
 * key and edit distance, joined words, neighbours that form a known name
 * phrase) and weighed by its information.
 */
import { SOFT_FILLERS, SOFT_WEIGHT, type QueryConcept } from './normalize.js';
import { REWRITE_INFO, UNKNOWN_INFO, type IndexData } from './index-data.js';
import { editDistanceAtMost } from './typos.js';

export interface ResolvedAlt {
  tokens: string[];
  factor: number;
}

export interface ResolvedConcept {
  alts: ResolvedAlt[];
  weight: number;
  info: number;
  accented?: string;
  literal: boolean;
  qualifier: boolean;
  soft: boolean;
  label: string;
}

/** Resolve a query's concepts against the index (pure given the data). */
export function resolveConcepts(data: IndexData, concepts: QueryConcept[]): ResolvedConcept[] {
  const { name, next, prev, accentedVocab, isRealWord, tokenIdf, known, knownBigram, byKey, byLength, keyOf } = data;
  /** Known words close to an unknown one: same phonetic key, or within edit distance. */
  function fuzzyAlternatives(t: string, typedWithAccents: boolean): ResolvedAlt[] {
    if (t.length < 3 || !/^[a-z]+$/.test(t)) return [];
    const found = new Map<string, number>();
    if (!typedWithAccents) {
      for (const c of byKey.get(keyOf(t)) ?? []) found.set(c, 0.8);
      const max = t.length >= 7 ? 2 : 1;
      for (let len = t.length - max; len <= t.length + max; len++) {
        for (const c of byLength.get(len) ?? []) {
          const d = editDistanceAtMost(t, c, max);
          if (d <= max) found.set(c, Math.max(found.get(c) ?? 0, d === 1 ? 0.8 : 0.65));
        }
      }
    }
    const alts: ResolvedAlt[] = [...found.entries()]
      .sort((a, b) => b[1] - a[1] || name.count(b[0]) - name.count(a[0]))
      .slice(0, 4)
      .map(([c, f]) => ({ tokens: [c], factor: f }));
    if (t.length >= 5) {
      for (let i = 2; i <= t.length - 2; i++) {
        const a = t.slice(0, i);
        const b = t.slice(i);
        if (knownBigram(a, b)) alts.unshift({ tokens: [a, b], factor: 0.9 });
      }
    }
    return alts;
  }

  return resolve(concepts);

  function resolve(concepts: QueryConcept[]): ResolvedConcept[] {
    const out: ResolvedConcept[] = concepts.map((c) => {
      const alts: ResolvedAlt[] = [];
      for (const a of c.alternatives) {
        const toks = a.filter((t) => known(t) || a.length === 1);
        if (!toks.length) continue;
        if (toks.length === 1 && !known(toks[0])) {
          const fuzzy = isRealWord(toks[0], c.accented) ? [] : fuzzyAlternatives(toks[0], false);
          if (fuzzy.length) alts.push(...fuzzy);
          else alts.push({ tokens: toks, factor: 1 });
        } else alts.push({ tokens: toks, factor: 1 });
      }
      return {
        alts,
        weight: c.weight,
        info: 0,
        // A misspelt accent ("khai tữ") says nothing about which word was meant: judge it by its letters only.
        accented: c.accented !== undefined && accentedVocab.has(c.accented) ? c.accented : undefined,
        literal: c.literal,
        qualifier: c.qualifier === true,
        soft: c.weight < 1,
        label: c.source,
      };
    });
    for (let i = 0; i < out.length; i++) {
      const c = out[i];
      if (c.alts.length !== 1 || c.alts[0].tokens.length !== 1) continue;
      const t = c.alts[0].tokens[0];
      const left = out[i - 1]?.alts[0]?.tokens;
      const right = out[i + 1]?.alts[0]?.tokens;
      const l = left?.[left.length - 1];
      const r = right?.[0];
      const lLit = out[i - 1]?.literal ?? false;
      const rLit = out[i + 1]?.literal ?? false;
      const joins = (l !== undefined && knownBigram(l, t)) || (r !== undefined && knownBigram(t, r));
      const joinsLiteral = (lLit && l !== undefined && knownBigram(l, t)) || (rLit && r !== undefined && knownBigram(t, r));
      if (c.weight === SOFT_WEIGHT && c.literal && joinsLiteral) {
        c.weight = 1;
        c.soft = false;
      }
      if (!joins && !c.soft && t.length >= 2 && (l !== undefined || r !== undefined)) {
        const variants = new Map<string, number>();
        const key = keyOf(t);
        const consider = (set: Set<string> | undefined) => {
          for (const v of set ?? []) {
            if (v === t) continue;
            if (keyOf(v) === key) variants.set(v, 0.85);
            else if (!c.accented && t.length >= 3 && editDistanceAtMost(t, v, 1) <= 1) variants.set(v, 0.75);
          }
        };
        if (l !== undefined && !SOFT_FILLERS.has(l)) consider(next.get(l));
        if (r !== undefined && !SOFT_FILLERS.has(r)) consider(prev.get(r));
        for (const [v, f] of variants) c.alts.push({ tokens: [v], factor: f });
      }
    }
    for (const c of out) {
      let best = 0;
      for (const a of c.alts) {
        let m = 0;
        for (const t of a.tokens) m = Math.max(m, Math.min(UNKNOWN_INFO, tokenIdf(t)));
        best = Math.max(best, m * a.factor);
      }
      c.info = Math.max(0.5, best) * (c.literal ? 1 : REWRITE_INFO);
    }
    return out;
  }
}
