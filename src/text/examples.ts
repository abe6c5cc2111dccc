/**
 * Residents' questions whose procedure is known, used as evidence for new
 * questions that say the same thing in other words ("nearest examples").
 *
 * The catalog's names speak the administration's language; residents tell a
 * story ("ba tui mới mất, giờ làm giấy gì"). A question that resembles one
 * already answered, in its distinctive words and word pairs, probably asks
 * for the same procedure. Each example is a bag of folded words and adjacent
 * pairs weighted by how rare they are among the examples (tf-idf), compared
 * by cosine similarity; the nearest examples vote for their procedures.
 *
 * Examples come from data (the project's labelled questions, and whatever a
 * commune adds), never from the frozen held-out sets.
 */
import { DECLINED, type ExampleModel } from './example-model.js';
import { exampleWords, PLAIN_WORDS } from './example-words.js';

export interface LabelledExample {
  q: string;
  /** The procedure codes this question asks for; null: a question the commune does not handle (declined). */
  codes: string[] | null;
}

export interface ExampleVote {
  /**
   * Procedure codes, best first: by the nearest examples' summed similarity, or, with a learned model, by that
   * and the model's score, each scaled to its first and summed (0 to 1 + the model's weight).
   */
  codes: Array<{ code: string; score: number }>;
  /** Similarity of the nearest example (0..1). */
  best: number;
  /** The nearest example is one the commune declines (chit-chat, decided elsewhere). */
  nearestDeclined: boolean;
  /** Share of the nearest examples' similarity (squared, as they vote) that comes from declined examples (0..1). */
  declinedShare: number;
  /** What the learned model's first class is, when there is a model: a procedure, declined, or nothing it knows. */
  modelSays?: 'procedure' | 'declined' | 'nothing';
}

export interface ExampleIndex {
  vote(query: string): ExampleVote;
  /** Whether a procedure has answered examples at all (the vote knows nothing of one that has none). */
  known(code: string): boolean;
  readonly size: number;
}

/** Neighbours that vote. */
const K = 5;
/**
 * The procedures' centroids (the mean of their examples) vote too, with this weight against the nearest
 * examples'. Nearest examples alone favour a procedure with many examples ("đăng ký thành lập hộ kinh doanh")
 * over a rarer sibling the message names ("đổi tên", "làm lại"); a centroid counts each procedure once.
 * Cross-validated over the eleven tuning files (2026-12-07): weight 0 → 1, 2, 3, 5, 10, 100 gave mean top-1
 * 79.4 → 80.3, 80.6, 80.8, 80.9, 80.7, 79.9 %, with the share answered confidently wrong about the same.
 */
const CENTROID_WEIGHT = 5;
/** Centroids that vote. */
const CENTROIDS = 5;
/**
 * The learned model's weight in the vote against the nearest examples' (ExampleIndexOptions.modelWeight), each
 * scaled to its own first procedure. Cross-validated over the tuning files 2-18 (2026-12-08; each answered with
 * the others' examples and a model learned from them, the rest as it was): weight 1, 1.5, 2, 4, 8 gave mean top-1
 * 89.90, 90.11, 90.11, 89.69, 89.52 % (without the model: 87.91 %). Alone, on the same folds, the model's first
 * procedure was right for 87.6 % of the in-scope questions and the examples' vote's for 87.0 %; either was for 93.9 %.
 */
export const DEFAULT_MODEL_WEIGHT = 2;
/** Neighbours below this similarity do not vote. */
const MIN_SIM = 0.2;
function features(words: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string) => out.set(f, (out.get(f) ?? 0) + 1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (PLAIN_WORDS.has(w) || /^\d+$/.test(w)) continue;
    add(w);
    const next = words[i + 1];
    if (next !== undefined && !PLAIN_WORDS.has(next)) add(`${w} ${next}`);
  }
  return out;
}

export interface ExampleIndexOptions {
  /** A model learned from the same examples (example-model.ts): it votes beside the nearest examples. */
  model?: ExampleModel;
  /** The model's weight against the nearest examples' vote, each scaled to its own first procedure. */
  modelWeight?: number;
}

/** Procedures of the model's that vote. */
const MODELLED = 10;

export function createExampleIndex(examples: readonly LabelledExample[], options: ExampleIndexOptions = {}): ExampleIndex {
  const { model, modelWeight = DEFAULT_MODEL_WEIGHT } = options;
  const bags = examples.map((e) => features(exampleWords(e.q)));
  const df = new Map<string, number>();
  for (const bag of bags) for (const f of bag.keys()) df.set(f, (df.get(f) ?? 0) + 1);
  const n = Math.max(1, examples.length);
  const idf = (f: string) => Math.log(1 + n / (df.get(f) ?? 0.5));
  /** Postings: feature -> (example, weight); example vectors are unit length. Packed once built (`pack`). */
  const building = new Map<string, Array<{ e: number; w: number }>>();
  /** The procedures with examples, and the sum of their examples' unit vectors. */
  const codes: string[] = [];
  const codeIndex = new Map<string, number>();
  const sums: Array<Map<string, number>> = [];
  bags.forEach((bag, e) => {
    const weighted = [...bag].map(([f, tf]) => [f, (1 + Math.log(tf)) * idf(f)] as const);
    const norm = Math.hypot(...weighted.map(([, w]) => w)) || 1;
    for (const [f, w] of weighted) (building.get(f) ?? building.set(f, []).get(f)!).push({ e, w: w / norm });
    for (const code of examples[e].codes ?? []) {
      let c = codeIndex.get(code);
      if (c === undefined) {
        c = codes.push(code) - 1;
        codeIndex.set(code, c);
        sums.push(new Map());
      }
      for (const [f, w] of weighted) sums[c].set(f, (sums[c].get(f) ?? 0) + w / norm);
    }
  });
  const postings = pack(building);
  // The vote's closures share this scope: empty what only the build needed, or it lives as long as the index.
  building.clear();
  /** Postings of the centroids: feature -> (procedure, weight); centroids are unit length. */
  const centroidBuilding = new Map<string, Array<{ e: number; w: number }>>();
  sums.forEach((sum, c) => {
    const norm = Math.hypot(...sum.values()) || 1;
    for (const [f, w] of sum) (centroidBuilding.get(f) ?? centroidBuilding.set(f, []).get(f)!).push({ e: c, w: w / norm });
  });
  const centroidPostings = pack(centroidBuilding);
  centroidBuilding.clear();
  sums.length = 0;

  // Similarities accumulate in one reused array (the examples a query touched are listed beside it):
  // a Map and a sort of every touched example were a quarter of a search's time.
  const sims = new Float64Array(examples.length);
  const touched: number[] = [];
  const centroidSims = new Float64Array(codes.length);
  const centroidsTouched: number[] = [];

  /** The `k` nearest of `vectors` to the query's weighted features (unit-length query), nearest first. */
  function nearestOf(
    weighted: ReadonlyArray<readonly [string, number]>,
    norm: number,
    vectors: Map<string, Packed>,
    acc: Float64Array,
    seen: number[],
    k: number,
  ): Array<[number, number]> {
    for (const [f, w] of weighted) {
      const list = vectors.get(f);
      if (!list) continue;
      const q = w / norm;
      const { ids, weights } = list;
      for (let i = 0; i < ids.length; i++) {
        const e = ids[i];
        if (acc[e] === 0) seen.push(e);
        acc[e] += q * weights[i];
      }
    }
    const best = topK(seen, acc, k);
    for (const e of seen) acc[e] = 0;
    seen.length = 0;
    return best;
  }

  function vote(query: string): ExampleVote {
    const words = exampleWords(query);
    const bag = features(words);
    const weighted = [...bag].filter(([f]) => postings.has(f)).map(([f, tf]) => [f, (1 + Math.log(tf)) * idf(f)] as const);
    // Words no example has still count in the query's length: an unknown story is not a close match.
    const unknown = [...bag].filter(([f]) => !postings.has(f)).map(([, tf]) => (1 + Math.log(tf)) * Math.log(1 + 2 * n));
    const norm = Math.hypot(...weighted.map(([, w]) => w), ...unknown) || 1;
    const nearest = nearestOf(weighted, norm, postings, sims, touched, K);
    const votes = new Map<string, number>();
    let mass = 0;
    let declinedMass = 0;
    for (const [e, sim] of nearest) {
      if (sim < MIN_SIM) break;
      mass += sim * sim;
      const labels = examples[e].codes;
      if (!labels) {
        declinedMass += sim * sim;
        continue;
      }
      for (const code of labels) votes.set(code, (votes.get(code) ?? 0) + (sim * sim) / labels.length);
    }
    for (const [c, sim] of nearestOf(weighted, norm, centroidPostings, centroidSims, centroidsTouched, CENTROIDS)) {
      if (sim < MIN_SIM) break;
      votes.set(codes[c], (votes.get(codes[c]) ?? 0) + CENTROID_WEIGHT * sim * sim);
    }
    const [first] = nearest;
    const modelled = model ? model.scoresOf(words) : [];
    if (model) blend(votes, modelled, modelWeight);
    return {
      modelSays: !model ? undefined : !modelled.length ? 'nothing' : modelled[0].code === DECLINED ? 'declined' : 'procedure',
      codes: [...votes].map(([code, score]) => ({ code, score })).sort((a, b) => b.score - a.score),
      best: first ? first[1] : 0,
      nearestDeclined: first ? examples[first[0]].codes === null : false,
      declinedShare: mass ? declinedMass / mass : 0,
    };
  }

  return { vote, known: (code) => codeIndex.has(code), size: examples.length };
}

/** The nearest examples' votes and the model's scores, each scaled to its first, summed (in place). */
function blend(votes: Map<string, number>, modelled: ReadonlyArray<{ code: string; score: number }>, weight: number): void {
  const voteMax = Math.max(0, ...votes.values());
  if (voteMax > 0) for (const [code, v] of votes) votes.set(code, v / voteMax);
  const own = modelled.filter((c) => c.code !== DECLINED).slice(0, MODELLED);
  const modelMax = own[0]?.score ?? 0;
  for (const c of own) votes.set(c.code, (votes.get(c.code) ?? 0) + (weight * c.score) / modelMax);
}

/** One feature's postings packed: the vectors' ids and weights side by side (the vote's hot loop reads them). */
interface Packed {
  ids: Int32Array;
  weights: Float64Array;
}

function pack(lists: Map<string, Array<{ e: number; w: number }>>): Map<string, Packed> {
  const packed = new Map<string, Packed>();
  for (const [f, list] of lists) {
    packed.set(f, { ids: Int32Array.from(list, (p) => p.e), weights: Float64Array.from(list, (p) => p.w) });
  }
  return packed;
}

/** The `k` most similar, most similar first (ties: the earlier one), without sorting them all. */
function topK(touched: readonly number[], sims: Float64Array, k: number): Array<[number, number]> {
  const best: Array<[number, number]> = [];
  const before = (a: [number, number], e: number, sim: number) => sim > a[1] || (sim === a[1] && e < a[0]);
  for (const e of touched) {
    const sim = sims[e];
    if (best.length === k && !before(best[k - 1], e, sim)) continue;
    let i = best.length < k ? best.length : k - 1;
    while (i > 0 && before(best[i - 1], e, sim)) i--;
    best.splice(i, 0, [e, sim]);
    if (best.length > k) best.pop();
  }
  return best;
}
