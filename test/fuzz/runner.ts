import http from 'node:http';
import { CATEGORIES, Rng, type Category } from './payloads.js';
import { clientAddress, type FuzzContext, type FuzzRequest, type FuzzTarget } from './targets.js';

/** One answered (or failed) request, kept short for the report. */
export interface FuzzOutcome {
  request: FuzzRequest;
  /** HTTP status, or 0 when the connection failed (reset, hang-up). */
  status: number;
  error?: string;
}

export interface FuzzBatchResult {
  sent: number;
  byCategory: Record<Category, number>;
  byTarget: Record<string, number>;
  byStatus: Record<number, number>;
  /** 5xx answers and broken connections (each a defect unless documented). */
  failures: FuzzOutcome[];
  /** Requests of a `rejected` target that were not refused with a 4xx. */
  notRefused: FuzzOutcome[];
}

/** The body of a 413 is answered before the body is read, so large uploads may see a reset; that is a refusal. */
function sendOne(
  baseUrl: string,
  agent: http.Agent | undefined,
  req: FuzzRequest,
  timeoutMs: number,
): Promise<{ status: number; error?: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    let r: http.ClientRequest;
    try {
      r = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.path,
          agent: agent ?? false,
          headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', (e) => resolve({ status: res.statusCode ?? 0, error: e.message }));
        },
      );
    } catch (e) {
      // The client library refuses the request itself (e.g. a character not allowed in a path): nothing was sent.
      resolve({ status: -1, error: (e as Error).message });
      return;
    }
    r.on('timeout', () => r.destroy(new Error('timeout')));
    r.on('error', (e) => resolve({ status: 0, error: e.message }));
    r.end(req.body);
  });
}

/** A short, printable description of a request, for a failure report (the body cut to 300 characters). */
export function describe(o: FuzzOutcome): string {
  const body = o.request.body ? o.request.body.toString('utf8').slice(0, 300) : '';
  return `${o.status}${o.error ? ` (${o.error})` : ''} ${o.request.target} [${o.request.category}] ${o.request.method} ${o.request.path.slice(0, 200)} ${JSON.stringify(body)}`;
}

/**
 * Send `count` requests drawn from `targets` (round-robin over targets and categories, the values from
 * `rng`), `concurrency` at a time, and tally the answers. Refused-by-client requests (status -1) are not counted.
 */
export async function runBatch(opts: {
  baseUrl: string;
  ctx: FuzzContext;
  targets: FuzzTarget[];
  count: number;
  rng: Rng;
  concurrency?: number;
  timeoutMs?: number;
}): Promise<FuzzBatchResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency ?? 8 });
  const result: FuzzBatchResult = {
    sent: 0,
    byCategory: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>,
    byTarget: {},
    byStatus: {},
    failures: [],
    notRefused: [],
  };
  let i = 0;
  const next = (): FuzzRequest | undefined => {
    if (i >= opts.count) return undefined;
    const n = i++;
    const target = opts.targets[n % opts.targets.length];
    const category = CATEGORIES[Math.floor(n / opts.targets.length) % CATEGORIES.length];
    const built = target.build(opts.rng, category, opts.ctx);
    return {
      target: target.name,
      category,
      ...built,
      headers: { 'x-forwarded-for': clientAddress(opts.rng), ...built.headers },
    };
  };
  const rejected = new Set(opts.targets.filter((t) => t.rejected).map((t) => t.name));
  const worker = async () => {
    for (let req = next(); req; req = next()) {
      const started = Date.now();
      let { status, error } = await sendOne(opts.baseUrl, agent, req, opts.timeoutMs ?? 30_000);
      // A kept-alive socket the server closed just as it was reused: sent again once on a fresh connection.
      // Large bodies too: the staff routes that rebuild a commune's search index (a local procedure, an
      // overrides import) hold the event loop for seconds, and the server's idle-socket timer then fires
      // as the client reuses the socket (a reset on a fresh connection still fails).
      if (status === 0 && /socket hang up|ECONNRESET|EPIPE/.test(error ?? ''))
        ({ status, error } = await sendOne(opts.baseUrl, undefined, req, opts.timeoutMs ?? 30_000));
      if (process.env.FUZZ_DEBUG && Date.now() - started > 1000)
        console.log(`slow ${Date.now() - started} ms: ${describe({ request: req, status, error })}`);
      if (status === -1) continue;
      result.sent++;
      result.byCategory[req.category]++;
      result.byTarget[req.target] = (result.byTarget[req.target] ?? 0) + 1;
      result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
      const outcome = { request: req, status, error };
      if (status >= 500 || status === 0) result.failures.push(outcome);
      else if (rejected.has(req.target) && (status < 400 || status >= 500)) result.notRefused.push(outcome);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  agent.destroy();
  return result;
}

/** Add one batch's counts to a running total. */
export function addCounts(total: FuzzBatchResult, batch: FuzzBatchResult): void {
  total.sent += batch.sent;
  for (const [k, v] of Object.entries(batch.byCategory)) total.byCategory[k as Category] += v;
  for (const [k, v] of Object.entries(batch.byTarget)) total.byTarget[k] = (total.byTarget[k] ?? 0) + v;
  for (const [k, v] of Object.entries(batch.byStatus)) total.byStatus[Number(k)] = (total.byStatus[Number(k)] ?? 0) + v;
  total.failures.push(...batch.failures);
  total.notRefused.push(...batch.notRefused);
}

/**
 * Console forms a signed-in staff member can post, found by reading the console's pages (links under
 * /console followed up to `maxPages`); sign-out is left out so the session survives the run.
 */
export async function crawlConsoleForms(
  baseUrl: string,
  cookie: string,
  maxPages = 60,
): Promise<{ action: string; fields: string[] }[]> {
  const seen = new Set<string>(['/console']);
  const queue = ['/console'];
  const forms = new Map<string, Set<string>>();
  while (queue.length && seen.size <= maxPages) {
    const path = queue.shift()!;
    const res = await fetch(`${baseUrl}${path}`, { headers: { cookie } });
    if (!(res.headers.get('content-type') ?? '').includes('text/html')) continue;
    const page = await res.text();
    for (const m of page.matchAll(/href="(\/console[^"#]*)"/g)) {
      const href = m[1].replace(/&amp;/g, '&');
      if (/logout|\.xlsx|\.js|\.css/.test(href) || seen.has(href) || seen.size > maxPages) continue;
      seen.add(href);
      queue.push(href);
    }
    for (const m of page.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
      const action = /action="([^"]*)"/.exec(m[1])?.[1]?.replace(/&amp;/g, '&') ?? path;
      if (!/method="post"/i.test(m[1]) || /logout/.test(action) || !action.startsWith('/console')) continue;
      const fields = forms.get(action) ?? new Set<string>();
      for (const f of m[2].matchAll(/<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"/g)) fields.add(f[1]);
      forms.set(action, fields);
    }
  }
  return [...forms].map(([action, fields]) => ({ action, fields: [...fields] }));
}
