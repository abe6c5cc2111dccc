import type { Response } from 'express';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import type { PhotoStore } from './photo-store.js';
import { findReport } from './service.js';

/**
 * Send one stored photo of a report to a signed-in staff member of the
 * report's commune, and audit the view (`report.photo-viewed`, with the
 * report's code and the photo's position only). Anything else (another
 * commune's report, a name the report does not hold, an erased or missing
 * file, a bad id) is the same 404. The type is the stored one, the browser
 * may not guess another (`nosniff`), nothing keeps a copy (`no-store`), and
 * the response is a download-free inline image that cannot run as a page.
 */
export async function sendReportPhoto(
  res: Response,
  o: { db: Db; store: PhotoStore | undefined; communeId: number; id: number; file: string; actor: string },
): Promise<void> {
  const r = await findReport(o.db, o.communeId, o.id);
  const index = r?.photos.findIndex((p) => p.state === 'stored' && p.file === o.file) ?? -1;
  const photo = index >= 0 ? r!.photos[index] : undefined;
  const bytes = photo && o.store ? await o.store.read(o.file) : undefined;
  if (!r || !photo?.type || !bytes) {
    res.status(404).type('text/plain; charset=utf-8').set('Cache-Control', 'no-store').send('Không tìm thấy ảnh.');
    return;
  }
  await writeAudit(o.db, {
    communeId: o.communeId,
    actor: o.actor,
    action: 'report.photo-viewed',
    subject: r.code,
    details: { photo: index + 1 },
  });
  res
    .status(200)
    .set({
      'Content-Type': photo.type,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Content-Disposition': 'inline',
    })
    .send(bytes);
}
