import pino from 'pino';

/** Minimal structured logger port (pino satisfies it). Never pass personal data at info level. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (tests, CLI). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** Fields redacted if one slips into a log call: personal data is never logged on purpose. */
const REDACT = ['text', 'phone', '*.phone', '*.text', 'applicantName', 'applicantPhone', 'contact'];

/**
 * The process logger: one JSON line per event with an ISO time (`"time":"2026-12-06T08:15:02.123Z"`)
 * and the level's name (`"level":"info"`), which log shippers and people read without a lookup table.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tro-ly-xa' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Defence in depth: personal fields are never logged on purpose, but redact if one slips in.
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  ) as unknown as Logger;
}
