// Text helpers shared by the catalog record parsers.

export const NO_INFO = 'Không có thông tin';

/** Trim, collapse runs of spaces, and turn the portal's "no information" into ''. */
export function cleanText(value: unknown): string {
  if (typeof value !== 'string') return '';
  const s = value
    .replace(/\r/g, '')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
  return s === NO_INFO ? '' : s;
}

export function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function guard<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    // A parser bug on one odd field must not lose the whole record.
    return fallback;
  }
}
