import type { Request, RequestHandler, Response } from 'express';
import { ValidationError } from '../core/errors.js';
import { secureEqual } from '../core/secure-compare.js';
import type { Logger } from '../core/logger.js';
import {
  principalAllows,
  principalOf,
  setPrincipal,
  type Permission,
  type StaffPrincipal,
  type StaffRole,
} from '../core/staff.js';
import type { Db } from '../db/client.js';
import { resolveApiKey, resolveSession, type ResolvedSession, type SessionPolicy } from './accounts.js';

export const SESSION_COOKIE = 'txa_session';
export const DEVICE_COOKIE = 'txa_device';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The cookies of a request (no dependency: the console sets two, both base64url). */
export function readCookies(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}

export function setCookie(
  req: Request,
  res: Response,
  name: string,
  value: string,
  opts: { maxAgeS?: number; path?: string; sameSite?: 'Lax' | 'Strict' } = {},
): void {
  const parts = [`${name}=${value}`, `Path=${opts.path ?? '/'}`, 'HttpOnly', `SameSite=${opts.sameSite ?? 'Lax'}`];
  if (opts.maxAgeS !== undefined) parts.push(`Max-Age=${opts.maxAgeS}`);
  if (req.secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

const sessions = new WeakMap<Request, ResolvedSession>();

/** The console session of a request, once {@link StaffAuth.authenticate} has run. */
export function sessionOf(req: Request): ResolvedSession | undefined {
  return sessions.get(req);
}

export interface StaffAuthDeps {
  db: Db;
  log: Logger;
  sessionPolicy: SessionPolicy;
  /** ADMIN_API_KEY: the installation's bootstrap and automation key (every commune, every permission). */
  bootstrapKey?: string;
  /** INTEGRATION_API_KEY: the installation-wide one-stop key of earlier versions (dossier writes only). */
  integrationKey?: string;
  /** `?commune=<slug>` -> id, for principals that may see every commune. */
  communeBySlug: (slug: string) => Promise<{ id: number } | undefined>;
  defaultCommuneId: number;
}

/**
 * Who may call the staff API and open the console: a console session
 * (cookie; state-changing requests must carry its CSRF token), a commune's
 * integration key, or the bootstrap key. Routes ask for a permission; the
 * role decides. The commune in view is the staff member's own, whatever a
 * `?commune=` says; only province administrators and the bootstrap key pick.
 */
export function createStaffAuth(deps: StaffAuthDeps) {
  const bootstrap = deps.bootstrapKey || undefined;
  const integration = deps.integrationKey || undefined;

  async function identify(req: Request): Promise<StaffPrincipal | 'csrf' | undefined> {
    const known = principalOf(req);
    if (known) return known;
    const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
    if (bearer) {
      if (bootstrap && secureEqual(bearer, bootstrap)) return { kind: 'bootstrap', communeId: null };
      if (integration && secureEqual(bearer, integration)) return { kind: 'integration', communeId: null };
      const key = await resolveApiKey(deps.db, bearer);
      return key ? { kind: 'api-key', keyId: key.id, communeId: key.communeId } : undefined;
    }
    const token = readCookies(req)[SESSION_COOKIE];
    if (!token) return undefined;
    const session = await resolveSession(deps.db, token, deps.sessionPolicy);
    if (!session) return undefined;
    if (UNSAFE.has(req.method)) {
      const given = req.get('x-csrf-token') ?? (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined);
      if (!given || !secureEqual(given, session.csrfToken)) return 'csrf';
    }
    sessions.set(req, session);
    const a = session.account;
    return {
      kind: 'staff',
      staffId: a.id,
      username: a.username,
      displayName: a.displayName,
      role: a.role as StaffRole,
      communeId: a.communeId,
    };
  }

  /** Identify the caller (or not) without refusing anyone: for pages that handle both. */
  const authenticate: RequestHandler = async (req, _res, next) => {
    try {
      const p = await identify(req);
      if (p && p !== 'csrf') setPrincipal(req, p);
      next();
    } catch (error) {
      next(error);
    }
  };

  /** A staff API guard: 401 without credentials, 403 with a bad CSRF token or without the permission. */
  function require(permission: Permission): RequestHandler {
    return async (req, res, next) => {
      try {
        const p = await identify(req);
        if (p === 'csrf') {
          res.status(403).json({ error: 'missing or invalid CSRF token' });
          return;
        }
        if (!p) {
          res.status(401).json({ error: 'unauthorized' });
          return;
        }
        if (!principalAllows(p, permission)) {
          res.status(403).json({ error: 'forbidden' });
          return;
        }
        setPrincipal(req, p);
        next();
      } catch (error) {
        next(error);
      }
    };
  }

  /**
   * The commune (tenant) of a request. A principal bound to a commune gets
   * that commune; a `?commune=` naming another one is a 404, the same as an
   * unknown slug, so nobody learns which communes exist. Public routes (no
   * principal) and province-wide principals resolve the slug.
   */
  async function communeOfRequest(req: Request): Promise<number> {
    const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
    const p = principalOf(req);
    const bound = p?.communeId ?? null;
    if (!slug) return bound ?? deps.defaultCommuneId;
    const commune = await deps.communeBySlug(slug);
    if (!commune || (bound !== null && commune.id !== bound))
      throw new ValidationError('unknown commune', { commune: 'no commune with this slug' }, 404);
    return commune.id;
  }

  return { authenticate, require, communeOfRequest, identify };
}

export type StaffAuth = ReturnType<typeof createStaffAuth>;
