/**
 * Vietnamese text normalization for search: diacritic folding, tokenization,
 * repair of leftover Telex keystrokes, abbreviation expansion and a table of
 * residents' everyday words mapped to the official terms used in procedure
 * names. Everything here is pure and table-driven.
 */

import {
  ABBREVIATIONS,
  ACCENTED_FILLERS,
  COST_WORDS,
  FILLER_PHRASES,
  FILLER_WORDS,
  INTENT_PHRASES,
  KIN_WORDS,
  LOST_THINGS,
  OFF_TOPIC_PHRASES,
  PERSON_WORDS,
  SOFT_FILLERS,
  SOFT_WORDS,
  SYNONYMS,
  type Rule,
} from './lexicon.js';
import { foldVietnamese } from '../core/fold.js';
import { PhraseIndex } from './phrase-index.js';

export { ABBREVIATIONS, FILLER_PHRASES, FILLER_WORDS, OFF_TOPIC_PHRASES, SOFT_FILLERS, SOFT_WORDS, SYNONYMS };

// ── Folding and tokens ─────────────────────────────────────────────────

export { foldVietnamese };

/** Lowercase NFC words of the raw text, diacritics kept (input to Telex repair). */
export function rawWords(s: string): string[] {
  return (
    s
      .normalize('NFC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Folded tokens: lowercase ASCII letters and digits only. */
export function tokenize(s: string): string[] {
  return foldVietnamese(s).match(/[a-z0-9]+/g) ?? [];
}

// ── Syllables and Telex ────────────────────────────────────────────────

const ONSET = '(?:ngh|ng|gh|gi|kh|ph|th|tr|ch|nh|qu|[bcdghklmnprstvx])?';
const OPEN_RHYME =
  '(?:a|e|i|o|u|y|ai|ao|au|ay|eo|eu|ia|iu|oa|oe|oi|ua|ue|ui|uu|uy|ieu|yeu|oai|oao|oay|oeo|uoi|uou|uya|uyu|uay|uo|ya)';
const CLOSED_RHYME = '(?:(?:a|e|i|o|u|y|ie|ye|uo|oa|oe|ua|uy|uye|ue)(?:c|ch|m|n|ng|nh|p|t)|oo(?:ng|c))';
const SYLLABLE = new RegExp(`^${ONSET}(?:${OPEN_RHYME}|${CLOSED_RHYME})$`);

/** Whether a folded token has the shape of a Vietnamese syllable (lenient). */
export function isVietnameseSyllable(token: string): boolean {
  return SYLLABLE.test(token);
}

const TONE_KEYS = /[sfrxj]/;

/**
 * Undo Telex keystrokes left in ASCII text when the input method was off,
 * e.g. "Nguyeenx" → "nguyen", "sinhf" → "sinh", "dawng" → "dang",
 * "thuwowngf" → "thuong". Only touches ASCII tokens that are not already a
 * valid syllable; returns the token unchanged when no repair gives one.
 */
export function repairTelex(word: string): string {
  const t = word.toLowerCase();
  if (!/^[a-z]+$/.test(t) || isVietnameseSyllable(t)) return t;
  const collapsed = t
    .replace(/^dd/, 'd')
    .replace(/([aou])w/g, '$1')
    .replace(/w/g, 'u')
    .replace(/aa/g, 'a')
    .replace(/ee/g, 'e')
    .replace(/oo(?!ng$|c$)/g, 'o');
  for (const base of collapsed === t ? [t] : [collapsed, t]) {
    if (isVietnameseSyllable(base)) return base;
    const firstVowel = base.search(/[aeiouy]/);
    if (firstVowel < 0) continue;
    for (let i = base.length - 1; i > firstVowel; i--) {
      if (!TONE_KEYS.test(base[i])) continue;
      const candidate = base.slice(0, i) + base.slice(i + 1);
      if (isVietnameseSyllable(candidate)) return candidate;
    }
  }
  return t;
}

// ── Query analysis tables ──────────────────────────────────────────────

/**
 * A unit of meaning in a query: one or more alternative folded token
 * sequences; a procedure matches the concept when it matches any alternative.
 */
export interface QueryConcept {
  alternatives: string[][];
  /** The words the resident typed (folded), for debugging. */
  source: string;
  /** Relative importance (1 = normal, SOFT_WEIGHT for soft fillers). */
  weight: number;
  /** The word as typed with diacritics, for single-word concepts. */
  accented?: string;
  /** True when the concept came from the resident's own word (not a rewrite). */
  literal: boolean;
  /** A rewrite that refines a request (foreign element, lost, first time) without naming one. */
  qualifier?: boolean;
}

/** Parsed query: content concepts in order, fillers removed. */
export interface AnalyzedQuery {
  concepts: QueryConcept[];
  /** Off-topic phrases found (weather, football, lottery…): a reason to decline. */
  offTopic: string[];
  /** Folded tokens after Telex repair, before rewriting. */
  tokens: string[];
  /** Whether the message asks for something (a request verb, an administrative noun or a question frame). */
  intent: boolean;
}

const MAX_PHRASE = 6;

type PhraseEntry = { kind: 'rule'; rule: Rule } | { kind: 'filler' } | { kind: 'offtopic' };

function buildPhraseTable(): Map<string, PhraseEntry> {
  const table = new Map<string, PhraseEntry>();
  for (const p of OFF_TOPIC_PHRASES) table.set(p, { kind: 'offtopic' });
  for (const p of FILLER_PHRASES) table.set(p, { kind: 'filler' });
  for (const [k, rule] of Object.entries(SYNONYMS)) table.set(k, { kind: 'rule', rule });
  for (const [k, rule] of Object.entries(ABBREVIATIONS)) table.set(k, { kind: 'rule', rule });
  return table;
}

const PHRASES = new PhraseIndex(buildPhraseTable());
const HARD_FILLERS = new Set(FILLER_WORDS.filter((w) => !SOFT_FILLERS.has(w)));

/** A query token: folded form, plus the word as typed when it carried diacritics. */
export interface QueryToken {
  folded: string;
  /** Lowercase NFC word with diacritics, when the resident typed them. */
  accented?: string;
}

/**
 * Folded tokens of a query after Telex repair. Words that carry diacritics
 * were typed with an input method and are only folded.
 */
export function queryTokens(query: string): QueryToken[] {
  const out: QueryToken[] = [];
  for (const word of rawWords(query)) {
    const folded = foldVietnamese(word);
    const parts = folded.match(/[a-z0-9]+/g) ?? [];
    if (folded !== word) {
      for (const part of parts) out.push(parts.length === 1 ? { folded: part, accented: word } : { folded: part });
      continue;
    }
    for (const part of parts) {
      out.push({ folded: /^[a-z]+$/.test(part) && !Object.hasOwn(ABBREVIATIONS, part) ? repairTelex(part) : part });
    }
  }
  return out;
}

/**
 * Rewrite a query into concepts: abbreviations expanded, everyday words
 * mapped to official terms (longest phrase first), question frames dropped.
 * Soft fillers ("cấp", "đăng ký", "giấy"…) are kept but marked with a low
 * weight so they help ranking without deciding relevance.
 */
export function analyzeQuery(query: string): AnalyzedQuery {
  const typed = queryTokens(query);
  const tokens = typed.map((t) => t.folded);
  const concepts: QueryConcept[] = [];
  const offTopic: string[] = [];
  let purpose = false;
  let i = 0;
  while (i < tokens.length) {
    const t = typed[i];
    if (t.accented && ACCENTED_FILLERS.has(t.accented)) {
      i++;
      continue;
    }
    // "ba tôi mới mất", "tía tui mất rồi", "chồng em mất vì tai nạn": a death in the family.
    if (t.folded === 'mat' && (t.accented === undefined || t.accented === 'mất') && diedInFamily(tokens, i)) {
      concepts.push({ alternatives: [['khai', 'tu']], source: 'mat (qua doi)', weight: 1, literal: false });
      i++;
      continue;
    }
    // "để …" introduces a purpose ("để vay ngân hàng"): context, not the request.
    if (t.folded === 'de' && tokens[i + 1] !== 'lai' && concepts.length) {
      purpose = true;
      i++;
      continue;
    }
    // "mất bao lâu", "mất tiền": "mất" means "takes/costs" here, not "lost".
    if (t.folded === 'mat' && COST_WORDS.has(tokens[i + 1] ?? '')) {
      i++;
      continue;
    }
    // "cho con", "cho vợ"…: the beneficiary, not the request.
    if (t.folded === 'cho' && PERSON_WORDS.has(tokens[i + 1] ?? '')) {
      i += 2;
      continue;
    }
    const scale = purpose ? 0.5 : 1;
    let matched = false;
    for (const { key: phrase, length: len, value: entry } of PHRASES.at(tokens, i)) {
      if (len > MAX_PHRASE) continue;
      if (entry.kind === 'rule') {
        if (entry.rule.accented && len === 1) {
          const typedWord = typed[i].accented;
          if (typedWord ? !entry.rule.accented.includes(typedWord) : entry.rule.requireAccent) continue;
        }
        const alts = entry.rule.alternatives.map((a) => a.split(' ').filter(Boolean)).filter((a) => a.length);
        if (alts.length) {
          concepts.push({
            alternatives: alts,
            source: phrase,
            weight: (entry.rule.weight ?? 1) * scale,
            literal: false,
            qualifier: entry.rule.qualifier,
          });
        }
      } else if (entry.kind === 'offtopic') {
        offTopic.push(phrase);
      }
      i += len;
      matched = true;
      break;
    }
    if (matched) continue;
    i++;
    if (HARD_FILLERS.has(t.folded)) continue;
    const soft = SOFT_FILLERS.has(t.folded) || /^[0-9]+$/.test(t.folded);
    concepts.push({
      alternatives: t.folded === 'lam' ? [['lam'], ['cap']] : [[t.folded]],
      source: t.folded,
      weight: (soft ? SOFT_WEIGHT : 1) * scale,
      accented: t.accented,
      literal: true,
    });
  }
  const folded = ` ${tokens.join(' ')} `;
  const intent = INTENT_PHRASES.some((p) => folded.includes(p));
  return { concepts, tokens, offTopic, intent };
}

/** Whether "mất" at `i` follows a family member (within three words) and is not followed by a thing lost. */
function diedInFamily(tokens: string[], i: number): boolean {
  const next = tokens[i + 1];
  if (next !== undefined && LOST_THINGS.has(next)) return false;
  for (let j = i - 1; j >= Math.max(0, i - 3); j--) if (KIN_WORDS.has(tokens[j])) return true;
  return false;
}

/** Weight of a soft filler word relative to a content word. */
export const SOFT_WEIGHT = 0.35;
