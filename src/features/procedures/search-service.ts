import express from 'express';
import { PUBLIC_LIMITS, publicRateLimit } from '../../core/rate-limit.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import type { SearchableProcedure } from '../../text/search-index.js';
import {
  buildProcedureEngine,
  createProcedureEngine,
  toSearchable,
  type EngineResponse,
  type ProcedureEngine,
} from './engine.js';
import { listLocalProcedures, mapNationalProcedures } from './repo.js';
import { listAliases, rewriteWithAliases, type AliasRule } from './aliases.js';
import { loadShipped } from './examples-data.js';
import { createExampleIndex, type LabelledExample } from '../../text/examples.js';

/**
 * Procedure search for every commune: one shared index over the national
 * catalog, plus a per-commune index only where a commune added local
 * procedures. Indexes are rebuilt after staff changes in slices
 * (`buildProcedureEngine`), so a rebuild's second of CPU never holds up
 * residents' messages for more than one slice; searches use the previous
 * index until the new one is ready.
 */
export function createProcedureSearchService(deps: {
  db: Db;
  log: Logger;
  examples?: LabelledExample[];
  /** Told when a commune's build starts and ends (tests, diagnostics). */
  onBuild?: (communeId: number, phase: 'start' | 'end') => void;
}) {
  /** Residents' answered questions, read as evidence beside the catalog (src/text/examples.ts). */
  const shipped = deps.examples ? { examples: deps.examples } : loadShipped();
  if (shipped.problem && shipped.examples.length) {
    // The engine's settings assume the model votes: say so when it cannot (no personal data here).
    deps.log.warn(
      { problem: shipped.problem },
      'example model not read (data/catalog/example-model.json.gz absent, stale or damaged): run npm run examples:build',
    );
  }
  const { examples, model } = shipped;
  // Indexed once and shared by the national engine and every commune's own.
  const exampleIndex = examples.length ? createExampleIndex(examples, { model }) : undefined;
  const engineOf = (docs: SearchableProcedure[]) => buildProcedureEngine(docs, { exampleIndex });
  let national: ProcedureEngine = createProcedureEngine([]);
  const perCommune = new Map<number, ProcedureEngine>();
  /** Staff-added words per commune, longest first, and the names of the procedures they point to. */
  const aliases = new Map<number, AliasRule[]>();
  const names = new Map<string, string>();

  const readNational = () => mapNationalProcedures(deps.db, toSearchable);

  /** Build every index; an edit arriving meanwhile waits for it (the builds' single lane, below). */
  function init(communeIds: number[]): Promise<void> {
    const run = lane.catch(() => {}).then(() => initAll(communeIds));
    lane = run;
    return run;
  }

  async function initAll(communeIds: number[]): Promise<void> {
    // The records' text is read again when a commune's own index is built, not kept: it is most of the catalog's memory.
    const nationalDocs = await readNational();
    national = await engineOf(nationalDocs);
    for (const d of nationalDocs) names.set(d.code, d.name);
    cache.clear();
    for (const id of communeIds) await buildCommune(id, nationalDocs);
    deps.log.info(
      { procedures: national.size, examples: examples.length, localIndexes: perCommune.size },
      'procedure search ready',
    );
  }

  // Building a commune's index takes about a second of CPU: builds run one at a time for the whole process
  // (a province's communes editing at once never hold several catalogs in memory together), and edits
  // arriving while a commune's build waits share it (it reads the database when it starts, so it sees them all).
  let lane: Promise<unknown> = Promise.resolve();
  const queued = new Map<number, Promise<void>>();
  function refreshCommune(communeId: number): Promise<void> {
    const waiting = queued.get(communeId);
    if (waiting) return waiting;
    const next = lane
      .catch(() => {}) // the earlier build's failure was reported to its own callers
      .then(() => {
        queued.delete(communeId);
        return buildCommune(communeId);
      });
    queued.set(communeId, next);
    lane = next;
    return next;
  }

  async function buildCommune(communeId: number, nationalDocs?: SearchableProcedure[]): Promise<void> {
    const started = performance.now();
    deps.onBuild?.(communeId, 'start');
    const local = await listLocalProcedures(deps.db, communeId);
    for (const p of local) names.set(p.code, p.name);
    if (local.length === 0) perCommune.delete(communeId);
    else perCommune.set(communeId, await engineOf([...(nationalDocs ?? (await readNational())), ...local.map(toSearchable)]));
    const rules = (await listAliases(deps.db, communeId)).map((a) => ({ folded: a.folded, code: a.code }));
    rules.sort((a, b) => b.folded.length - a.folded.length);
    if (rules.length) aliases.set(communeId, rules);
    else aliases.delete(communeId);
    // Answers remembered while the build ran came from the old index.
    cache.clear();
    deps.onBuild?.(communeId, 'end');
    if (!nationalDocs) deps.log.info({ communeId, ms: Math.round(performance.now() - started) }, 'commune search index rebuilt');
  }

  // Residents ask the same questions again and again: remember recent answers (bounded; cleared when an index changes).
  const cache = new Map<string, EngineResponse>();
  const CACHE_MAX = 5_000;
  function search(communeId: number, query: string, limit = 5): EngineResponse {
    const index = perCommune.get(communeId);
    const rules = aliases.get(communeId);
    const key = `${index || rules ? communeId : 0}|${limit}|${query}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const rewritten = rules && rewriteWithAliases(query, rules, (code) => names.get(code));
    const result = (index ?? national).search(rewritten ?? query, { limit });
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(key, result);
    return result;
  }

  return { init, refreshCommune, search };
}

export type ProcedureSearchService = ReturnType<typeof createProcedureSearchService>;

/** `GET /api/v1/procedures/search?q=&limit=`: ranked results, best first, and whether the top one is a confident answer. */
export function createSearchApi(deps: {
  search: ProcedureSearchService;
  resolveCommuneId: (req: express.Request) => Promise<number | undefined>;
}): express.Router {
  const router = express.Router();
  router.get('/api/v1/procedures/search', publicRateLimit(PUBLIC_LIMITS.read), async (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    const limitRaw = req.query.limit === undefined ? 10 : Number(req.query.limit);
    if (!q.trim() || q.length > 500) {
      res.status(422).json({ error: 'q is required (1–500 characters)', fieldErrors: { q: 'required, at most 500 characters' } });
      return;
    }
    if (!Number.isInteger(limitRaw) || limitRaw < 1 || limitRaw > 50) {
      res.status(422).json({ error: 'limit must be an integer 1–50', fieldErrors: { limit: 'integer 1–50' } });
      return;
    }
    const communeId = await deps.resolveCommuneId(req);
    if (communeId === undefined) {
      res.status(404).json({ error: 'unknown commune' });
      return;
    }
    const out = deps.search.search(communeId, q, limitRaw);
    res.json({
      results: out.results.map((r) => ({
        code: r.code,
        name: r.name,
        field: r.field,
        levels: r.levels,
        score: Number(r.score.toFixed(4)),
      })),
      confident: out.confident,
      decision: out.decision,
      ...(out.elsewhere
        ? { elsewhere: { topic: out.elsewhere.id, label: out.elsewhere.label, answer: out.elsewhere.answer } }
        : {}),
    });
  });
  return router;
}
