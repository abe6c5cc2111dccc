import express, { type Request, type RequestHandler } from 'express';
import type { Permission } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { listUndelivered } from './queries.js';

/** What the outbox's staff routes need. */
export interface OutboxApiDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
}

/** `GET /api/v1/deliveries/undelivered` (staff): replies that could not be delivered, newest first. */
export function createOutboxApi(deps: OutboxApiDeps): express.Router {
  const router = express.Router();
  router.get('/api/v1/deliveries/undelivered', deps.requireStaff('deliveries'), async (req, res) => {
    res.json({ undelivered: await listUndelivered(deps.db, await deps.communeOfRequest(req)) });
  });
  return router;
}
