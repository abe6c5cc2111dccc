import type { Request } from 'express';
import { ValidationError } from '../core/errors.js';

/** What the resolver needs of the commune directory. */
export interface CommuneSlugLookup {
  bySlug(slug: string): Promise<{ id: number } | undefined>;
}

/** The commune (tenant) id of an API request; throws a 404 ValidationError for an unknown slug. */
export type CommuneOfRequest = (req: Request) => Promise<number>;

/**
 * The one `?commune=<slug>` resolver every module's routes use: on a shared
 * platform the slug picks the commune, otherwise the configured one answers.
 * An unknown slug is a 404 with a field error, the same for every route.
 */
export function createCommuneOfRequest(directory: CommuneSlugLookup, defaultCommuneId: number): CommuneOfRequest {
  return async (req) => {
    const slug = typeof req.query.commune === 'string' ? req.query.commune : undefined;
    if (!slug) return defaultCommuneId;
    const commune = await directory.bySlug(slug);
    if (!commune) throw new ValidationError('unknown commune', { commune: 'no commune with this slug' }, 404);
    return commune.id;
  };
}
