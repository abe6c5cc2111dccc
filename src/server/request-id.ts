import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The caller's X-Request-Id (at most 64 characters) or a new one, echoed on the response. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const header = req.headers['x-request-id'];
  const requestId = (typeof header === 'string' ? header : '').slice(0, 64) || randomUUID();
  res.setHeader('x-request-id', requestId);
  return requestId;
}
