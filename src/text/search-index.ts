/**
 * In-memory procedure search, built once at start-up from every procedure a
 * commune offers (national and local). Field-weighted BM25 over folded name
 * tokens and bigrams, typo tolerance (phonetic keys, edit distance, joined
 * words), synonym concepts from `normalize.ts`, a prior for the plain
 * commune-level variant, and a decision: answer, ask the resident to choose,
 * or decline.
 */
import {
  ACTION_MARKERS,
  AUDIENCE_MARKERS,
  GENERIC_NAME_WORDS,
  MARKER_EXCEPTIONS,
  NAME_ABBREVIATIONS,
  QUALIFIER_MARKERS,
  RESIDENT_WORDS,
} from './name-markers.js';
import { editDistanceAtMost, phoneticKey } from './typos.js';
import { analyzeQuery, SOFT_FILLERS, SOFT_WEIGHT, tokenize, type QueryConcept } from './normalize.js';

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
}

export interface IndexTuning {
  /** Minimum share of the query's information the top hit must cover. */
  minCoverage: number;
  /** Second-best score / best score at or above which we ask the resident to choose. */
  chooseRatio: number;
  /** Candidates offered when choosing are within this ratio of the best score. */
  candidateRatio: number;
}

export const DEFAULT_TUNING: IndexTuning = { minCoverage: 0.45, chooseRatio: 0.85, candidateRatio: 0.78 };

const K1 = 1.2;
const B = 0.3;
const LENGTH_CAP = 20;
const HEAD = 10;
const FIELD_MATCH = 0.5;
const PHRASE_BONUS = 0.5;
const ACCENT_MISMATCH = 0.45;
const REWRITE_INFO = 2;
const UNKNOWN_INFO = 6;
/** Anchor kinds: a procedure phrase or an everyday word for one (strong), or three plain name words (weak). */
const STRONG = 2;
/** Characters of each record's text indexed as word pairs, and their weight against the name. */
const BODY_CHARS = 2000;
/** Share of all names above which a lone soft word's postings are not walked. */
const SOFT_DF_LIMIT = 0.15;
const BODY_WEIGHT = 0.5;
/** Query words that never form evidence in a record's text. */
const HARD_QUERY_FILLERS = new Set(['toi', 'em', 'a', 'cho', 'va', 'cua', 'la', 'thi', 'co', 'khong', 'o', 'de', 'duoc', 'nha', 'lam']);
/** Coverage a message without a word of asking must reach: it is all procedure name, or it is not a request. */
const NO_INTENT_COVERAGE = 0.8;
const WEAK = 1;
/** Share of the information of query words that match no procedure still counted against coverage. */
const UNMATCHED_SHARE = 0.3;
/** A query with at least this many content words is a long message. */
const LONG_QUERY = 7;
/** Information a candidate must explain on its own to be offered for a long message. */
const ABS_EVIDENCE = 6;
/** A weakly covered top answer becomes a choice when the second is at least this close. */
const WEAK_CHOOSE = 0.5;

/** Markers are looked for in the first words of a name, where the variant is named. */
const MARKER_SCOPE = 12;

const MARKER_PENALTY = 0.86;

const RERANK = 40;

/**
 * When the query names less than this share of the top name's content words
 * ("chứng thực" vs "Chứng thực di chúc") and others fit as well, ask back.
 */
const UNDERSPECIFIED = 0.6;

interface Posting {
  docs: number[];
  tfs: number[];
}

interface Doc {
  hit: Omit<SearchHit, 'score' | 'coverage'>;
  nameLen: number;
  fieldLen: number;
  distinct: number;
  tokens: Set<string>;
  accented: Set<string>;
  head: Set<string>;
  seq: string[];
  prior: number;
  qualifiers: string[][];
  actions: string[][];
  dedupeKey: string;
}

interface ResolvedAlt {
  tokens: string[];
  factor: number;
}

interface ResolvedConcept {
  alts: ResolvedAlt[];
  weight: number;
  info: number;
  accented?: string;
  literal: boolean;
  qualifier: boolean;
  soft: boolean;
  label: string;
}

function stripPrefix(name: string): string {
  return name.replace(/^\s*thủ tục\s+/i, '').trim();
}

function accentedWords(s: string): string[] {
  return s.normalize('NFC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function addPosting(map: Map<string, Posting>, key: string, doc: number): void {
  let p = map.get(key);
  if (!p) {
    p = { docs: [], tfs: [] };
    map.set(key, p);
  }
  const last = p.docs.length - 1;
  if (last >= 0 && p.docs[last] === doc) p.tfs[last]++;
  else {
    p.docs.push(doc);
    p.tfs.push(1);
  }
}

/**
 * What a name says about where it is done: districts were abolished in 2025, so "(thực hiện tại cấp huyện)"
 * variants are obsolete for a commune; "(… tại cấp xã)" is the commune's own.
 */
function namePlacePrior(name: string): number {
  const n = name.toLowerCase();
  if (/cấp huyện/.test(n) && !/cấp xã/.test(n)) return 0.7;
  if (/tại cấp xã\)?\s*$|\(thực hiện tại cấp xã\)/.test(n)) return 1.1;
  if (/\(thực hiện tại cấp tỉnh\)/.test(n)) return 0.9;
  return 1;
}

function levelPrior(levels: readonly string[]): number {
  if (levels.includes('xã')) return 1.3;
  if (levels.includes('tỉnh')) return 1;
  if (levels.includes('khác')) return 0.9;
  return 0.75;
}

/** Length of the longest run of consecutive query tokens found consecutively in the name, and where it starts. */
function longestRun(query: string[], name: string[]): { run: number; start: number } {
  let best = 0;
  let start = -1;
  let prevRow = new Array<number>(name.length + 1).fill(0);
  for (let i = 1; i <= query.length; i++) {
    const row = new Array<number>(name.length + 1).fill(0);
    for (let j = 1; j <= name.length; j++) {
      if (query[i - 1] === name[j - 1]) {
        row[j] = prevRow[j - 1] + 1;
        if (row[j] > best) {
          best = row[j];
          start = j - row[j];
        }
      }
    }
    prevRow = row;
  }
  return { run: best, start };
}

/** Build the in-memory index. Cost is linear in the catalog; call once at start-up. */
export function createProcedureIndex(
  procedures: readonly SearchableProcedure[],
  tuning: IndexTuning = DEFAULT_TUNING,
): ProcedureIndex {
  const docs: Doc[] = [];
  const name = new Map<string, Posting>();
  const nameBigram = new Map<string, Posting>();
  /** Word pairs of the rest of each record (documents, steps, result): weaker evidence than the name. */
  const bodyBigram = new Map<string, Posting>();
  const field = new Map<string, Posting>();
  const next = new Map<string, Set<string>>();
  const prev = new Map<string, Set<string>>();

  procedures.forEach((p, id) => {
    const display = stripPrefix(p.name);
    const expansions = tokenize(display)
      .filter((t) => t in NAME_ABBREVIATIONS)
      .map((t) => NAME_ABBREVIATIONS[t]);
    const texts = [display, ...(p.keywords ?? []), ...new Set(expansions)];
    const tokens: string[] = [];
    const accented = new Set<string>();
    for (const text of texts) {
      const toks = tokenize(text);
      toks.forEach((t, i) => {
        addPosting(name, t, id);
        if (i > 0) {
          addPosting(nameBigram, `${toks[i - 1]} ${t}`, id);
          (next.get(toks[i - 1]) ?? next.set(toks[i - 1], new Set()).get(toks[i - 1])!).add(t);
          (prev.get(t) ?? prev.set(t, new Set()).get(t)!).add(toks[i - 1]);
        }
      });
      tokens.push(...toks);
      for (const w of accentedWords(text)) accented.add(w);
    }
    if (p.text) {
      const body = tokenize(p.text.slice(0, BODY_CHARS));
      const seen = new Set<string>();
      for (let i = 1; i < body.length; i++) {
        const key = `${body[i - 1]} ${body[i]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        addPosting(bodyBigram, key, id);
      }
    }
    const ftoks = tokenize(p.field);
    for (const t of ftoks) addPosting(field, t, id);
    const tokenSet = new Set(tokens);
    const words = accentedWords(display);
    const joinedAccented = ` ${words.join(' ')} `;
    let headAccented = ` ${words.slice(0, MARKER_SCOPE).join(' ')} `;
    for (const ex of MARKER_EXCEPTIONS) headAccented = headAccented.replace(ex, ' ');
    const find = (list: string[], text: string) => list.filter((m) => text.includes(` ${m} `)).map((m) => tokenize(m));
    const qualifiers = [...find(QUALIFIER_MARKERS, headAccented), ...find(AUDIENCE_MARKERS, joinedAccented)];
    const actions = find(ACTION_MARKERS, headAccented);
    const resident = RESIDENT_WORDS.some((w) => joinedAccented.includes(` ${w} `)) ? 1.06 : 1;
    docs.push({
      hit: { code: p.code, name: p.name, field: p.field, levels: p.levels },
      nameLen: tokens.length,
      fieldLen: ftoks.length,
      distinct: tokenSet.size,
      tokens: tokenSet,
      accented,
      head: new Set(tokenize(display).slice(0, HEAD)),
      seq: tokenize(display),
      prior: levelPrior(p.levels) * namePlacePrior(display) * resident * (1 + 0.15 * Math.max(0, Math.min(1, p.popularity ?? 0))),
      qualifiers,
      actions,
      dedupeKey: tokenize(display).join(' '),
    });
  });

  /** Every accented word of every name: a typed word outside it is a misspelling, not a different word. */
  const accentedVocab = new Set<string>();
  for (const d of docs) for (const w of d.accented) accentedVocab.add(w);
  /** Real words: those of names and of the records' text, accented and folded. */
  const dictionary = new Set<string>(accentedVocab);
  for (const p of procedures) {
    if (!p.text) continue;
    for (const w of accentedWords(p.text)) {
      dictionary.add(w);
      dictionary.add(tokenize(w).join(''));
    }
  }
  for (const d of docs) for (const t of d.tokens) dictionary.add(t);
  /** A typed word that is a real word (as typed, with or without its diacritics) is not a typo. */
  const isRealWord = (folded: string, accented: string | undefined) =>
    accented !== undefined ? dictionary.has(accented) : dictionary.has(folded);
  const N = Math.max(1, docs.length);
  const avgName = docs.reduce((s, d) => s + d.nameLen, 0) / N || 1;
  const idf = (df: number) => Math.log(1 + (N - df + 0.5) / (df + 0.5));
  const tokenIdf = (t: string) => {
    const p = name.get(t);
    return p ? idf(p.docs.length) : UNKNOWN_INFO;
  };
  const known = (t: string) => name.has(t) || field.has(t);
  const knownBigram = (a: string, b: string) => nameBigram.has(`${a} ${b}`);

  const vocab = [...new Set([...name.keys()])].filter((t) => /^[a-z]+$/.test(t));
  const byKey = new Map<string, string[]>();
  const byLength = new Map<number, string[]>();
  for (const t of vocab) (byLength.get(t.length) ?? byLength.set(t.length, []).get(t.length)!).push(t);
  for (const t of vocab) {
    const k = phoneticKey(t);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(t);
  }

  /** Known words close to an unknown one: same phonetic key, or within edit distance. */
  function fuzzyAlternatives(t: string, typedWithAccents: boolean): ResolvedAlt[] {
    if (t.length < 3 || !/^[a-z]+$/.test(t)) return [];
    const found = new Map<string, number>();
    if (!typedWithAccents) {
      for (const c of byKey.get(phoneticKey(t)) ?? []) found.set(c, 0.8);
      const max = t.length >= 7 ? 2 : 1;
      for (let len = t.length - max; len <= t.length + max; len++) {
        for (const c of byLength.get(len) ?? []) {
          const d = editDistanceAtMost(t, c, max);
          if (d <= max) found.set(c, Math.max(found.get(c) ?? 0, d === 1 ? 0.8 : 0.65));
        }
      }
    }
    const alts: ResolvedAlt[] = [...found.entries()]
      .sort((a, b) => b[1] - a[1] || (name.get(b[0])?.docs.length ?? 0) - (name.get(a[0])?.docs.length ?? 0))
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
        const key = phoneticKey(t);
        const consider = (set: Set<string> | undefined) => {
          for (const v of set ?? []) {
            if (v === t) continue;
            if (phoneticKey(v) === key) variants.set(v, 0.85);
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

  const total = new Float64Array(N);
  const coverNum = new Float64Array(N);
  const matchedTok = new Float64Array(N);
  const headTok = new Float64Array(N);
  const anchor = new Uint8Array(N);
  const literalHits = new Uint8Array(N);
  const inTotal = new Uint8Array(N);
  const cBest = new Float64Array(N);
  const cExact = new Uint8Array(N);
  const cTok = new Float64Array(N);
  const cHead = new Float64Array(N);
  const inC = new Uint8Array(N);
  const aSum = new Float64Array(N);
  const aTok = new Float64Array(N);
  const aHead = new Float64Array(N);
  const aBig = new Float64Array(N);
  const inA = new Uint8Array(N);

  const lengthNorm = docs.map((d) => (K1 + 1) / (1 + K1 * (1 - B + (B * Math.min(d.nameLen, LENGTH_CAP)) / avgName)));

  function search(query: string, options: SearchOptions = {}): SearchResponse {
    const limit = options.limit ?? 10;
    const analyzed = analyzeQuery(query.slice(0, 500));
    const concepts = resolve(analyzed.concepts).filter((c) => c.alts.length);
    const understood = concepts.map((c) => c.alts.map((a) => a.tokens.join(' ')).join(' / ')).join(' | ');
    const empty: SearchResponse = { results: [], confident: false, decision: 'unknown', candidates: [], understood };
    const content = concepts.filter((c) => !c.soft);
    if (!content.length) return empty;
    const infoTotal = content.reduce((s, c) => s + c.info * Math.min(1, c.weight), 0);

    const touched: number[] = [];
    const queryTokens = new Set<string>(analyzed.tokens);
    for (const c of concepts) for (const a of c.alts) for (const t of a.tokens) queryTokens.add(t);

    let matchedInfo = 0;
    for (const c of concepts) {
      const cTouched: number[] = [];
      for (const alt of c.alts) {
        const aTouched: number[] = [];
        const weights = alt.tokens.map((t) => Math.min(UNKNOWN_INFO, tokenIdf(t)));
        const altWeight = weights.reduce((x, y) => x + y, 0) || 1;
        const bigrams = alt.tokens.length - 1;
        alt.tokens.forEach((t, ti) => {
          const share = weights[ti] / altWeight;
          const posting = name.get(t);
          // A soft word found in a large share of all names ("đăng", "ký", "giấy") cannot tell procedures
          // apart on its own; walking its postings costs more than it ranks.
          if (posting && !(c.soft && alt.tokens.length === 1 && posting.docs.length > SOFT_DF_LIMIT * N)) {
            for (const d of posting.docs) {
              let m = share;
              if (c.accented && alt.tokens.length === 1 && !docs[d].accented.has(c.accented)) m *= ACCENT_MISMATCH;
              if (!inA[d]) {
                inA[d] = 1;
                aTouched.push(d);
              }
              aSum[d] += m;
              aTok[d] += 1;
              if (docs[d].head.has(t)) aHead[d] += 1;
            }
          }
          const fp = field.get(t);
          if (fp) {
            for (const d of fp.docs) {
              if (docs[d].tokens.has(t)) continue;
              if (!inA[d]) {
                inA[d] = 1;
                aTouched.push(d);
              }
              aSum[d] += FIELD_MATCH * share;
            }
          }
          if (ti > 0) {
            const bp = nameBigram.get(`${alt.tokens[ti - 1]} ${t}`);
            if (bp) for (const d of bp.docs) if (inA[d]) aBig[d] += 1;
          }
        });
        for (const d of aTouched) {
          let m = Math.min(1, aSum[d]) * alt.factor;
          if (bigrams > 0) m *= 0.8 + (0.2 * aBig[d]) / bigrams;
          if (!inC[d]) {
            inC[d] = 1;
            cTouched.push(d);
          }
          if (m > cBest[d]) {
            cBest[d] = m;
            cTok[d] = aTok[d];
            cHead[d] = aHead[d];
            cExact[d] = alt.factor === 1 ? 1 : 0;
          }
          aSum[d] = 0;
          aTok[d] = 0;
          aHead[d] = 0;
          aBig[d] = 0;
          inA[d] = 0;
        }
      }
      if (!c.soft) {
        let strongest = 0;
        for (const d of cTouched) if (cBest[d] > strongest) strongest = cBest[d];
        matchedInfo += c.info * Math.min(1, c.weight) * Math.min(1, strongest / 0.6);
      }
      for (const d of cTouched) {
        if (!inTotal[d]) {
          inTotal[d] = 1;
          touched.push(d);
        }
        const m = cBest[d];
        total[d] += c.weight * c.info * m * lengthNorm[d];
        if (!c.soft) coverNum[d] += c.info * Math.min(1, c.weight) * m;
        matchedTok[d] += cTok[d];
        headTok[d] += cHead[d];
        if (!c.soft && m >= 0.6) {
          if (!c.literal) {
            if (!c.qualifier) anchor[d] = STRONG;
          } else if (c.alts.some((a) => a.tokens.length > 1)) anchor[d] = STRONG;
          else if (cExact[d] && ++literalHits[d] >= 3) anchor[d] = Math.max(anchor[d], WEAK);
        }
        cBest[d] = 0;
        cExact[d] = 0;
        cTok[d] = 0;
        cHead[d] = 0;
        inC[d] = 0;
      }
    }

    for (let i = 1; i < concepts.length; i++) {
      const lc = concepts[i - 1];
      const rc = concepts[i];
      for (const la of lc.alts.slice(0, 2)) {
        for (const ra of rc.alts.slice(0, 2)) {
          const bp = nameBigram.get(`${la.tokens[la.tokens.length - 1]} ${ra.tokens[0]}`);
          if (!bp) continue;
          const bonus = PHRASE_BONUS * Math.min(lc.info * lc.weight, rc.info * rc.weight) * Math.min(la.factor, ra.factor);
          const literalPair = lc.literal && rc.literal && !lc.soft && !rc.soft;
          for (const d of bp.docs) {
            if (!inTotal[d]) continue;
            total[d] += bonus * lengthNorm[d];
            if (literalPair) anchor[d] = STRONG;
          }
        }
      }
    }

    // The record's own text ranks the candidates the name found: "giấy báo tử", "lương hưu", "giấy chứng sinh".
    if (BODY_WEIGHT > 0) {
      const qt = analyzed.tokens;
      const done = new Set<string>();
      for (let i = 1; i < qt.length; i++) {
        if (HARD_QUERY_FILLERS.has(qt[i - 1]) || HARD_QUERY_FILLERS.has(qt[i])) continue;
        const key = `${qt[i - 1]} ${qt[i]}`;
        if (done.has(key)) continue;
        done.add(key);
        const bp = bodyBigram.get(key);
        if (!bp || bp.docs.length > N / 4) continue;
        const w = BODY_WEIGHT * idf(bp.docs.length);
        for (const d of bp.docs) if (inTotal[d]) total[d] += w * lengthNorm[d];
      }
    }

    // Words no procedure name contains are the resident's context, not the need: they weigh little in coverage.
    const coverDenominator = matchedInfo + UNMATCHED_SHARE * Math.max(0, infoTotal - matchedInfo);
    const scored: Array<{ d: number; score: number; cover: number; anchored: boolean; strong: boolean; evidence: number }> = [];
    for (const d of touched) {
      const doc = docs[d];
      const headCover = Math.min(1, headTok[d] / Math.min(doc.distinct, HEAD));
      const docCover = Math.min(1, matchedTok[d] / doc.distinct);
      let mult = (0.5 + 0.35 * Math.sqrt(headCover) + 0.15 * docCover) * doc.prior;
      const mentioned = (marker: string[]) => marker.every((t) => queryTokens.has(t));
      for (const marker of doc.qualifiers) if (!mentioned(marker)) mult *= MARKER_PENALTY;
      if (doc.actions.length && !doc.actions.some(mentioned)) {
        mult *= doc.actions.length > 1 ? MARKER_PENALTY * MARKER_PENALTY : MARKER_PENALTY;
      }
      scored.push({
        d,
        score: total[d] * mult,
        cover: coverDenominator ? coverNum[d] / coverDenominator : 0,
        anchored: anchor[d] > 0,
        strong: anchor[d] === STRONG,
        evidence: coverNum[d],
      });
      total[d] = 0;
      coverNum[d] = 0;
      matchedTok[d] = 0;
      headTok[d] = 0;
      anchor[d] = 0;
      literalHits[d] = 0;
      inTotal[d] = 0;
    }
    scored.sort((a, b) => b.score - a.score || a.d - b.d);
    const phrase = concepts.flatMap((c) => c.alts[0].tokens);
    const rerank = scored.slice(0, RERANK);
    for (const s of rerank) {
      const { run, start } = longestRun(phrase, docs[s.d].seq);
      if (run >= 2) s.score *= Math.min(1.3, 1 + 0.06 * (run - 1)) * (start === 0 ? 1.05 : 1);
    }
    rerank.sort((a, b) => b.score - a.score || a.d - b.d);
    scored.splice(0, rerank.length, ...rerank);

    const seen = new Set<string>();
    const ranked: typeof scored = [];
    for (const s of scored) {
      const key = docs[s.d].dedupeKey;
      if (seen.has(key)) continue;
      seen.add(key);
      ranked.push(s);
      if (ranked.length >= Math.max(limit, 5) * 3) break;
    }
    const toHit = (s: { d: number; score: number; cover: number }): SearchHit => ({
      ...docs[s.d].hit,
      score: round(s.score),
      coverage: round(s.cover),
    });
    // A long message is mostly context: a candidate with enough evidence of its own is offered even when
    // it explains little of the message, but only as one of the choices, never as a direct answer.
    const long = content.length >= LONG_QUERY;
    const byEvidence = (s: (typeof ranked)[number]) => long && s.strong && s.evidence >= ABS_EVIDENCE;
    // Without a word of asking for something ("làm", "xin", "đăng ký", "ở đâu"…) only a named procedure
    // phrase or an everyday word for one makes a procedure question: "bạn thông minh thật" does not.
    const asks = analyzed.intent || concepts.some((c) => !c.literal && !c.soft && !c.qualifier);
    const pool = ranked.filter((s) =>
      asks ? s.anchored && (s.cover >= tuning.minCoverage || byEvidence(s)) : s.strong && s.cover >= NO_INTENT_COVERAGE,
    );
    const top = pool[0];
    const rewriteAnchored = top !== undefined && concepts.some((c) => !c.literal && !c.soft && !c.qualifier);
    if (!top || (analyzed.offTopic.length > 0 && !rewriteAnchored)) {
      return options.explain ? { ...empty, results: ranked.slice(0, limit).map(toHit) } : empty;
    }
    const second = pool[1];
    const results = pool.slice(0, limit).map(toHit);
    const contentWords = [...docs[top.d].head].filter((t) => !GENERIC_NAME_WORDS.has(t));
    const specified = contentWords.length
      ? contentWords.filter((t) => queryTokens.has(t)).length / contentWords.length
      : 1;
    const underspecified =
      specified < UNDERSPECIFIED && second !== undefined && second.cover >= top.cover - 0.05 && second.score >= 0.6 * top.score;
    // A top admitted on its own evidence, explaining little of the message, is offered, never asserted.
    const weak = top.cover < tuning.minCoverage;
    if (!weak && (!second || (second.score < tuning.chooseRatio * top.score && !underspecified))) {
      return { results, confident: true, decision: 'answer', candidates: [toHit(top)], understood };
    }
    const ratio = weak ? WEAK_CHOOSE : tuning.candidateRatio;
    const candidates = pool
      .filter((s) => s.score >= ratio * top.score)
      .slice(0, 4)
      .map(toHit);
    if (candidates.length < 2 && second) candidates.push(toHit(second));
    return { results, confident: false, decision: 'choose', candidates, understood };
  }

  return { search, size: docs.length };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
