/**
 * In-memory procedure search, built once at start-up from every procedure a
 * commune offers (national and local). Field-weighted BM25 over folded name
 * tokens and bigrams, typo tolerance (phonetic keys, edit distance, joined
 * words), synonym concepts from `normalize.ts`, a prior for the plain
 * commune-level variant, and a decision: answer, ask the resident to choose,
 * or decline.
 */
import { buildIndexDataSteps, HEAD, UNKNOWN_INFO } from './index-data.js';
import { runSteps, type Steps } from '../core/steps.js';
import { GENERIC_NAME_WORDS } from './name-markers.js';
import { analyzeQuery } from './normalize.js';
import { resolveConcepts } from './query-resolve.js';
import {
  DEFAULT_TUNING,
  type IndexTuning,
  type ProcedureIndex,
  type SearchHit,
  type SearchOptions,
  type SearchResponse,
  type SearchableProcedure,
} from './search-types.js';

export * from './search-types.js';

/** Messages with at least this many content words are held to `IndexTuning.minScore`. */
const MIN_SCORE_WORDS = 3;
/** A word found in a procedure's field rather than its name counts this much. */
const FIELD_MATCH = 0.5;
/** Two query words adjacent in a name add this share of their information. */
const PHRASE_BONUS = 0.5;
/** A single word typed with other diacritics than the name's ("cười" for "cưới") counts this much. */
const ACCENT_MISMATCH = 0.45;
/** Anchor kinds: a procedure phrase or an everyday word for one (strong), or three plain name words (weak). */
const STRONG = 2;
/** Share of all names above which a lone soft word's postings are not walked. */
const SOFT_DF_LIMIT = 0.15;
/** Weight of a word pair of a record's text (documents, steps, result) against the name. */
const BODY_WEIGHT = 0.5;
/** Query words that never form evidence in a record's text. */
const HARD_QUERY_FILLERS = new Set([
  'toi',
  'em',
  'a',
  'cho',
  'va',
  'cua',
  'la',
  'thi',
  'co',
  'khong',
  'o',
  'de',
  'duoc',
  'nha',
  'lam',
]);
/** Coverage a message without a word of asking must reach: it is all procedure name, or it is not a request. */
const NO_INTENT_COVERAGE = 0.8;
const WEAK = 1; // three plain name words: see STRONG
/** Share of the information of query words that match no procedure still counted against coverage. */
const UNMATCHED_SHARE = 0.3;
/** A query with at least this many content words is a long message. */
const LONG_QUERY = 7;
/** Information a candidate must explain on its own to be offered for a long message. */
const ABS_EVIDENCE = 6;
/** A weakly covered top answer becomes a choice when the second is at least this close. */
const WEAK_CHOOSE = 0.5;
/** A variant whose marker the resident did not mention ("lưu động", "cấp lại") ranks this much lower per marker. */
const MARKER_PENALTY = 0.86;
/** How many of the best hits are re-ranked by the longest run of query words in their name. */
const RERANK = 40;
/** Candidates within this ratio of the best are ordered base procedure first, variants the resident did not ask for after. */
const BASE_FIRST_RATIO = 0.95;
/**
 * When the query names less than this share of the top name's content words
 * ("chứng thực" vs "Chứng thực di chúc") and others fit as well, ask back.
 */
const UNDERSPECIFIED = 0.6;

/** Where each of the query's tokens stands in it (longestRun's view of the query, built once per search). */
function positionsOf(query: readonly string[]): Map<string, number[]> {
  const at = new Map<string, number[]>();
  query.forEach((t, i) => (at.get(t) ?? at.set(t, []).get(t)!).push(i));
  return at;
}

/**
 * Length of the longest run of consecutive query tokens found consecutively in the name, and where it starts
 * in the name. Walks the name and, for each of its tokens, only the query positions holding that token (a long
 * message against forty names was a tenth of a search as a full table). Of equally long runs, the one ending
 * earliest in the query, then in the name, counts.
 */
function longestRun(
  at: ReadonlyMap<string, number[]>,
  queryLength: number,
  name: readonly string[],
): { run: number; start: number } {
  let best = 0;
  let start = -1;
  let bestEnd = Infinity;
  if (runRow.length <= queryLength) {
    runRow = new Int32Array(2 * (queryLength + 1));
    runPrev = new Int32Array(2 * (queryLength + 1));
  }
  // prev[i + 1]: the run ending at query position i and at the name's previous token.
  let prev = runPrev;
  let cur = runRow;
  let prevSet: readonly number[] = NO_POSITIONS;
  for (let j = 0; j < name.length; j++) {
    const positions = at.get(name[j]) ?? NO_POSITIONS;
    for (const i of positions) {
      const run = prev[i] + 1;
      cur[i + 1] = run;
      if (run > best || (run === best && i < bestEnd)) {
        best = run;
        bestEnd = i;
        start = j - run + 1;
      }
    }
    for (const i of prevSet) prev[i + 1] = 0;
    [prev, cur] = [cur, prev];
    prevSet = positions;
  }
  for (const i of prevSet) prev[i + 1] = 0;
  return { run: best, start };
}

/** longestRun's two rows, reused and left zeroed (it runs on every reranked candidate of every search). */
let runRow = new Int32Array(64);
let runPrev = new Int32Array(64);
const NO_POSITIONS: readonly number[] = [];
const NONE = new Int32Array(0);

/** Build the in-memory index at once. Cost is linear in the catalog (about a second for the national one). */
export function createProcedureIndex(
  procedures: readonly SearchableProcedure[],
  tuning: IndexTuning = DEFAULT_TUNING,
): ProcedureIndex {
  return runSteps(procedureIndexSteps(procedures, tuning));
}

/** The same build in slices, for `runStepsAsync` (src/core/steps.ts): a rebuild while serving. */
export function* procedureIndexSteps(
  procedures: readonly SearchableProcedure[],
  tuning: IndexTuning = DEFAULT_TUNING,
): Steps<ProcedureIndex> {
  const data = yield* buildIndexDataSteps(procedures);
  const { docs, name, nameBigram, bodyBigram, nameHead, fieldOnly, nameAccent, N, idf, tokenIdf, lengthNorm } = data;
  const resolve = (concepts: Parameters<typeof resolveConcepts>[1]) => resolveConcepts(data, concepts);
  // Scores grow with the rarity a word can have in this catalog, up to the cap on a word's weight (UNKNOWN_INFO).
  // The floor was set on the national catalog, whose rarest word (idf 7.5) is over the cap: a smaller catalog
  // whose rarest word is under it gets a floor lowered in proportion, a larger one the same floor.
  const scoreFloor = tuning.minScore * Math.min(1, idf(1) / UNKNOWN_INFO);

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
        for (let ti = 0; ti < alt.tokens.length; ti++) {
          const t = alt.tokens[ti];
          const share = weights[ti] / altWeight;
          const posting = name.get(t);
          // A soft word found in a large share of all names ("đăng", "ký", "giấy") cannot tell procedures
          // apart on its own; walking its postings costs more than it ranks.
          if (posting && !(c.soft && alt.tokens.length === 1 && posting.length > SOFT_DF_LIMIT * N)) {
            // Indexed loops over the packed postings: the hottest lines of a search.
            // Names with the word as typed, accents and all: both lists ascend, so one walk beside the other
            // tells which names have it (a Set lookup per posting was a fifth of a search's time).
            const accent = alt.tokens.length === 1 ? c.accented : undefined;
            const withAccent = accent ? (nameAccent.get(accent) ?? NONE) : undefined;
            let k = 0;
            for (let i = 0; i < posting.length; i++) {
              const d = posting[i];
              let m = share;
              if (withAccent) {
                while (k < withAccent.length && withAccent[k] < d) k++;
                if (withAccent[k] !== d) m *= ACCENT_MISMATCH;
              }
              if (!inA[d]) {
                inA[d] = 1;
                aTouched.push(d);
              }
              aSum[d] += m;
              aTok[d] += 1;
            }
            // The name's first words are among its words: every one of these documents was just touched.
            const hp = nameHead.get(t);
            if (hp) for (let i = 0; i < hp.length; i++) aHead[hp[i]] += 1;
          }
          // The field's words, for documents whose name does not have the word itself.
          const fp = fieldOnly.get(t);
          if (fp) {
            for (let i = 0; i < fp.length; i++) {
              const d = fp[i];
              if (!inA[d]) {
                inA[d] = 1;
                aTouched.push(d);
              }
              aSum[d] += FIELD_MATCH * share;
            }
          }
          if (ti > 0) {
            const bp = nameBigram.get(`${alt.tokens[ti - 1]} ${t}`);
            if (bp) for (let i = 0; i < bp.length; i++) if (inA[bp[i]]) aBig[bp[i]] += 1;
          }
        }
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
          for (const d of bp) {
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
        if (!bp || bp.length > N / 4) continue;
        const w = BODY_WEIGHT * idf(bp.length);
        for (const d of bp) if (inTotal[d]) total[d] += w * lengthNorm[d];
      }
    }

    // Words no procedure name contains are the resident's context, not the need: they weigh little in coverage.
    const coverDenominator = matchedInfo + UNMATCHED_SHARE * Math.max(0, infoTotal - matchedInfo);
    const scored: Array<{ d: number; score: number; cover: number; anchored: boolean; strong: boolean; evidence: number }> = [];
    const mentioned = (marker: string[]) => marker.every((t) => queryTokens.has(t));
    for (const d of touched) {
      // Only an anchored procedure can be offered: the others are scored for diagnostics alone.
      if (anchor[d] === 0 && !options.explain) {
        total[d] = 0;
        coverNum[d] = 0;
        matchedTok[d] = 0;
        headTok[d] = 0;
        literalHits[d] = 0;
        inTotal[d] = 0;
        continue;
      }
      const doc = docs[d];
      const headCover = Math.min(1, headTok[d] / Math.min(doc.distinct, HEAD));
      const docCover = Math.min(1, matchedTok[d] / doc.distinct);
      let mult = (0.5 + 0.35 * Math.sqrt(headCover) + 0.15 * docCover) * doc.prior;
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
    const at = positionsOf(phrase);
    const rerank = scored.slice(0, RERANK);
    for (const s of rerank) {
      const { run, start } = longestRun(at, phrase.length, docs[s.d].seq);
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
    // Among close candidates the base procedure goes before its variants the resident did not ask for.
    if (pool.length > 1) {
      const unasked = (d: number) =>
        docs[d].qualifiers.filter((m) => !mentioned(m)).length +
        (docs[d].actions.length && !docs[d].actions.some(mentioned) ? 1 : 0);
      const close = pool.filter((x) => x.score >= BASE_FIRST_RATIO * pool[0].score).length;
      const head = pool.slice(0, close).sort((a, b) => unasked(a.d) - unasked(b.d) || b.score - a.score);
      pool.splice(0, close, ...head);
    }
    const top = pool[0];
    const rewriteAnchored = top !== undefined && concepts.some((c) => !c.literal && !c.soft && !c.qualifier);
    // Little evidence in a message of several words: a few common words matched, the message is about something else.
    const faint = top !== undefined && top.score < scoreFloor && content.length >= MIN_SCORE_WORDS;
    if (!top || faint || (analyzed.offTopic.length > 0 && !rewriteAnchored)) {
      return options.explain ? { ...empty, results: ranked.slice(0, limit).map(toHit) } : empty;
    }
    const second = pool[1];
    const results = pool.slice(0, limit).map(toHit);
    const contentWords = [...docs[top.d].head].filter((t) => !GENERIC_NAME_WORDS.has(t));
    const specified = contentWords.length ? contentWords.filter((t) => queryTokens.has(t)).length / contentWords.length : 1;
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

  return { search, size: docs.length, scoreFloor };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
