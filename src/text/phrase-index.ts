/**
 * Phrases of folded words found in a tokenized message, by their first word:
 * a message is read once, not once per phrase. Shared by the query analysis
 * (lexicon phrases, longest first at each position) and the scope check
 * (every phrase present anywhere).
 */

export interface PhraseMatch<V> {
  /** The phrase as given (its words joined by single spaces). */
  key: string;
  /** How many tokens it covers. */
  length: number;
  value: V;
}

export class PhraseIndex<V> {
  private readonly byFirst = new Map<string, Array<{ words: string[]; key: string; value: V }>>();

  /** `entries`: phrases as folded words separated by single spaces; the last value given for a phrase wins. */
  constructor(entries: Iterable<readonly [string, V]>) {
    const byKey = new Map<string, V>();
    for (const [key, value] of entries) if (key && !key.split(' ').includes('')) byKey.set(key, value);
    for (const [key, value] of byKey) {
      const words = key.split(' ');
      (this.byFirst.get(words[0]!) ?? this.byFirst.set(words[0]!, []).get(words[0]!)!).push({ words, key, value });
    }
    for (const list of this.byFirst.values()) list.sort((a, b) => b.words.length - a.words.length);
  }

  /** The phrases that start at `tokens[i]`, longest first. */
  at(tokens: readonly string[], i: number): PhraseMatch<V>[] {
    const out: PhraseMatch<V>[] = [];
    for (const { words, key, value } of this.byFirst.get(tokens[i]) ?? []) {
      if (i + words.length <= tokens.length && words.every((w, k) => tokens[i + k] === w))
        out.push({ key, length: words.length, value });
    }
    return out;
  }

  /** Every phrase whose words stand together somewhere in `tokens`. */
  allIn(tokens: readonly string[]): Set<string> {
    const found = new Set<string>();
    for (let i = 0; i < tokens.length; i++) for (const m of this.at(tokens, i)) found.add(m.key);
    return found;
  }
}
