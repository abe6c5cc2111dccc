import express, { type Request, type RequestHandler } from 'express';
import { actorOf, principalOf, type Permission } from '../../core/staff.js';
import type { ChannelCapabilities } from '../../core/types.js';
import type { Db } from '../../db/client.js';
import { answerInquiry, listOpenInquiries } from './service.js';

/** What the inquiries' staff routes need. */
export interface InquiriesApiDeps {
  db: Db;
  requireStaff: (permission: Permission) => RequestHandler;
  communeOfRequest: (req: Request) => Promise<number>;
  /** Called after commit with the outbox ids of the answers (the delivery worker's kick). */
  deliver: (outboxIds: number[]) => void;
  /** What the resident's channel can do: the rating invitation is buttons or a numbered list. */
  capabilitiesOf: (channel: string) => ChannelCapabilities;
}

/**
 * Staff routes of "gặp cán bộ":
 * - `GET  /api/v1/inquiries?limit=&before=` open questions, newest first, a page at a time (`next` → `before`)
 * - `POST /api/v1/inquiries/:code/answer`  answer one; the answer goes to the resident's chat
 */
export function createInquiriesApi(deps: InquiriesApiDeps): express.Router {
  const router = express.Router();
  router.get('/api/v1/inquiries', deps.requireStaff('inbox'), async (req, res) => {
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    const before = req.query.before === undefined ? undefined : Number(req.query.before);
    const fieldErrors: Record<string, string> = {};
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) fieldErrors.limit = 'integer 1–200';
    if (before !== undefined && (!Number.isSafeInteger(before) || before < 1))
      fieldErrors.before = 'the next value of the previous page';
    if (Object.keys(fieldErrors).length) {
      res.status(422).json({ error: 'invalid paging', fieldErrors });
      return;
    }
    res.json(await listOpenInquiries(deps.db, await deps.communeOfRequest(req), { limit, before }));
  });
  router.post('/api/v1/inquiries/:code/answer', deps.requireStaff('inbox'), async (req, res) => {
    const answer = typeof req.body?.answer === 'string' ? req.body.answer.trim() : '';
    if (!answer || answer.length > 4000) {
      res
        .status(422)
        .json({ error: 'answer is required (1–4000 characters)', fieldErrors: { answer: 'required, at most 4000 characters' } });
      return;
    }
    const result = await answerInquiry(deps.db, {
      communeId: await deps.communeOfRequest(req),
      code: String(req.params.code).toUpperCase(),
      answer,
      staff: actorOf(principalOf(req)!),
      capabilitiesOf: deps.capabilitiesOf,
    });
    if (!result) {
      res.status(404).json({ error: 'unknown inquiry code' });
      return;
    }
    if (result.alreadyAnswered) {
      res.status(409).json({ error: 'already answered' });
      return;
    }
    deps.deliver(result.outboxIds);
    res.json({ status: 'answered' });
  });
  return router;
}
