import { eq, sql } from 'drizzle-orm';
import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import { reports, type ReportPhoto } from '../../db/schema/index.js';
import { PhotoRejected } from './photo-image.js';
import type { PhotoStore } from './photo-store.js';

/**
 * Fetches one photo from the platform it was sent on (Telegram getFile and
 * its file link, a Zalo image URL), at most `maxBytes`; throws on failure.
 * The composition root builds it from the channel adapters' clients.
 */
export type PhotoDownloader = (
  ref: { communeId: number; channel: string; fileId?: string; url?: string },
  maxBytes: number,
) => Promise<Buffer>;

/** Attempts before a photo is left as the platform's reference (`failed`). */
export const MAX_ATTEMPTS = 8;
/** Wait before attempt n+1 (1 min, 5 min, 30 min, then 2 h, 6 h, 12 h…). */
export function backoffMs(attempts: number): number {
  const minutes = [1, 5, 30, 120, 360, 720][Math.min(attempts - 1, 5)] ?? 720;
  return minutes * 60_000;
}

/** A report with a photo waiting whose next attempt is due (one not due does not hold up the others). */
const due = (now: Date) =>
  sql`${reports.photos} @> '[{"state":"pending"}]'::jsonb and exists (
    select 1 from jsonb_array_elements(${reports.photos}) as p
    where p->>'state' = 'pending' and (p->>'nextAttemptAt' is null or (p->>'nextAttemptAt')::timestamptz <= ${now.toISOString()}::timestamptz)
  )`;

const sameRef = (a: ReportPhoto, b: ReportPhoto) =>
  a.state === 'pending' && a.channel === b.channel && a.fileId === b.fileId && a.url === b.url;

/**
 * Downloads waiting photos: the chat answers the resident at once and the
 * report keeps the platform's reference (`pending`); this worker, off the
 * chat's path, fetches each one, checks and cleans it (photo-image.ts) and
 * stores it, then swaps the reference for the stored file in the report's
 * row. The row is the queue: nothing is lost on a restart, and a failure
 * (network, platform 5xx, a link gone) is retried with a growing wait, the
 * reference kept, until {@link MAX_ATTEMPTS}; a file that is not an image is
 * not retried. Several processes may run it: the row is locked for the swap
 * and a photo stored twice keeps the first file (the second is removed).
 */
export async function downloadPendingPhotos(o: {
  db: Db;
  store: PhotoStore;
  download: PhotoDownloader;
  log: Logger;
  now?: Date;
  limit?: number;
}): Promise<{ stored: number; failed: number }> {
  const now = o.now ?? new Date();
  const rows = await o.db
    .select({ id: reports.id, communeId: reports.communeId, photos: reports.photos })
    .from(reports)
    .where(due(now))
    .orderBy(reports.id)
    .limit(o.limit ?? 20);
  let stored = 0;
  let failed = 0;
  for (const row of rows) {
    for (const p of row.photos) {
      if (p.state !== 'pending' || (p.nextAttemptAt && new Date(p.nextAttemptAt) > now)) continue;
      let next: ReportPhoto;
      try {
        const bytes = await o.download(
          { communeId: row.communeId, channel: p.channel, fileId: p.fileId, url: p.url },
          o.store.maxBytes,
        );
        next = await o.store.store(bytes, p.channel, now);
      } catch (error) {
        const attempts = (p.attempts ?? 0) + 1;
        const rejected = error instanceof PhotoRejected;
        // A refusal the platform will repeat (a link gone, a file too big) is not retried either.
        const giveUp = rejected || (error as { retryable?: unknown }).retryable === false || attempts >= MAX_ATTEMPTS;
        const code = rejected ? error.reason : ((error as { code?: unknown }).code ?? 'error');
        o.log.warn(
          { report: row.id, channel: p.channel, attempts, code: String(code), err: rejected ? undefined : errInfo(error) },
          giveUp ? 'report photo not downloaded: the platform reference is kept' : 'report photo download failed; will retry',
        );
        next = giveUp
          ? { ...p, state: 'failed', attempts, error: String(code), nextAttemptAt: undefined }
          : { ...p, attempts, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts)).toISOString() };
        if (giveUp) failed++;
      }
      const kept = await swap(o.db, row.id, p, next);
      if (next.state === 'stored') {
        if (kept) stored++;
        else await o.store.remove(next.file!);
      }
    }
  }
  return { stored, failed };
}

/** Replace the pending photo `was` in the report's row by `next`; false when it is no longer there. */
async function swap(db: Db, id: number, was: ReportPhoto, next: ReportPhoto): Promise<boolean> {
  return db.transaction(async (txRaw) => {
    const tx = txRaw as unknown as Db;
    const [row] = await tx.select({ photos: reports.photos }).from(reports).where(eq(reports.id, id)).for('update');
    const i = row?.photos.findIndex((p) => sameRef(p, was)) ?? -1;
    if (!row || i < 0) return false;
    const photos = row.photos.slice();
    photos[i] = JSON.parse(JSON.stringify(next)) as ReportPhoto;
    // updated_at is left alone: it is the staff's last change, from which retention counts.
    await tx.update(reports).set({ photos }).where(eq(reports.id, id));
    return true;
  });
}
