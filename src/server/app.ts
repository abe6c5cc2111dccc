import { errInfo } from '../core/log-error.js';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { httpErrorOf } from '../core/http-errors.js';
import { validTextReviver } from '../core/text-input.js';
import type { Logger } from '../core/logger.js';
import { apiRoute, apiRoutesOf, type ApiRouteSpec } from '../core/api-route.js';
import { accessLog } from './metrics.js';
import { buildOpenApiDocument, registeredRoutes, ROUTES_DECLARED_ELSEWHERE } from './openapi.js';
import { requestIdOf } from './request-id.js';

/** What the HTTP layer needs; runtime.ts wires the real implementations. */
export interface AppDeps {
  log: Logger;
  ready: () => Promise<boolean>;
  /** Routers of channels served over HTTP (the web chat), mounted after the JSON parser, before the modules' routers. */
  channelRouters: express.Router[];
  /** Feature routers (procedures, dossiers, staff APIs), mounted after the core routes. */
  routers: express.Router[];
  /** Express "trust proxy" (TRUST_PROXY): who may set X-Forwarded-For. */
  trustProxy: string | number;
  /** GET /metrics (server/metrics.ts createMetricsHandler); absent: not served (404). */
  metrics?: RequestHandler;
}

const OPENAPI_ROUTE: ApiRouteSpec = {
  method: 'get',
  path: '/api/v1/openapi.json',
  summary: 'This OpenAPI 3.1 document',
  tags: ['meta'],
  auth: 'public',
  responses: { 200: { description: 'The document (JSON).' } },
};

/** Every documented route of the app, in the order the routers are mounted. */
function documentedRoutes(docs: express.Router, deps: Pick<AppDeps, 'channelRouters' | 'routers'>): ApiRouteSpec[] {
  const routers = [...deps.channelRouters, ...deps.routers];
  const registered = new Set(routers.flatMap((r) => registeredRoutes(r)).map((r) => `${r.method} ${r.path}`));
  return [
    ...apiRoutesOf(docs),
    ...routers.flatMap((r) => apiRoutesOf(r)),
    ...ROUTES_DECLARED_ELSEWHERE.filter((s) => registered.has(`${s.method} ${s.path}`)),
  ];
}

/** The Express app without listen(): tests mount it on port 0. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy);

  app.use((req, res, next) => {
    res.locals.requestId = requestIdOf(req, res);
    next();
  });
  app.use(accessLog(deps.log));
  if (deps.metrics) app.get('/metrics', deps.metrics);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      const ok = await deps.ready();
      res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready' });
    } catch {
      res.status(503).json({ status: 'not ready' });
    }
  });

  // A NUL in the path or query (%00) is no code, id or search any route serves; PostgreSQL refuses it in text.
  app.use((req, res, next) => {
    if (/%00/.test(req.url)) res.status(400).json({ error: 'Địa chỉ yêu cầu chứa ký tự không hợp lệ.' });
    else next();
  });

  const json = express.json({ limit: '64kb', reviver: validTextReviver });
  // Bulk imports and local procedures parse their own (larger) bodies.
  const ownParser = (path: string) => path.endsWith('/import') || path.startsWith('/api/v1/procedures/local');
  app.use((req, res, next) => (ownParser(req.path) ? next() : json(req, res, next)));

  // The OpenAPI document of every route declared with core/api-route.ts, built once on first request.
  const docs = express.Router();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  apiRoute(docs, OPENAPI_ROUTE, (_req, res) => {
    document ??= buildOpenApiDocument(documentedRoutes(docs, deps), { title: 'Trợ lý Xã API', version: 'v1' });
    res.json(document);
  });
  app.use(docs);

  // The web chat (a channel that owns its HTTP routes), then the modules' staff and integration APIs.
  for (const router of deps.channelRouters) app.use(router);
  for (const router of deps.routers) app.use(router);

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  // The one HTTP error map (core/http-errors.ts): validation and body parser errors -> 4xx; others -> 500 logged.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string;
    const mapped = httpErrorOf(err);
    if (mapped) {
      res.status(mapped.status).json(mapped.body);
      return;
    }
    deps.log.error({ requestId, err: errInfo(err) }, 'request failed');
    res.status(500).json({
      error: 'Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau.',
      requestId,
    });
  });

  return app;
}
