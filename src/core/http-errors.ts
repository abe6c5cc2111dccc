import type { ErrorRequestHandler } from 'express';
import { ValidationError } from './errors.js';

/** The response an HTTP error becomes, or undefined for an internal error (logged, answered with 500). */
export interface HttpErrorResponse {
  status: number;
  body: { error: string; fieldErrors?: Record<string, string> };
}

/**
 * The one HTTP error map: a {@link ValidationError} becomes its status with its
 * field errors, a body that is not JSON 400, a body too large 413, any other
 * 4xx from Express or its parsers that status; everything else is internal
 * (undefined: the caller logs it and answers 500 without details).
 */
export function httpErrorOf(err: unknown, messages: { tooLarge?: string } = {}): HttpErrorResponse | undefined {
  if (err instanceof ValidationError) return { status: err.status, body: { error: err.message, fieldErrors: err.fieldErrors } };
  const e = err as { type?: string; status?: number; message?: string } | undefined;
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { error: 'Nội dung gửi lên không phải JSON hợp lệ.' } };
  if (e?.type === 'entity.too.large') {
    return { status: 413, body: { error: messages.tooLarge ?? 'Tin nhắn quá dài. Anh/chị vui lòng rút gọn nội dung.' } };
  }
  if (e?.status && e.status >= 400 && e.status < 500) return { status: e.status, body: { error: e.message ?? 'bad request' } };
  return undefined;
}

/**
 * {@link httpErrorOf} as Express middleware for a router that must answer the
 * same wherever it is mounted; internal errors go on to the app's handler.
 */
export function httpErrors(messages: { tooLarge?: string } = {}): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const mapped = httpErrorOf(err, messages);
    if (!mapped) return next(err);
    res.status(mapped.status).json(mapped.body);
  };
}

/**
 * Field errors of a failed zod parse (structurally typed: core imports no
 * validation library): `rows[1].code` -> reason, the first reason per field,
 * `body` for the request as a whole; `prefix` places them inside a larger body.
 */
export function fieldErrorsOf(
  error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  prefix = '',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const key = `${prefix}${path}`.replace(/^\./, '') || 'body';
    out[key] ??= issue.message;
  }
  return out;
}
