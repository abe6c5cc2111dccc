/**
 * A linear model of which procedure a question asks for, learned from the
 * answered examples (examples.ts): an averaged multi-class perceptron over
 * the question's words and adjacent word pairs (Collins 2002; the averaged
 * perceptron is the linear classifier of many part-of-speech taggers).
 *
 * The nearest examples compare a question with each example as a whole; a
 * story's incidental words ("đã công chứng hợp đồng… giờ xin phép xây nhà")
 * make it near the wrong ones. The model learns instead which words tell one
 * procedure from its neighbours ("xây" against "công chứng", "lại" against
 * "mới"), because it is corrected only where it confuses them. The two read
 * the same examples and vote together (examples.ts).
 *
 * Training is deterministic (a fixed shuffle), so a build is reproducible.
 */
import { exampleWords, PLAIN_WORDS } from './example-words.js';

/** The class of declined examples (chit-chat, decided elsewhere). */
export const DECLINED = '∅';

/**
 * A question's features: its words other than plain ones (they say how or who, not which procedure), and
 * adjacent pairs, plain words included ("cấp lại", "làm mới", "con nuôi"), except pairs of two plain words.
 */
export function modelFeatures(words: readonly string[]): string[] {
  const out = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (/^\d+$/.test(w)) continue;
    if (!PLAIN_WORDS.has(w)) out.add(w);
    const next = words[i + 1];
    if (next !== undefined && !(PLAIN_WORDS.has(w) && PLAIN_WORDS.has(next))) out.add(`${w} ${next}`);
  }
  return [...out];
}

export interface ExampleModel {
  /** The procedures (and DECLINED) by the model's score for the question, best first; positive scores only. */
  scores(text: string): Array<{ code: string; score: number }>;
  /** The same for a message's words already read (`exampleWords`). */
  scoresOf(words: readonly string[]): Array<{ code: string; score: number }>;
  readonly classes: number;
  /** The class ids' codes and, per feature, the classes it weighs for (storeModel reads them). */
  readonly codes: readonly string[];
  readonly weights: ReadonlyMap<string, Readonly<Packed>>;
}

/** Passes over the examples. */
const EPOCHS = 10;

/** One feature's weights while training: parallel lists of class ids, weights and their running sums. */
interface Row {
  classes: number[];
  w: number[];
  /** Σ step × update, for the average (Daumé's trick: the average is w − u / steps). */
  u: number[];
}

export function trainExampleModel(
  examples: ReadonlyArray<{ q: string; codes: readonly string[] | null }>,
  epochs = EPOCHS,
): ExampleModel {
  const names: string[] = [];
  const classId = new Map<string, number>();
  const idOf = (code: string) => classId.get(code) ?? (classId.set(code, names.push(code) - 1), names.length - 1);
  const featureId = new Map<string, number>();
  const rows: Row[] = [];
  examples.forEach((e, i) => {
    // An empty list would train a class that is not there: a labelling slip, refused as loadExamples does.
    if (e.codes && !e.codes.length) throw new Error(`example ${i}: codes must be null or a non-empty list`);
  });
  const data = examples.map((e) => ({
    f: Int32Array.from(modelFeatures(exampleWords(e.q)), (f) => {
      let id = featureId.get(f);
      if (id === undefined) {
        id = rows.push({ classes: [], w: [], u: [] }) - 1;
        featureId.set(f, id);
      }
      return id;
    }),
    codes: (e.codes ?? [DECLINED]).map(idOf),
  }));
  const acc = new Float64Array(names.length);
  const touched: number[] = [];
  let step = 1;
  const update = (row: Row, k: number, d: number) => {
    let i = row.classes.indexOf(k);
    if (i < 0) i = row.classes.push(k) - 1;
    row.w[i] = (row.w[i] ?? 0) + d;
    row.u[i] = (row.u[i] ?? 0) + step * d;
  };
  // A fixed linear congruential shuffle: the same examples train the same model.
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const order = data.map((_, i) => i);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) {
      const { f, codes } = data[i];
      for (const id of f) {
        const row = rows[id];
        for (let j = 0; j < row.classes.length; j++) {
          const k = row.classes[j];
          if (acc[k] === 0) touched.push(k);
          acc[k] += row.w[j];
        }
      }
      // The best wrong class against the best right one (an example may name two procedures).
      let wrong = -1;
      let wrongScore = 0;
      for (const k of touched) if (acc[k] > wrongScore && !codes.includes(k)) [wrong, wrongScore] = [k, acc[k]];
      let right = codes[0];
      let rightScore = -Infinity;
      for (const k of codes) if (acc[k] > rightScore) [right, rightScore] = [k, acc[k]];
      for (const k of touched) acc[k] = 0;
      touched.length = 0;
      if (rightScore <= wrongScore) {
        for (const id of f) {
          update(rows[id], right, 1);
          if (wrong >= 0) update(rows[id], wrong, -1);
        }
      }
      step++;
    }
  }
  // Averaged, packed: per feature the classes it speaks for and its averaged weights.
  const packed = new Map<string, Packed>();
  for (const [f, id] of featureId) {
    const row = rows[id];
    const ids: number[] = [];
    const weights: number[] = [];
    row.classes.forEach((k, j) => {
      const a = row.w[j] - row.u[j] / step;
      if (Math.abs(a) > 1e-6) {
        ids.push(k);
        weights.push(a);
      }
    });
    if (ids.length) packed.set(f, { ids: Int32Array.from(ids), weights: Float32Array.from(weights) });
  }
  return modelOf(names, packed);
}

/** A model as shipped (data/catalog/example-model.json.gz): per feature, its classes and weights alternating. */
export interface StoredModel {
  version: 1;
  /** SHA-256 of the examples file it was learned from: a model is only read beside its own examples. */
  examples: string;
  classes: string[];
  features: Record<string, number[]>;
}

export function storeModel(model: ExampleModel, examplesHash: string): StoredModel {
  const features: Record<string, number[]> = {};
  for (const [f, { ids, weights }] of model.weights) {
    const row: number[] = [];
    // Four decimals: the averaged weights' differences that decide an order are far larger.
    ids.forEach((k, i) => row.push(k, Math.round(weights[i] * 1e4) / 1e4));
    features[f] = row;
  }
  return { version: 1, examples: examplesHash, classes: [...model.codes], features };
}

export function readModel(stored: StoredModel): ExampleModel {
  if (stored.version !== 1 || !Array.isArray(stored.classes) || typeof stored.features !== 'object')
    throw new Error('not a stored example model (version 1)');
  const packed = new Map<string, Packed>();
  for (const [f, row] of Object.entries(stored.features)) {
    const ids = new Int32Array(row.length / 2);
    const weights = new Float32Array(row.length / 2);
    for (let i = 0; i < ids.length; i++) {
      ids[i] = row[2 * i];
      weights[i] = row[2 * i + 1];
      if (!(ids[i] >= 0 && ids[i] < stored.classes.length)) throw new Error(`stored example model: bad class in ${f}`);
    }
    packed.set(f, { ids, weights });
  }
  return modelOf(stored.classes, packed);
}

interface Packed {
  ids: Int32Array;
  weights: Float32Array;
}

function modelOf(names: readonly string[], packed: ReadonlyMap<string, Packed>): ExampleModel {
  const sums = new Float64Array(names.length);
  const marked = new Uint8Array(names.length);
  const seen: number[] = [];
  return {
    classes: names.length,
    codes: names,
    weights: packed,
    scores: (text) => scoresOf(exampleWords(text)),
    scoresOf,
  };

  function scoresOf(words: readonly string[]): Array<{ code: string; score: number }> {
    for (const f of modelFeatures(words)) {
      const p = packed.get(f);
      if (!p) continue;
      for (let i = 0; i < p.ids.length; i++) {
        const k = p.ids[i];
        if (!marked[k]) {
          marked[k] = 1;
          seen.push(k);
        }
        sums[k] += p.weights[i];
      }
    }
    const out: Array<{ code: string; score: number }> = [];
    for (const k of seen) {
      if (sums[k] > 0) out.push({ code: names[k], score: sums[k] });
      sums[k] = 0;
      marked[k] = 0;
    }
    seen.length = 0;
    return out.sort((a, b) => b.score - a.score);
  }
}
