import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/**
 * The process's Prometheus counters (prom-client), shared by the pipeline, the
 * delivery worker and the HTTP layer; `server/metrics.ts` serves them at
 * /metrics with the gauges read from the database at scrape time.
 *
 * The hot path (a webhook, a recorded message, a confirmed send) only
 * adds to a running total found by map lookups: no allocation, no string
 * building; prom-client reads the totals when Prometheus scrapes. Counters only
 * grow; Prometheus computes rates. Labels are bounded: channel names, route
 * patterns (never a raw path), status codes and fixed outcomes; never a chat,
 * a phone number or message text.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** A running total for one set of label values: the hot path adds to `value`, nothing else. */
interface Cell {
  labels: Record<string, string>;
  value: number;
}

type Key = string | number;
type Level = Map<Key, Level | Cell>;

/**
 * Totals kept in plain nested maps, one level per label, and handed to
 * prom-client only when Prometheus scrapes (the counter's `collect`). An
 * increment of a known series is a few map lookups and an addition, with no
 * allocation: prom-client's own `labels(…).inc()` would build a hash string of
 * the labels every time. Fixed arities (`at1`…`at3`) so no call builds an
 * argument array; a new series is created once, on its first increment.
 */
class Totals {
  private readonly root: Level = new Map();
  private readonly cells: Cell[] = [];

  constructor(
    name: string,
    help: string,
    private readonly labelNames: string[],
  ) {
    const cells = this.cells;
    new Counter({
      name,
      help,
      labelNames,
      registers: [metricsRegistry],
      collect() {
        this.reset();
        for (const cell of cells) if (cell.value > 0) this.inc(cell.labels, cell.value);
      },
    });
  }

  at1(a: Key): Cell {
    return (this.root.get(a) as Cell | undefined) ?? this.create(this.root, a, [a]);
  }

  at2(a: Key, b: Key): Cell {
    const level = this.level(this.root, a);
    return (level.get(b) as Cell | undefined) ?? this.create(level, b, [a, b]);
  }

  at3(a: Key, b: Key, c: Key): Cell {
    const level = this.level(this.level(this.root, a), b);
    return (level.get(c) as Cell | undefined) ?? this.create(level, c, [a, b, c]);
  }

  private level(parent: Level, key: Key): Level {
    let level = parent.get(key) as Level | undefined;
    if (!level) parent.set(key, (level = new Map()));
    return level;
  }

  private create(level: Level, key: Key, values: Key[]): Cell {
    const cell: Cell = { labels: Object.fromEntries(this.labelNames.map((n, i) => [n, String(values[i])])), value: 0 };
    level.set(key, cell);
    this.cells.push(cell);
    return cell;
  }
}

const received = new Totals(
  'troly_messages_received_total',
  'Residents’ messages recorded, by channel (redeliveries of a recorded message are not counted).',
  ['channel'],
);
const sent = new Totals(
  'troly_messages_sent_total',
  'Messages to residents confirmed by the platform (web chat and CLI: handed over in the response), by channel.',
  ['channel'],
);
const failures = new Totals(
  'troly_delivery_failures_total',
  'Messages given up on, by channel and outcome (undeliverable: the platform refused for good; failed: out of attempts).',
  ['channel', 'outcome'],
);
const retries = new Totals(
  'troly_delivery_retries_total',
  'Sends that failed and were scheduled again with backoff, by channel.',
  ['channel'],
);
const requests = new Totals(
  'troly_http_requests_total',
  'HTTP requests answered, by method, route pattern (platform webhooks included) and status code.',
  ['method', 'route', 'status'],
);

/** Counter increments for the pipeline and the delivery worker. */
export const messageMetrics = {
  received(channel: string): void {
    received.at1(channel).value++;
  },
  sent(channel: string, count = 1): void {
    if (count > 0) sent.at1(channel).value += count;
  },
  failed(channel: string, outcome: 'failed' | 'undeliverable'): void {
    failures.at2(channel, outcome).value++;
  },
  retried(channel: string): void {
    retries.at1(channel).value++;
  },
};

/** One HTTP request answered (`route` is the pattern, such as `/webhooks/telegram/:accountKey`). */
export function countRequest(method: string, route: string, status: number): void {
  requests.at3(method, route, status).value++;
}
