/**
 * What of an error may be logged. Database errors carry values in their
 * messages (drizzle: "Failed query: … params: …"; PostgreSQL: 'invalid input
 * syntax for type integer: "<value>"'), which can be residents' text, names or
 * phones: for those only the SQLSTATE code is kept. Other messages lose any
 * "params:" tail.
 */
export function errInfo(error: unknown): { name?: string; code?: string; message: string; stack?: string } {
  const e = error as { name?: string; message?: string; stack?: string; code?: unknown; cause?: unknown };
  const sqlState = sqlStateOf(error);
  if (sqlState || /Failed query/.test(e?.message ?? '')) {
    return { name: e?.name, code: sqlState, message: 'database query failed' };
  }
  const clean = (s: string | undefined) => (s ?? '').split(/\n?params:/)[0];
  return {
    name: e?.name,
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: clean(e?.message ?? String(error)),
    stack: clean(e?.stack),
  };
}

/** The SQLSTATE of a database error (drizzle wraps the driver's error as its cause), if any. */
export function sqlStateOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: unknown } | undefined;
  const cause = e?.cause as { code?: unknown } | undefined;
  return [cause?.code, e?.code].find((c): c is string => typeof c === 'string' && /^[0-9A-Z]{5}$/.test(c));
}

/**
 * The database refused the data itself (SQLSTATE class 22, data exception, or
 * 23, integrity constraint violation): the same message fails the same way
 * every time, so retrying it would hold up its conversation for ever. Lock
 * timeouts, deadlocks, serialization failures and lost connections are not
 * in these classes and stay retryable.
 */
export function isDataRefusal(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}
