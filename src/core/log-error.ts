/**
 * What of an error may be logged. Database errors carry values in their
 * messages (drizzle: "Failed query: … params: …"; PostgreSQL: 'invalid input
 * syntax for type integer: "<value>"'), which can be residents' text, names or
 * phones: for those only the SQLSTATE code is kept. Other messages lose any
 * "params:" tail.
 */
export function errInfo(error: unknown): { name?: string; code?: string; message: string; stack?: string } {
  const e = error as { name?: string; message?: string; stack?: string; code?: unknown; cause?: unknown };
  const cause = e?.cause as { code?: unknown } | undefined;
  const sqlState = [cause?.code, e?.code].find((c): c is string => typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c));
  if (sqlState || /Failed query/.test(e?.message ?? '')) {
    return { name: e?.name, code: sqlState, message: 'database query failed' };
  }
  const clean = (s: string | undefined) => (s ?? '').split(/\n?params:/)[0];
  return { name: e?.name, code: typeof e?.code === 'string' ? e.code : undefined, message: clean(e?.message ?? String(error)), stack: clean(e?.stack) };
}
