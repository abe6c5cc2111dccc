/**
 * Typed errors. A DomainError carries a code and, optionally, a message safe
 * to show a resident (Vietnamese). Anything else is an internal error: logged
 * with the request id, and the resident sees the polite fallback.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Vietnamese text safe to show the resident; absent means "use the fallback". */
    readonly userMessage?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Input rejected at a boundary (HTTP 4xx). `fieldErrors` maps field -> reason. */
export class ValidationError extends DomainError {
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string> = {},
    readonly status: 400 | 404 | 409 | 413 | 422 = 422,
  ) {
    super('validation', message);
    this.name = 'ValidationError';
  }
}

/**
 * A platform said no (`api`) or the network failed (`network`). The split
 * decides retries: network failures and 429/5xx are retried, 4xx are not.
 */
export class ChannelError extends Error {
  constructor(
    readonly kind: 'api' | 'network',
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
