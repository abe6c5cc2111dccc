/** What the procedures API's routers share: their dependencies, the `:code` parameter, the 404 and the audit actor. */
import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { ApiRouteSpec } from '../../core/api-route.js';
import { actorOf as actorOfPrincipal, principalOf, type Permission } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import type { PosterLinkBase } from './poster.js';

export interface ProceduresApiDeps {
  db: Db;
  /** Rejects non-staff requests itself; may set `res.locals.actor` for the audit trail. */
  requireStaff: (permission: Permission) => RequestHandler;
  /** Ranking hook owned by the search feature; its route is mounted by the procedures module (index.ts). */
  search?: (communeId: number, q: string, limit: number) => { results: unknown[]; confident: boolean };
  resolveCommuneId: (req: Request) => number | Promise<number>;
  /** Per-commune link settings for posters; without it /posters is not served. */
  posterLinks?: (communeId: number) => PosterLinkBase | Promise<PosterLinkBase>;
}

export const codeParams = z.object({
  code: z.string().describe('A national code such as 1.001193, or local.<slug> for a procedure of the commune.'),
});

export const codeParam = (req: Request) => String(req.params.code ?? '');

/** The staff routes' common OpenAPI fields. */
export const staffRoute: Pick<ApiRouteSpec, 'tags' | 'auth' | 'permission'> = {
  tags: ['procedures'],
  auth: 'staff',
  permission: 'procedures',
};

export function notFound(res: Response, code: string): void {
  res.status(404).json({ error: `Không tìm thấy thủ tục có mã ${code}.` });
}

/** The audit actor of a staff request (the route's guard has set the principal). */
export function actorOf(req: Request): string {
  const p = principalOf(req);
  return p ? actorOfPrincipal(p) : 'staff';
}
