import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import type { Permission } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { listUndelivered } from './queries.js';

/** What the outbox's staff routes need. */
export interface OutboxApiDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
}

const undeliveredJson = z.object({
  undelivered: z.array(
    z.object({
      id: z.number().int(),
      channel: z.string(),
      chatId: z.string(),
      status: z.enum(['undeliverable', 'failed']),
      lastError: z.string().nullable(),
      createdAt: z.iso.datetime(),
      text: z.string().nullable(),
    }),
  ),
});

/** `GET /api/v1/deliveries/undelivered` (staff): replies that could not be delivered, newest first. */
export function createOutboxApi(deps: OutboxApiDeps): express.Router {
  const router = express.Router();
  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/deliveries/undelivered',
      summary: 'Replies that could not be delivered, newest first (at most 200)',
      tags: ['deliveries'],
      auth: 'staff',
      permission: 'deliveries',
      responses: { 200: { description: 'The undelivered replies of the commune.', schema: undeliveredJson } },
    },
    deps.requireStaff('deliveries'),
    async (req, res) => {
      res.json({ undelivered: await listUndelivered(deps.db, await deps.communeOfRequest(req)) });
    },
  );
  return router;
}
