import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/**
 * The process's Prometheus counters (prom-client), shared by the pipeline, the
 * delivery worker and the HTTP layer; `server/metrics.ts` serves them at
 * /metrics with the gauges read from the database at scrape time.
 *
 * The hot path (a webhook, a recorded message, a confirmed send) only
 * increments: each labelled child is looked up once and kept in a map, so a
 * message costs a map lookup and an addition, no allocation. Counters only
 * grow; Prometheus computes rates. Labels are bounded: channel names, route
 * patterns (never a raw path), status codes and fixed outcomes; never a chat,
 * a phone number or message text.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** A counter whose children are looked up once per label value (no string building per increment). */
function cached1(counter: Counter<string>): (a: string) => Counter.Internal {
  const children = new Map<string, Counter.Internal>();
  return (a) => {
    let child = children.get(a);
    if (!child) children.set(a, (child = counter.labels(a)));
    return child;
  };
}

function cached2(counter: Counter<string>): (a: string, b: string) => Counter.Internal {
  const children = new Map<string, Map<string, Counter.Internal>>();
  return (a, b) => {
    let inner = children.get(a);
    if (!inner) children.set(a, (inner = new Map()));
    let child = inner.get(b);
    if (!child) inner.set(b, (child = counter.labels(a, b)));
    return child;
  };
}

const received = new Counter({
  name: 'troly_messages_received_total',
  help: 'Residents’ messages recorded, by channel (redeliveries of a recorded message are not counted).',
  labelNames: ['channel'],
  registers: [metricsRegistry],
});
const sent = new Counter({
  name: 'troly_messages_sent_total',
  help: 'Messages to residents confirmed by the platform (web chat and CLI: handed over in the response), by channel.',
  labelNames: ['channel'],
  registers: [metricsRegistry],
});
const failures = new Counter({
  name: 'troly_delivery_failures_total',
  help: 'Messages given up on, by channel and outcome (undeliverable: the platform refused for good; failed: out of attempts).',
  labelNames: ['channel', 'outcome'],
  registers: [metricsRegistry],
});
const retries = new Counter({
  name: 'troly_delivery_retries_total',
  help: 'Sends that failed and were scheduled again with backoff, by channel.',
  labelNames: ['channel'],
  registers: [metricsRegistry],
});
const requests = new Counter({
  name: 'troly_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern (platform webhooks included) and status code.',
  labelNames: ['method', 'route', 'status'],
  registers: [metricsRegistry],
});

const receivedOf = cached1(received);
const sentOf = cached1(sent);
const failuresOf = cached2(failures);
const retriesOf = cached1(retries);
const requestChildren = new Map<string, Map<string, Map<number, Counter.Internal>>>();

/** Counter increments for the pipeline and the delivery worker. */
export const messageMetrics = {
  received(channel: string): void {
    receivedOf(channel).inc();
  },
  sent(channel: string, count = 1): void {
    if (count > 0) sentOf(channel).inc(count);
  },
  failed(channel: string, outcome: 'failed' | 'undeliverable'): void {
    failuresOf(channel, outcome).inc();
  },
  retried(channel: string): void {
    retriesOf(channel).inc();
  },
};

/** One HTTP request answered (`route` is the pattern, such as `/webhooks/telegram/:accountKey`). */
export function countRequest(method: string, route: string, status: number): void {
  let byRoute = requestChildren.get(method);
  if (!byRoute) requestChildren.set(method, (byRoute = new Map()));
  let byStatus = byRoute.get(route);
  if (!byStatus) byRoute.set(route, (byStatus = new Map()));
  let child = byStatus.get(status);
  if (!child) byStatus.set(status, (child = requests.labels(method, route, String(status))));
  child.inc();
}
