import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
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

const LIMIT = 'integer 1–200';
const BEFORE = 'the next value of the previous page';
const ANSWER = 'required, at most 4000 characters';

const pageQuery = z.object({
  limit: z.coerce
    .number({ error: LIMIT })
    .int(LIMIT)
    .min(1, LIMIT)
    .max(200, LIMIT)
    .optional()
    .describe('Page size (default 100).'),
  before: z.coerce.number({ error: BEFORE }).int(BEFORE).min(1, BEFORE).optional().describe('`next` of the previous page.'),
});
const answerBody = z.object({ answer: z.string({ error: ANSWER }).trim().min(1, ANSWER).max(4000, ANSWER) });
const codeParams = z.object({ code: z.string().describe('The question code, e.g. HD-12 (case does not matter).') });

/**
 * Staff routes of "gặp cán bộ":
 * - `GET  /api/v1/inquiries?limit=&before=` open questions, newest first, a page at a time (`next` → `before`)
 * - `POST /api/v1/inquiries/:code/answer`  answer one; the answer goes to the resident's chat
 */
export function createInquiriesApi(deps: InquiriesApiDeps): express.Router {
  const router = express.Router();
  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/inquiries',
      summary: 'Open questions for staff, newest first, a page at a time',
      tags: ['inquiries'],
      auth: 'staff',
      permission: 'inbox',
      query: pageQuery,
      invalid: { status: 422, error: 'invalid paging' },
      responses: {
        200: {
          description: 'One page; `next` is the `before` of the following page, absent on the last one.',
          schema: z.object({
            inquiries: z.array(z.looseObject({ id: z.number().int(), code: z.string() })),
            next: z.number().int().optional(),
          }),
        },
      },
    },
    deps.requireStaff('inbox'),
    async (req, res, { query }) => {
      res.json(
        await listOpenInquiries(deps.db, await deps.communeOfRequest(req), { limit: query.limit ?? 100, before: query.before }),
      );
    },
  );
  apiRoute(
    router,
    {
      method: 'post',
      path: '/api/v1/inquiries/:code/answer',
      summary: "Answer a question; the answer goes to the resident's chat with an invitation to rate it",
      tags: ['inquiries'],
      auth: 'staff',
      permission: 'inbox',
      params: codeParams,
      body: answerBody,
      invalid: { status: 422, error: 'answer is required (1–4000 characters)' },
      responses: {
        200: { description: 'Answered.', schema: z.object({ status: z.literal('answered') }) },
        404: { description: 'Unknown inquiry code.' },
        409: { description: 'Already answered.' },
      },
    },
    deps.requireStaff('inbox'),
    async (req, res, { params, body }) => {
      const result = await answerInquiry(deps.db, {
        communeId: await deps.communeOfRequest(req),
        code: params.code.toUpperCase(),
        answer: body.answer,
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
    },
  );
  return router;
}
