import { PUBLIC_LIMITS, publicRateLimit } from '../../core/rate-limit.js';
import express from 'express';
import { z } from 'zod';
import { apiRoute } from '../../core/api-route.js';
import { setFileSecurityHeaders } from '../../core/html-page.js';
import { httpErrors } from '../../core/http-errors.js';
import { actorOf, principalOf } from '../../core/staff.js';
import type { Db } from '../../db/client.js';
import { idOf, noticeParams, WRITE, type NoticesApiDeps } from './http.js';
import {
  ATTACHMENT_TOO_LARGE,
  attachmentByToken,
  checkAttachment,
  MAX_ATTACHMENT_BYTES,
  setNoticeAttachment,
} from './service.js';

/**
 * A notice's image or PDF (issue 17 item 2), uploaded as the raw body of its own route (no base64 in JSON:
 * a 5 MB file stays 5 MB on the wire), and its public download address:
 * - `PUT /api/v1/notices/:id/attachment?name=`  attach or replace (JPEG, PNG or PDF by content; 5 MB)
 * - `GET /notices/files/:token`                 the file, once its notice is going out
 */
export function registerAttachmentRoutes(router: express.Router, deps: NoticesApiDeps): void {
  const { db } = deps;
  const path = '/api/v1/notices/:id/attachment';

  apiRoute(
    router,
    {
      tags: ['notices'],
      auth: 'staff',
      permission: WRITE,
      method: 'put',
      path,
      summary: 'Attach an image (JPEG, PNG) or a PDF to a draft (or a scheduled notice nobody approved)',
      description:
        'The file is the body; its content decides (JPEG/PNG magic bytes, `%PDF-`), not the declared type. Images are ' +
        're-encoded without their metadata. At most 5 MB. Channels that carry files (Telegram; Zalo OA for PDFs) ' +
        'receive the file with the notice; the others a link to it.',
      params: noticeParams,
      query: z.object({
        name: z.string().max(200).optional().describe('The file name shown to residents (without it: thong-bao).'),
      }),
      bodyMediaTypes: ['image/jpeg', 'image/png', 'application/pdf'],
      responses: {
        201: {
          description: 'Attached.',
          schema: z.object({
            attachment: z.object({
              kind: z.enum(['image', 'pdf']),
              name: z.string(),
              mimeType: z.string(),
              size: z.number().int(),
            }),
          }),
        },
        404: { description: 'No such notice in this commune.' },
        409: { description: 'Not a draft: awaiting approval, approved, sending, sent, cancelled or rejected.' },
        413: { description: 'Larger than 5 MB.' },
        415: { description: 'Neither a JPEG, a PNG nor a PDF.' },
        422: { description: 'A damaged image.' },
      },
    },
    deps.requireStaff(WRITE),
    express.raw({ type: () => true, limit: MAX_ATTACHMENT_BYTES }),
    async (req, res) => {
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const communeId = await deps.communeOfRequest(req);
      const name = typeof req.query.name === 'string' ? req.query.name : undefined;
      // Checked (an image re-encoded) before the transaction: the embedded database serialises every query
      // behind an open transaction, and residents' messages should not wait for an image encoder.
      const checked = await checkAttachment(bytes, name);
      const info = await db.transaction((tx) =>
        setNoticeAttachment(tx as unknown as Db, {
          communeId,
          id: idOf(req),
          bytes,
          checked,
          name,
          actor: actorOf(principalOf(req)!),
          publicUrl: deps.publicUrl,
        }),
      );
      if (!info) {
        res.status(404).json({ error: 'Không tìm thấy thông báo này.' });
        return;
      }
      res.status(201).json({ attachment: { kind: info.kind, name: info.name, mimeType: info.mimeType, size: info.size } });
    },
  );
  router.use(path, httpErrors({ tooLarge: ATTACHMENT_TOO_LARGE }));

  // A full-row read per request: limited per address like the other public reads (a shared link stays usable).
  router.get('/notices/files/:token', publicRateLimit(PUBLIC_LIMITS.poster, 'text'), async (req, res) => {
    const file = await attachmentByToken(db, String(req.params.token));
    if (!file) {
      res.status(404).type('text/plain; charset=utf-8').send('Không tìm thấy tệp đính kèm này.');
      return;
    }
    // No framing, no sniffing, no referrer (as the civil-record files). An image also gets a sandbox; a PDF
    // not, since Chromium's PDF viewer can show a blank page under one (see setFileSecurityHeaders).
    setFileSecurityHeaders(res);
    if (file.kind !== 'pdf') res.set('content-security-policy', "default-src 'none'; sandbox; frame-ancestors 'none'");
    res
      .status(200)
      .set({
        'content-type': file.mimeType,
        'content-disposition': `inline; filename="${file.name.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'cache-control': 'private, max-age=3600',
      })
      .send(Buffer.from(file.contentBase64, 'base64'));
  });
}
