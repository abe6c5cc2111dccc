import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { civilRecordRequestAttachments, reports, type ReportPhoto } from '../../db/schema/index.js';
import type { PhotoStore } from './photo-store.js';

/** Statuses after which a report's photos have served their purpose. */
const CLOSED = ['done', 'not_ours', 'merged'];

/** A report has a photo that is not erased yet (stored, pending, failed or an old reference). */
const HAS_PHOTOS = sql`exists (select 1 from jsonb_array_elements(${reports.photos}) as p where p->>'state' is distinct from 'erased')`;

/**
 * Erase the photos of reports closed (done, not the commune's, merged) more
 * than `days` ago, counted from the report's last change: each photo becomes
 * `{ channel, state: "erased", erasedAt }` (no file name, platform id or URL
 * is left, so staff still see that there were photos), in one transaction
 * with an audit entry that names only the report's code and the count; the
 * files are removed after the commit (a crash in between leaves unreferenced
 * files, which {@link sweepUnreferencedPhotos} removes). Returns the number of
 * reports whose photos were erased.
 */
export async function eraseExpiredPhotos(
  db: Db,
  store: PhotoStore,
  q: { days: number; now?: Date; limit?: number },
): Promise<number> {
  const now = q.now ?? new Date();
  const cutoff = new Date(now.getTime() - q.days * 86_400_000);
  const due = await db
    .select({ id: reports.id })
    .from(reports)
    .where(and(inArray(reports.status, CLOSED), lt(reports.updatedAt, cutoff), HAS_PHOTOS))
    .orderBy(reports.id)
    .limit(q.limit ?? 200);
  let erased = 0;
  for (const { id } of due) {
    const files = await db.transaction(async (txRaw) => {
      const tx = txRaw as unknown as Db;
      const [r] = await tx.select().from(reports).where(eq(reports.id, id)).for('update');
      if (!r || !CLOSED.includes(r.status) || r.updatedAt >= cutoff) return undefined;
      const left = r.photos.filter((p) => p.state !== 'erased');
      if (!left.length) return undefined;
      const photos: ReportPhoto[] = r.photos.map((p) =>
        p.state === 'erased' ? p : { channel: p.channel, state: 'erased', erasedAt: now.toISOString() },
      );
      await tx.update(reports).set({ photos }).where(eq(reports.id, id));
      await writeAudit(tx, {
        communeId: r.communeId,
        actor: 'system',
        action: 'report.photos-erased',
        subject: r.code,
        details: { photos: left.length, retentionDays: q.days },
      });
      return left.flatMap((p) => (p.file ? [p.file] : []));
    });
    if (!files) continue;
    erased++;
    for (const f of files) await store.remove(f);
  }
  return erased;
}

/**
 * Remove stored files no report refers to, older than `graceMs` (default a
 * day): a web chat upload whose report was cancelled or never finished (the
 * form expires after 30 idle minutes), or a file left by a crash between an
 * erasure's commit and its removal.
 */
export async function sweepUnreferencedPhotos(
  db: Db,
  store: PhotoStore,
  q: { now?: Date; graceMs?: number } = {},
): Promise<number> {
  const now = q.now ?? new Date();
  const old = (await store.list()).filter((f) => f.modifiedAt.getTime() < now.getTime() - (q.graceMs ?? 86_400_000));
  if (!old.length) return 0;
  const list = await db
    .selectDistinct({ file: sql<string>`p->>'file'` })
    .from(sql`${reports}, jsonb_array_elements(${reports.photos}) as p`)
    .where(sql`p->>'file' is not null`);
  const referenced = new Set(list.map((r) => r.file));
  // The web chat's photo upload also serves civil-record requests' evidence: those files are theirs to erase.
  const evidence = await db
    .select({ file: civilRecordRequestAttachments.fileId })
    .from(civilRecordRequestAttachments)
    .where(eq(civilRecordRequestAttachments.stored, true));
  for (const e of evidence) if (e.file) referenced.add(e.file);
  let removed = 0;
  for (const f of old) {
    if (referenced.has(f.file)) continue;
    await store.remove(f.file);
    removed++;
  }
  return removed;
}
