/**
 * Building the procedure index's data: postings of name words, name word
 * pairs, record-text word pairs and fields; each name's variant markers and
 * prior; the vocabulary for typo tolerance and the dictionary of real words.
 * Built once per catalog (linear cost); read by the query side.
 */
import {
  ACTION_MARKERS,
  AUDIENCE_MARKERS,
  MARKER_EXCEPTIONS,
  NAME_ABBREVIATIONS,
  QUALIFIER_MARKERS,
  RESIDENT_WORDS,
} from './name-markers.js';
import { tokenize } from './normalize.js';
import type { SearchableProcedure, SearchHit } from './search-types.js';
import { phoneticKey } from './typos.js';
import { PostingsBuilder } from './postings.js';
import { runSteps, type Steps } from '../core/steps.js';

/** BM25 saturation and length normalisation of names (lengths capped: long names are lists of cases). */
export const K1 = 1.2;
export const B = 0.3;
export const LENGTH_CAP = 20;
/** The first words of a name, where it says which procedure it is. */
export const HEAD = 10;
/** Information of an everyday word rewritten to a catalog term, relative to a word typed as in the name. */
export const REWRITE_INFO = 2;
/** Information of a word no name contains. */
export const UNKNOWN_INFO = 6;
/** Characters of each record's text indexed as word pairs. */
export const BODY_CHARS = 2000;
/** Markers are looked for in the first words of a name, where the variant is named. */
export const MARKER_SCOPE = 12;
/** Records per slice of a build between two chances for other work to run (a few milliseconds each). */
const SLICE = 32;

export interface Doc {
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

function stripPrefix(name: string): string {
  return name.replace(/^\s*thủ tục\s+/i, '').trim();
}

function accentedWords(s: string): string[] {
  return (
    s
      .normalize('NFC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
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

/** Everything the query side reads, built from the catalog. */
export type IndexData = ReturnType<typeof buildIndexData>;

/**
 * One pass over the records: documents and postings. Its own function, so that
 * the growable lists it builds with are garbage once packed (the closures that
 * buildIndexData returns keep that function's whole scope alive).
 */
function* collect(procedures: readonly SearchableProcedure[]) {
  const docs: Doc[] = [];
  const building = {
    name: new PostingsBuilder(),
    nameBigram: new PostingsBuilder(),
    /** Word pairs of the rest of each record (documents, steps, result): weaker evidence than the name. */
    bodyBigram: new PostingsBuilder(),
    field: new PostingsBuilder(),
    /** The first words of each name (`Doc.head`), as postings: the search counts them without a Set per document. */
    nameHead: new PostingsBuilder(),
    /** Field words a document's name does not have: the search's weak field evidence, without a Set per document. */
    fieldOnly: new PostingsBuilder(),
    /** The accented words of each name (`Doc.accented`), as postings: the search walks them beside a word's postings. */
    nameAccent: new PostingsBuilder(),
  };
  const next = new Map<string, Set<string>>();
  const prev = new Map<string, Set<string>>();

  for (let id = 0; id < procedures.length; id++) {
    if (id % SLICE === SLICE - 1) yield;
    const p = procedures[id];
    const display = stripPrefix(p.name);
    const expansions = tokenize(display)
      .filter((t) => Object.hasOwn(NAME_ABBREVIATIONS, t))
      .map((t) => NAME_ABBREVIATIONS[t]);
    const texts = [display, ...(p.keywords ?? []), ...new Set(expansions)];
    const tokens: string[] = [];
    const accented = new Set<string>();
    for (const text of texts) {
      const toks = tokenize(text);
      toks.forEach((t, i) => {
        building.name.add(t, id);
        if (i > 0) {
          building.nameBigram.add(`${toks[i - 1]} ${t}`, id);
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
        building.bodyBigram.add(key, id);
      }
    }
    for (const w of accented) building.nameAccent.add(w, id);
    const ftoks = tokenize(p.field);
    for (const t of ftoks) building.field.add(t, id);
    const tokenSet = new Set(tokens);
    for (const t of ftoks) if (!tokenSet.has(t)) building.fieldOnly.add(t, id);
    const head = new Set(tokenize(display).slice(0, HEAD));
    for (const t of head) building.nameHead.add(t, id);
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
      head,
      seq: tokenize(display),
      prior: levelPrior(p.levels) * namePlacePrior(display) * resident * (1 + 0.15 * Math.max(0, Math.min(1, p.popularity ?? 0))),
      qualifiers,
      actions,
      dedupeKey: tokenize(display).join(' '),
    });
  }

  return {
    docs,
    name: building.name.build(),
    nameBigram: building.nameBigram.build(),
    bodyBigram: building.bodyBigram.build(),
    field: building.field.build(),
    nameHead: building.nameHead.build(),
    fieldOnly: building.fieldOnly.build(),
    nameAccent: building.nameAccent.build(),
    next,
    prev,
  };
}

/** Real words: those of names and of the records' text, accented and folded. */
function* buildDictionary(
  procedures: readonly SearchableProcedure[],
  docs: readonly Doc[],
  accentedVocab: Set<string>,
): Steps<Set<string>> {
  const dictionary = new Set<string>(accentedVocab);
  // The records repeat the same few thousand words: fold each distinct one once (folding is most of a build's CPU).
  const folded = new Map<string, string>();
  for (let i = 0; i < procedures.length; i++) {
    if (i % SLICE === SLICE - 1) yield;
    const p = procedures[i];
    if (!p.text) continue;
    for (const w of accentedWords(p.text)) {
      dictionary.add(w);
      let f = folded.get(w);
      if (f === undefined) folded.set(w, (f = tokenize(w).join('')));
      dictionary.add(f);
    }
  }
  for (const d of docs) for (const t of d.tokens) dictionary.add(t);
  return dictionary;
}

/** Build the index data at once. Cost is linear in the catalog (about a second for the national one). */
export function buildIndexData(procedures: readonly SearchableProcedure[]) {
  return runSteps(buildIndexDataSteps(procedures));
}

/** The build in slices of records, for `runStepsAsync` (src/core/steps.ts). */
export function* buildIndexDataSteps(procedures: readonly SearchableProcedure[]) {
  const { docs, name, nameBigram, bodyBigram, field, nameHead, fieldOnly, nameAccent, next, prev } = yield* collect(procedures);
  /** Every accented word of every name: a typed word outside it is a misspelling, not a different word. */
  const accentedVocab = new Set<string>();
  for (const d of docs) for (const w of d.accented) accentedVocab.add(w);
  const dictionary = yield* buildDictionary(procedures, docs, accentedVocab);
  /** A typed word that is a real word (as typed, with or without its diacritics) is not a typo. */
  const isRealWord = (folded: string, accented: string | undefined) =>
    accented !== undefined ? dictionary.has(accented) : dictionary.has(folded);
  const N = Math.max(1, docs.length);
  const avgName = docs.reduce((s, d) => s + d.nameLen, 0) / N || 1;
  const idf = (df: number) => Math.log(1 + (N - df + 0.5) / (df + 0.5));
  const tokenIdf = (t: string) => {
    const df = name.count(t);
    return df ? idf(df) : UNKNOWN_INFO;
  };
  const known = (t: string) => name.has(t) || field.has(t);
  const knownBigram = (a: string, b: string) => nameBigram.has(`${a} ${b}`);

  /** Every name word's phonetic key, computed once: a query's neighbours are keyed again and again. */
  const nameWordKey = new Map<string, string>();
  for (const t of name.keys()) nameWordKey.set(t, phoneticKey(t));
  const keyOf = (t: string) => nameWordKey.get(t) ?? phoneticKey(t);
  const vocab = [...nameWordKey.keys()].filter((t) => /^[a-z]+$/.test(t));
  const byKey = new Map<string, string[]>();
  const byLength = new Map<number, string[]>();
  for (const t of vocab) (byLength.get(t.length) ?? byLength.set(t.length, []).get(t.length)!).push(t);
  for (const t of vocab) {
    const k = keyOf(t);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(t);
  }

  const lengthNorm = docs.map((d) => (K1 + 1) / (1 + K1 * (1 - B + (B * Math.min(d.nameLen, LENGTH_CAP)) / avgName)));
  return {
    docs,
    name,
    nameBigram,
    bodyBigram,
    field,
    nameHead,
    fieldOnly,
    nameAccent,
    next,
    prev,
    accentedVocab,
    isRealWord,
    N,
    idf,
    tokenIdf,
    known,
    knownBigram,
    byKey,
    byLength,
    keyOf,
    lengthNorm,
  };
}
