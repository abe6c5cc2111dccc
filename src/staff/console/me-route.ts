/** `GET /api/v1/staff/me`: who is signed in, and the CSRF token a script must send back in X-CSRF-Token. */
import type express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { setPrincipal } from '../../core/staff.js';
import { sessionOf, type StaffAuth } from '../auth.js';

export function registerStaffMeRoute(router: express.Router, auth: StaffAuth): void {
  apiRoute(
    router,
    {
      method: 'get',
      path: '/api/v1/staff/me',
      summary: 'Who is signed in, and the CSRF token for scripted requests',
      description: 'Send the token back in `X-CSRF-Token` with requests that change data under the session cookie.',
      tags: ['staff'],
      auth: 'staff',
      responses: {
        200: {
          description: 'The signed-in staff member.',
          schema: z.object({
            username: z.string(),
            displayName: z.string().nullable(),
            role: z.string(),
            communeId: z.number().int(),
            provinceWide: z.boolean(),
            csrfToken: z.string(),
          }),
        },
        401: { description: 'Not signed in.' },
      },
    },
    async (req, res) => {
      const p = await auth.identify(req);
      if (!p || p === 'csrf' || p.kind !== 'staff') return res.status(401).json({ error: 'unauthorized' });
      setPrincipal(req, p);
      const communeId = await auth.communeOfRequest(req);
      res.set('Cache-Control', 'no-store').json({
        username: p.username,
        displayName: p.displayName,
        role: p.role,
        communeId,
        provinceWide: p.communeId === null,
        csrfToken: sessionOf(req)!.csrfToken,
      });
    },
  );
}
