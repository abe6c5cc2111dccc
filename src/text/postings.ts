/**
 * Postings (which documents contain a key) for the procedure index, built as
 * growable lists and then packed into one Int32Array with an offset per key.
 * A catalog's 60 000-odd keys held as a Map of small arrays cost three times
 * the memory, and every byte of a long-lived index is marked again by each
 * major garbage collection of the server process: packed, the index keeps the
 * pipeline's latency tail where it was before record text was indexed.
 */
export class PostingsBuilder {
  private readonly lists = new Map<string, number[]>();

  /** Record that `doc` contains `key`; documents are added in ascending order, each once per key. */
  add(key: string, doc: number): void {
    const docs = this.lists.get(key);
    if (!docs) this.lists.set(key, [doc]);
    else if (docs[docs.length - 1] !== doc) docs.push(doc);
  }

  build(): Postings {
    return new Postings(this.lists);
  }
}

export class Postings {
  private readonly slot = new Map<string, number>();
  private readonly start: Int32Array;
  private readonly docs: Int32Array;

  constructor(lists: Map<string, number[]>) {
    let total = 0;
    for (const docs of lists.values()) total += docs.length;
    this.start = new Int32Array(lists.size + 1);
    this.docs = new Int32Array(total);
    let i = 0;
    let at = 0;
    for (const [key, docs] of lists) {
      // A key made by concatenation is a rope of its parts; flatten it so the map holds one plain string.
      this.slot.set(flat(key), i);
      this.start[i] = at;
      this.docs.set(docs, at);
      at += docs.length;
      this.start[++i] = at;
    }
  }

  /** The documents containing `key` (a view, ascending), or undefined. */
  get(key: string): Int32Array | undefined {
    const i = this.slot.get(key);
    return i === undefined ? undefined : this.docs.subarray(this.start[i], this.start[i + 1]);
  }

  /** How many documents contain `key`. */
  count(key: string): number {
    const i = this.slot.get(key);
    return i === undefined ? 0 : this.start[i + 1] - this.start[i];
  }

  has(key: string): boolean {
    return this.slot.has(key);
  }

  keys(): IterableIterator<string> {
    return this.slot.keys();
  }

  get size(): number {
    return this.slot.size;
  }
}

function flat(s: string): string {
  // Number() reads the string's characters, which makes V8 flatten a concatenated string in place.
  Number(s);
  return s;
}
