/**
 * The words the answered examples are read by, shared by the nearest-examples
 * vote (examples.ts) and the learned model (example-model.ts).
 */
import { ABBREVIATIONS, FILLER_WORDS } from './lexicon.js';
import { queryTokens } from './normalize.js';

/** Words that carry no need: the lexicon's fillers plus pronouns and particles of chat. */
export const PLAIN_WORDS: ReadonlySet<string> = new Set([
  ...FILLER_WORDS,
  ...['toi', 'tui', 'em', 'a', 'cho', 'va', 'cua', 'la', 'thi', 'co', 'khong', 'ko', 'o', 'duoc', 'dc', 'nha', 'minh'],
  ...['lam', 'sao', 'gi', 'nao', 'the', 'nhu', 'vay', 'ha', 'ak', 'ad', 'oi', 'nhe', 'roi', 'con', 'gio', 'moi', 'muon'],
  ...['can', 'phai', 'bi', 'voi', 'de', 'tu', 'ra', 'vao', 'len', 've', 'di', 'nay', 'do', 'kia', 'cai', 'mot', 'nhung'],
  // The field asked (fee, time, place, documents, online) and words every procedure shares: they say how,
  // not which, and would make "khai tử phí bao nhiêu" the neighbour of "khai sinh phí bao nhiêu".
  ...['phi', 'le', 'nhieu', 'lau', 'tien', 'dau', 'nop', 'online', 'truc', 'tuyen', 'mang', 'theo', 'ngay'],
  ...['dang', 'ky', 'ki', 'thu', 'tuc', 'xin', 'ho', 'so', 'giay', 'to', 'cap', 'xa', 'phuong', 'ubnd', 'chi', 'anh'],
  ...['y', 'hoi', 'biet', 'giup', 'ah'],
]);

/** A message's folded words (its first 500 characters), abbreviations spelt out ("hkd" → hộ kinh doanh). */
export function exampleWords(text: string): string[] {
  const words: string[] = [];
  for (const t of queryTokens(text.slice(0, 500))) {
    // Own keys only: a word such as "constructor" must not find Object.prototype's.
    const rule = Object.hasOwn(ABBREVIATIONS, t.folded) ? ABBREVIATIONS[t.folded] : undefined;
    if (rule) words.push(...rule.alternatives[0].split(' '));
    else words.push(t.folded);
  }
  return words;
}
