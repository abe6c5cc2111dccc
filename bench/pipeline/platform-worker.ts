import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { startFaultProxy, startPlatform, toArrivalRecord, type ArrivalRecord, type FaultKind } from './platform.js';

type FaultMix = Record<Exclude<FaultKind, 'pass'>, number>;

/**
 * Telegram's side of the benchmark in its own thread: the load generator
 * (Telegram posting webhooks) and the fake Bot API (with the fault proxy in
 * front of it). The server under test keeps the main thread's event loop to
 * itself, as it would in production. All times are this thread's
 * performance.now(), so latencies are measured on one clock.
 */
interface Commands {
  init(): { apiRoot: string; faultyApiRoot: string };
  load(opts: LoadOptions): Promise<LoadResult>;
  /** Arrivals from index `from` on (call after the run has drained). */
  arrivals(from: number): ArrivalRecord[];
  arrivalCount(): number;
  /** Resolve once no request reached the fake for `quietMs`. */
  quiet(quietMs: number, timeoutMs: number): Promise<void>;
  faults(): Record<FaultKind, number>;
  eluStart(): void;
  /** Event-loop utilization of this thread since eluStart. */
  eluStop(): number;
  close(): Promise<void>;
}

type Call = { [K in keyof Commands]: { id: number; cmd: K; args: Parameters<Commands[K]> } }[keyof Commands];

export type PlatformThread = {
  [K in keyof Commands]: (...args: Parameters<Commands[K]>) => Promise<Awaited<ReturnType<Commands[K]>>>;
} & { terminate(): Promise<void> };

const ROLE = 'bench-pipeline-platform';

/** Start the platform thread (tsx registered inside it, so it runs this TypeScript file). */
export function startPlatformThread(faultMix?: FaultMix): PlatformThread {
  const url = new URL(import.meta.url).href;
  const worker = new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`,
    { eval: true, workerData: { role: ROLE, faultMix } },
  );
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p?.resolve(m.value);
    else p?.reject(new Error(`platform thread: ${m.error}`));
  });
  worker.on('error', (error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  });
  const call =
    (cmd: keyof Commands) =>
    (...args: unknown[]) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, cmd, args });
      });
  const names: (keyof Commands)[] = [
    'init',
    'load',
    'arrivals',
    'arrivalCount',
    'quiet',
    'faults',
    'eluStart',
    'eluStop',
    'close',
  ];
  const api = Object.fromEntries(names.map((n) => [n, call(n)])) as unknown as PlatformThread;
  api.terminate = async () => {
    await worker.terminate();
  };
  return api;
}

function serve(): void {
  const ready = (async () => {
    const platform = await startPlatform();
    const proxy = await startFaultProxy(platform.tg.apiRoot, (workerData as { faultMix?: FaultMix }).faultMix);
    return commandsFor(platform, proxy);
  })();
  parentPort!.on('message', async (m: Call) => {
    try {
      const commands = await ready;
      const fn = commands[m.cmd] as (...a: unknown[]) => unknown;
      const value = await fn(...m.args);
      parentPort!.postMessage({ id: m.id, ok: true, value });
    } catch (error) {
      parentPort!.postMessage({ id: m.id, ok: false, error: (error as Error)?.stack ?? String(error) });
    }
  });
}

function commandsFor(
  platform: Awaited<ReturnType<typeof startPlatform>>,
  proxy: Awaited<ReturnType<typeof startFaultProxy>>,
): Commands {
  let elu = performance.eventLoopUtilization();
  const commands: Commands = {
    init: () => ({ apiRoot: platform.tg.apiRoot, faultyApiRoot: proxy.apiRoot }),
    load: (opts) => runLoad(opts),
    arrivals: (from) => platform.arrivals.slice(from).map(toArrivalRecord),
    arrivalCount: () => platform.arrivals.length,
    async quiet(quietMs, timeoutMs) {
      const start = performance.now();
      let last = platform.arrivals.length;
      let quietSince = start;
      while (performance.now() - start < timeoutMs) {
        await new Promise((r) => setTimeout(r, 50));
        if (platform.arrivals.length !== last) {
          last = platform.arrivals.length;
          quietSince = performance.now();
        } else if (performance.now() - quietSince >= quietMs) return;
      }
    },
    faults: () => ({ ...proxy.counts }),
    eluStart: () => {
      elu = performance.eventLoopUtilization();
    },
    eluStop: () => Math.round(performance.eventLoopUtilization(elu).utilization * 100) / 100,
    async close() {
      await proxy.close();
      await platform.close();
    },
  };
  return commands;
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  serve();
}
