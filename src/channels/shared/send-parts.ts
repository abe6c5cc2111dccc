import { ChannelError } from '../../core/errors.js';
import type { SendResult } from '../../core/types.js';

/**
 * Deliver a reply's rendered platform requests in order, starting after the
 * `skipParts` a previous attempt already delivered. `sendOne` returns the
 * platform's message id. Never throws: the first failure becomes a SendResult
 * that says how many parts were done, so a retry resumes after them.
 */
export async function sendParts<R>(
  requests: R[],
  skipParts: number,
  sendOne: (request: R) => Promise<string>,
): Promise<SendResult> {
  const ids: string[] = [];
  for (let i = skipParts; i < requests.length; i++) {
    try {
      ids.push(await sendOne(requests[i]));
    } catch (error) {
      const e =
        error instanceof ChannelError
          ? error
          : new ChannelError('network', 'network', String((error as Error)?.message ?? error), true);
      return {
        ok: false,
        retryable: e.retryable,
        retryAfterMs: e.retryAfterMs,
        code: e.code,
        message: e.message,
        partsDone: i,
        platformMessageIds: ids,
      };
    }
  }
  return { ok: true, platformMessageIds: ids };
}
