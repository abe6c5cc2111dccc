/**
 * Typo tolerance for folded Vietnamese words: a phonetic key that merges the
 * common spelling confusions, and a bounded edit distance. Pure: the index keeps
 * the keys of its own words (index-data.ts), so nothing here is remembered.
 */

/** Phonetic key that merges common Vietnamese spelling confusions (tr/ch, s/x, d/gi/r/v, i/y, final n/ng, c/t). */
export function phoneticKey(t: string): string {
  return t
    .replace(/^ngh/, 'ng')
    .replace(/^gh/, 'g')
    .replace(/^tr/, 'ch')
    .replace(/^s/, 'x')
    .replace(/^(gi|d|r|v)/, 'z')
    .replace(/^k/, 'c')
    .replace(/y/g, 'i')
    .replace(/(ng|n)$/, 'N')
    .replace(/(nh)$/, 'N')
    .replace(/(c|t|ch)$/, 'T');
}

export function editDistanceAtMost(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  let prev2 = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2] + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}
