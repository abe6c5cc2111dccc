import { z } from 'zod';
import type { ApiRouteSpec, ApiSchema } from '../core/api-route.js';

/** A JSON Schema object (2020-12, the dialect OpenAPI 3.1 uses). */
type JsonSchema = Record<string, unknown>;

/** The body of every 4xx/5xx JSON answer (core/http-errors.ts). */
const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'What went wrong, for a person (Vietnamese) or a short code.' },
    fieldErrors: { type: 'object', additionalProperties: { type: 'string' }, description: 'Reason per field.' },
    requestId: { type: 'string' },
  },
  required: ['error'],
};

const SECURITY: Record<ApiRouteSpec['auth'], Record<string, string[]>[] | undefined> = {
  public: undefined,
  staff: [{ staffSession: [] }, { staffKey: [] }],
  integration: [{ integrationKey: [] }],
};

/** What each tag groups, for readers of the document. */
const TAGS: Record<string, string> = {
  calendar: 'Working days, holidays and opening hours of the commune (public).',
  'civil-records': 'Requests for copies of civil-status records: review, approval, signed copies.',
  deliveries: 'Replies the platforms refused for good.',
  dossiers: 'Dossiers of the one-stop system: updates (integration) and look-ups (staff).',
  inquiries: 'Questions residents left for staff.',
  meta: 'This document.',
  notices: 'Notices to residents, by hamlet and topic.',
  procedures: 'The procedures catalog, the commune’s own information and procedures.',
  reports: "Residents' reports (phản ánh) and their photos.",
  staff: 'The signed-in staff member.',
  statistics: 'Dossier and inquiry statistics.',
  'web chat': "The web chat on the commune's site.",
};

/** `/api/v1/dossiers/:code` -> `/api/v1/dossiers/{code}`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The JSON Schema of a request or response schema, as its input is accepted
 * (`io: 'input'`: what a client sends, before defaults and transforms).
 * Parts zod cannot express (a refinement, a transform) become `{}`: accepted
 * by the document, checked by the route.
 */
function jsonSchemaOf(schema: ApiSchema, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema as unknown as z.ZodType, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

function parametersOf(spec: ApiRouteSpec): Parameter[] {
  const out: Parameter[] = [];
  const pathNames = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
  const params = spec.params ? jsonSchemaOf(spec.params, 'input') : undefined;
  const paramProps = (params?.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of pathNames) out.push({ name, in: 'path', required: true, schema: paramProps[name] ?? { type: 'string' } });
  if (spec.query) {
    const query = jsonSchemaOf(spec.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: 'query',
        required: required.has(name),
        schema: rest,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
  }
  return out;
}

function operationOf(spec: ApiRouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    const content = r.schema
      ? { 'application/json': { schema: jsonSchemaOf(r.schema, 'output') } }
      : r.mediaType
        ? { [r.mediaType]: { schema: { type: 'string', contentMediaType: r.mediaType } } }
        : undefined;
    responses[status] = { description: r.description, ...(content ? { content } : {}) };
  }
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  });
  if ((spec.params || spec.query || spec.body) && !spec.responses[spec.invalid?.status ?? 400]) {
    responses[String(spec.invalid?.status ?? 400)] = error('The request does not match the documented schema.');
  }
  if (spec.auth !== 'public') {
    responses['401'] ??= error('Not signed in, or the key is wrong.');
    responses['403'] ??= error('Signed in without the permission this route needs.');
  }

  const parameters = parametersOf(spec);
  const bodyContent: Record<string, unknown> = {};
  if (spec.body) bodyContent['application/json'] = { schema: jsonSchemaOf(spec.body, 'input') };
  for (const type of spec.bodyMediaTypes ?? []) bodyContent[type] ??= { schema: { type: 'string', contentMediaType: type } };

  return {
    operationId: `${spec.method}${spec.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    summary: spec.summary,
    ...(spec.description || spec.permission
      ? {
          description: [spec.description, spec.permission ? `Staff permission: \`${spec.permission}\`.` : undefined]
            .filter(Boolean)
            .join('\n\n'),
        }
      : {}),
    tags: spec.tags,
    ...(SECURITY[spec.auth] ? { security: SECURITY[spec.auth] } : { security: [] }),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(bodyContent).length ? { requestBody: { required: true, content: bodyContent } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of these routes (each declared once with its zod schemas; core/api-route.ts). */
export function buildOpenApiDocument(specs: readonly ApiRouteSpec[], info: { title: string; version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = openApiPath(spec.path);
    paths[path] ??= {};
    paths[path][spec.method] = operationOf(spec);
  }
  const tags = [...new Set(specs.flatMap((s) => s.tags))]
    .sort()
    .map((name) => ({ name, ...(TAGS[name] ? { description: TAGS[name] } : {}) }));
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    // Relative: the document is served by the installation it describes.
    servers: [{ url: '/' }],
    info: {
      ...info,
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Staff, integration and public APIs of Trợ lý Xã. Generated from the zod schemas the routes validate with. ' +
        '`?commune=<slug>` picks the commune on a shared platform; staff routes are bound to the signed-in commune.',
    },
    tags,
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        staffSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'txa_session',
          description: 'The staff console session (sign in at /console/login).',
        },
        staffKey: { type: 'http', scheme: 'bearer', description: 'A staff API key (console: Khóa API) or ADMIN_API_KEY.' },
        integrationKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'The one-stop system integration key (INTEGRATION_API_KEY); the admin key works too.',
        },
      },
    },
  };
}

/** A route express has registered: its method and its express path. */
export interface RegisteredRoute {
  method: string;
  path: string;
}

/** Every route registered on an express app or router, nested routers included (express 5's layer stack). */
export function registeredRoutes(router: object): RegisteredRoute[] {
  const out: RegisteredRoute[] = [];
  const stack = (router as { stack?: unknown[] }).stack ?? [];
  for (const layer of stack as { route?: { path: unknown; methods: Record<string, boolean> }; handle?: unknown }[]) {
    if (layer.route && typeof layer.route.path === 'string') {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method, path: layer.route.path });
      }
    } else if (typeof layer.handle === 'function' && Array.isArray((layer.handle as { stack?: unknown }).stack)) {
      out.push(...registeredRoutes(layer.handle));
    }
  }
  return out;
}

/**
 * Routes still declared without core/api-route.ts in files this module does not
 * own (the procedure search, owned with the search engine). Documented here
 * from their code until they move to `apiRoute`; the schemas mirror the checks
 * in their handlers. Listed only when registered.
 */
export const ROUTES_DECLARED_ELSEWHERE: ApiRouteSpec[] = [
  {
    method: 'get',
    path: '/api/v1/procedures/search',
    summary: 'Search the procedures catalog',
    description: 'Ranked results, best first, and whether the top one is a confident answer (422 on bad q or limit).',
    tags: ['procedures'],
    auth: 'public',
    query: z.object({
      q: z.string().min(1).max(500).describe('The question, in Vietnamese, with or without diacritics.'),
      limit: z.coerce.number().int().min(1).max(50).optional().describe('At most this many results (default 10).'),
      commune: z.string().optional(),
    }),
    invalid: { status: 422 },
    responses: {
      200: {
        description: 'Results',
        schema: z.object({
          results: z.array(
            z.object({
              code: z.string(),
              name: z.string(),
              field: z.string().nullable(),
              levels: z.array(z.string()),
              score: z.number(),
            }),
          ),
          confident: z.boolean(),
          decision: z.string(),
          elsewhere: z.object({ topic: z.string(), label: z.string(), answer: z.string() }).optional(),
        }),
      },
      404: { description: 'Unknown commune.' },
    },
  },
];
