import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Gauge, Histogram, Registry } from 'prom-client';
import { errInfo } from '../core/log-error.js';
import { secureEqual } from '../core/secure-compare.js';
import type { Logger } from '../core/logger.js';
import { countRequest, metricsRegistry, nameCommunes } from '../core/metrics.js';

const duration = new Histogram({
  name: 'troly_http_request_duration_seconds',
  help: 'Time to answer an HTTP request served by the Express app (platform webhooks are counted, not timed), by route pattern.',
  labelNames: ['method', 'route'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

/** Health probes and scrapes: counted, logged only at debug level. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The route pattern Express matched (`/api/v1/dossiers/:code`), never the raw
 * path: a path or query string may carry a code or a phone number, and a
 * pattern keeps the metric's labels bounded.
 */
function routeOf(req: Request): string | undefined {
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : undefined;
}

/**
 * Access log and HTTP metrics of the Express app: one line per request with
 * its request id, method, route pattern, status and duration (ISO time and
 * level name come from the logger); no query string, no body, no header. A
 * request no route matched is logged by its path without the query string.
 */
export function accessLog(log: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const pattern = routeOf(req);
      const route = pattern ?? '(unmatched)';
      countRequest(req.method, route, res.statusCode);
      duration.labels(req.method, route).observe(seconds);
      const line = {
        requestId: res.locals.requestId as string | undefined,
        method: req.method,
        route,
        ...(pattern ? {} : { path: req.path.slice(0, 120) }),
        status: res.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
      };
      if (QUIET_ROUTES.has(route)) log.debug(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}

/**
 * GET /metrics for Prometheus: the process's counters and, read from the
 * database at scrape time, the outbox's depth and the age of its oldest
 * pending message; the `commune` labels are named by slug from the commune
 * directory, read at each scrape. Served only when a token is configured
 * (METRICS_TOKEN), and only to a request that presents it as
 * `Authorization: Bearer <token>`.
 */
export function createMetricsHandler(deps: {
  token: string;
  /** The outbox's pending depth and the age of its oldest pending message in seconds (pipeline/outbox). */
  outboxStats: () => Promise<{ depth: number; age: number }>;
  /** Every commune's id and slug (the commune directory): names the `commune` label. Absent: labelled by id. */
  communes?: () => Promise<{ id: number; slug: string }[]>;
  log: Logger;
}): RequestHandler {
  const local = new Registry();
  let last: Promise<{ depth: number; age: number }> | undefined;
  /** One query per scrape, shared by both gauges. */
  const readOutbox = () => (last ??= deps.outboxStats().finally(() => (last = undefined)));
  new Gauge({
    name: 'troly_outbox_pending_messages',
    help: 'Messages waiting in the outbox to be sent to a platform (read at scrape time).',
    registers: [local],
    async collect() {
      this.set((await readOutbox()).depth);
    },
  });
  new Gauge({
    name: 'troly_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest message waiting in the outbox, 0 when it is empty (read at scrape time).',
    registers: [local],
    async collect() {
      this.set((await readOutbox()).age);
    },
  });

  return async (req, res) => {
    const header = req.headers.authorization ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
    if (!presented || !secureEqual(presented, deps.token)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      res.status(401).json({ error: 'unauthorized' });
      return;
    }
    if (deps.communes) {
      try {
        nameCommunes(await deps.communes());
      } catch (error) {
        // Only the commune labels' names depend on it: keep the last names (or ids) rather than lose the
        // scrape, whose process metrics matter most when the database is in trouble.
        deps.log.warn({ err: errInfo(error) }, 'metrics: commune names not refreshed');
      }
    }
    try {
      const body = (await metricsRegistry.metrics()) + (await local.metrics());
      res.setHeader('content-type', metricsRegistry.contentType);
      res.setHeader('cache-control', 'no-store');
      res.send(body);
    } catch (error) {
      deps.log.error({ err: errInfo(error) }, 'metrics scrape failed');
      res.status(503).json({ error: 'metrics unavailable' });
    }
  };
}
