import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { ValidationError } from './errors.js';
import { fieldErrorsOf } from './http-errors.js';

/**
 * A schema as this module needs it: zod's `safeParse` (structurally typed, so
 * core imports no validation library; server/openapi.ts turns the same
 * objects into JSON Schema with zod's own `z.toJSONSchema`).
 */
export interface ApiSchema<T = unknown> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Who may call a route: anyone, a signed-in staff member (cookie or staff key), or the one-stop system's key. */
export type ApiAuth = 'public' | 'staff' | 'integration';

/** One documented response: its description and, for JSON bodies, the schema (or a media type for files). */
export interface ApiResponse {
  description: string;
  schema?: ApiSchema;
  /** A non-JSON body (`application/pdf`, `image/*`, `text/html`): documented as binary of that type. */
  mediaType?: string;
}

/** How a failed parse is answered: the status (400 unless said) and the top-level message. */
export interface ApiInvalid {
  status?: 400 | 404 | 409 | 413 | 422;
  /** The `error` of the body; a function chooses it from the field errors (the first failing field decides). */
  error?: string | ((fieldErrors: Record<string, string>) => string);
}

/**
 * One HTTP route, declared once: express registers it with validation by these
 * very schemas, and the OpenAPI document is generated from them.
 */
export interface ApiRouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** Express syntax (`/api/v1/dossiers/:code`); the document writes `{code}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: ApiAuth;
  /** The staff permission the route requires (documentation; the route's own guard enforces it). */
  permission?: string;
  params?: ApiSchema<P>;
  query?: ApiSchema<Q>;
  body?: ApiSchema<B>;
  /** A body that is not JSON (CSV, PDF, an image): its media types, documented as-is and not parsed here. */
  bodyMediaTypes?: string[];
  /**
   * `'handler'`: the handler or its service parses the body itself (with this schema where it has one, or
   * with rules that depend on stored data, such as create-or-update), so its answers to bad input and their
   * order stay its own; the route only documents the schema.
   */
  bodyValidatedBy?: 'route' | 'handler';
  responses: Record<number, ApiResponse>;
  invalid?: ApiInvalid;
}

/** The parsed parts of a request, as the final handler receives them. */
export interface ApiInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
}

export type ApiHandler<P, Q, B> = (
  req: Request,
  res: Response,
  input: ApiInput<P, Q, B>,
  next: NextFunction,
) => unknown | Promise<unknown>;

const DEFAULT_INVALID = 'Dữ liệu gửi lên chưa hợp lệ.';
const specsByRouter = new WeakMap<object, ApiRouteSpec[]>();

function invalidError(spec: ApiRouteSpec, error: Parameters<typeof fieldErrorsOf>[0]): ValidationError {
  const fieldErrors = fieldErrorsOf(error);
  const message = spec.invalid?.error;
  const text = typeof message === 'function' ? message(fieldErrors) : (message ?? DEFAULT_INVALID);
  return new ValidationError(text, fieldErrors, spec.invalid?.status ?? 400);
}

/**
 * Register `spec` on `router`: the middlewares run first (guards, limits, body
 * parsers), then the params, query and body are parsed by the spec's schemas
 * (a failure is a {@link ValidationError}, answered by the one HTTP error map),
 * then the handler runs with the parsed values. The spec is kept with the
 * router for the OpenAPI document ({@link apiRoutesOf}).
 */
export function apiRoute<P = Record<string, string>, Q = Record<string, unknown>, B = unknown>(
  router: Router,
  spec: ApiRouteSpec<P, Q, B>,
  ...handlers: [...RequestHandler[], ApiHandler<P, Q, B>]
): void {
  const middlewares = handlers.slice(0, -1) as RequestHandler[];
  const handler = handlers[handlers.length - 1] as ApiHandler<P, Q, B>;
  const validateBody = spec.body && spec.bodyValidatedBy !== 'handler';
  const final: RequestHandler = async (req, res, next) => {
    const parts: Record<'params' | 'query' | 'body', unknown> = { params: req.params, query: req.query, body: req.body };
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = spec[part];
      if (!schema || (part === 'body' && !validateBody)) continue;
      const parsed = schema.safeParse(parts[part] ?? {});
      if (!parsed.success) return next(invalidError(spec as ApiRouteSpec, parsed.error));
      parts[part] = parsed.data;
    }
    await handler(req, res, parts as unknown as ApiInput<P, Q, B>, next);
  };
  router[spec.method](spec.path, ...middlewares, final);
  recordApiRoute(router, spec as ApiRouteSpec);
}

/**
 * Document a route registered elsewhere without this helper (a webhook whose raw
 * body is checked by signature, a route owned by code not yet converted).
 */
export function recordApiRoute(router: object, spec: ApiRouteSpec): void {
  const list = specsByRouter.get(router) ?? [];
  list.push(spec);
  specsByRouter.set(router, list);
}

/** The specs declared on a router and on the routers mounted inside it (express's layer stack), in order. */
export function apiRoutesOf(router: object): ApiRouteSpec[] {
  const out: ApiRouteSpec[] = [...(specsByRouter.get(router) ?? [])];
  const stack = (router as { stack?: { handle?: unknown }[] }).stack ?? [];
  for (const layer of stack) {
    const inner = layer.handle;
    if (typeof inner === 'function' && Array.isArray((inner as { stack?: unknown }).stack)) out.push(...apiRoutesOf(inner));
  }
  return out;
}
