import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus counters (prom-client), shared by the pipeline, the
 * delivery worker and the HTTP layer; `server/metrics.ts` serves them at
 * /metrics with the gauges read from the database at scrape time.
 *
 * The hot path (a webhook, a recorded message, a confirmed send) only
 * adds to a running total found by map lookups: no allocation, no string
 * building; prom-client reads the totals when Prometheus scrapes. Counters only
 * grow; Prometheus computes rates. Labels are bounded: channel names, route
 * patterns (never a raw path), status codes, fixed outcomes and communes (by
 * slug: one series per commune, never more); never a chat, a phone number or
 * message text.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

/** A running total for one set of label values: the hot path adds to `value`, nothing else. */
interface Cell {
  values: Key[];
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
 * A `commune` label is kept as the commune's id and named by its slug at
 * scrape time (see nameCommunes), so the hot path never looks a commune up.
 */
class Totals {
  private readonly root: Level = new Map();
  private readonly cells: Cell[] = [];

  constructor(name: string, help: string, labelNames: string[]) {
    const cells = this.cells;
    new Counter({
      name,
      help,
      labelNames,
      registers: [metricsRegistry],
      collect() {
        this.reset();
        for (const cell of cells) if (cell.value > 0) this.inc(labelsOf(labelNames, cell.values), cell.value);
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
    const cell: Cell = { values, value: 0 };
    level.set(key, cell);
    this.cells.push(cell);
    return cell;
  }
}

/** Commune slugs by id, for the `commune` label; refreshed at each scrape. */
let communeSlugs = new Map<number, string>();

/**
 * Name the communes for the `commune` label (the metrics handler calls it at
 * each scrape with the commune directory). A commune not named yet is labelled
 * by its numeric id.
 */
export function nameCommunes(communes: Iterable<{ id: number; slug: string }>): void {
  const next = new Map<number, string>();
  for (const c of communes) next.set(c.id, c.slug);
  communeSlugs = next;
}

function labelsOf(names: string[], values: Key[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (let i = 0; i < names.length; i++)
    labels[names[i]] = names[i] === 'commune' ? (communeSlugs.get(Number(values[i])) ?? String(values[i])) : String(values[i]);
  return labels;
}

const received = new Totals(
  'troly_messages_received_total',
  'Residents’ messages recorded, by channel and commune (redeliveries of a recorded message are not counted).',
  ['channel', 'commune'],
);
const sent = new Totals(
  'troly_messages_sent_total',
  'Messages to residents, by channel and commune. Push channels (Telegram, Zalo): every outbox message the ' +
    'platform confirmed, notice copies included. Pull channels (web chat, CLI): only replies handed over in the ' +
    'HTTP response; notice copies and other messages the page polls for are not counted here (notice copies: ' +
    'troly_notice_recipients_total).',
  ['channel', 'commune'],
);
const failures = new Totals(
  'troly_delivery_failures_total',
  'Messages given up on, by channel, commune and outcome (undeliverable: the platform refused for good; failed: out of attempts).',
  ['channel', 'commune', 'outcome'],
);
const retries = new Totals(
  'troly_delivery_retries_total',
  'Sends that failed and were scheduled again with backoff, by channel and commune.',
  ['channel', 'commune'],
);
const noticeRecipients = new Totals(
  'troly_notice_recipients_total',
  'Notice copies by channel, commune and outcome: queued into the outbox, held (outside the platform’s reply window: ' +
    'queued, without a second count, when the resident next writes), sent (confirmed by the platform; web chat and ' +
    'CLI: stored for their poll, and counted here only, not in troly_messages_sent_total), undeliverable or failed ' +
    '(given up). Each queued or held copy ends in one of sent, undeliverable or failed, so queued + held = ' +
    'sent + undeliverable + failed + copies still pending or held (less a send repeated after a crash, counted twice).',
  ['channel', 'commune', 'outcome'],
);
const tokenRefreshes = new Totals(
  'troly_token_refreshes_total',
  'Platform access-token refreshes (Zalo OA: one token per commune’s OA), by channel, commune and outcome ' +
    '(ok: a new pair was issued; failed: refused or not reached).',
  ['channel', 'commune', 'outcome'],
);

const replyLatency = new Histogram({
  name: 'troly_reply_latency_seconds',
  help:
    'Time to each reply to a resident’s message, by channel. Push channels (Telegram, Zalo): from the message ' +
    'being recorded to the platform confirming the reply, both ends read on the database server’s clock ' +
    '(the app’s wait between the confirmation and the mark-sent statement is taken off). Web chat and CLI: from ' +
    'the request reaching the message handler to the reply being ready for the response, on the app’s clock.',
  labelNames: ['channel'],
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [metricsRegistry],
});
/**
 * One child per channel: saves prom-client's label lookup only; its `observe` still builds a label hash and
 * an object on every call (affordable: one observation per reply). It throws on a non-finite value, so
 * `replied` drops those.
 */
const latencyOf = new Map<string, { observe(seconds: number): void }>();

let noticesQueueing = 0;
new Gauge({
  name: 'troly_notices_sending',
  help: 'Notices this process is queueing into the outbox right now, batch by batch (status sending).',
  registers: [metricsRegistry],
  collect() {
    this.set(noticesQueueing);
  },
});
const requests = new Totals(
  'troly_http_requests_total',
  'HTTP requests answered, by method, route pattern (platform webhooks included) and status code.',
  ['method', 'route', 'status'],
);

/** Counter increments for the pipeline and the delivery worker (`commune` is the commune's id). */
export const messageMetrics = {
  received(channel: string, commune: number): void {
    received.at2(channel, commune).value++;
  },
  sent(channel: string, commune: number, count = 1): void {
    if (count > 0) sent.at2(channel, commune).value += count;
  },
  failed(channel: string, commune: number, outcome: 'failed' | 'undeliverable'): void {
    failures.at3(channel, commune, outcome).value++;
  },
  retried(channel: string, commune: number): void {
    retries.at2(channel, commune).value++;
  },
  /** A reply confirmed `seconds` after the message it answers was recorded. */
  replied(channel: string, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let child = latencyOf.get(channel);
    if (!child) latencyOf.set(channel, (child = replyLatency.labels(channel)));
    child.observe(Math.max(0, seconds));
  },
};

/** A notice's progress: copies queued, held, sent or given up (`commune` is the commune's id). */
export const noticeMetrics = {
  recipients(
    channel: string,
    commune: number,
    outcome: 'queued' | 'held' | 'sent' | 'failed' | 'undeliverable',
    count = 1,
  ): void {
    if (count > 0) noticeRecipients.at3(channel, commune, outcome).value += count;
  },
  /** A notice started (+1) or finished (-1) being queued by this process. */
  queueing(delta: 1 | -1): void {
    noticesQueueing += delta;
  },
};

const stalls = new Totals(
  'troly_stalled_total',
  'Work given up after its time bound because it never settled (core/time-box.ts): recording, processing, ' +
    'marking sent or started. A few during a database failover are expected; a steady rise is not.',
  ['work'],
);

/** One piece of bounded work given up (`work`: recording, processing, mark-sent, mark-started). */
export function countStall(work: string): void {
  stalls.at1(work).value++;
}

/**
 * One access-token refresh with the platform, for the commune whose account it is (by id; '' when the
 * token store was not told, as for a store made outside the runtime).
 */
export function countTokenRefresh(channel: string, commune: number | '', outcome: 'ok' | 'failed'): void {
  tokenRefreshes.at3(channel, commune, outcome).value++;
}

/** One HTTP request answered (`route` is the pattern, such as `/webhooks/telegram/:accountKey`). */
export function countRequest(method: string, route: string, status: number): void {
  requests.at3(method, route, status).value++;
}
