/**
 * The reviewer opens the evidence a resident attached (issue 16 item 4: "the
 * reviewer sees the request, the matched record(s) and the evidence").
 *
 * Nothing is copied to this server when the resident sends a document: the
 * request keeps the platform's reference (request-evidence.ts), and the file
 * is fetched from the platform only when a reviewer of the same commune asks
 * for it, then handed over and forgotten (no cache, no copy on disk). The web
 * chat's upload is the exception: it is already stored, cleaned, by the web
 * chat's photo route, and read from there. A photo from a platform is
 * re-encoded before it is shown (no EXIF, no GPS position, no trailing bytes);
 * a PDF is given as a download, never rendered in the console's origin; any
 * other format is a download of opaque bytes. Callers audit every disclosure.
 */
import { and, eq } from 'drizzle-orm';
import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/client.js';
import { civilRecordRequestAttachments } from '../../db/schema/index.js';
import { cleanPhoto, PhotoRejected, sniffImage, type PhotoDownloader } from '../reports/index.js';
import { MAX_EVIDENCE_BYTES } from './request-evidence.js';
import { findRequest, type RequestRow } from './service.js';

/** Where the evidence is fetched from: the platforms' file downloads and the web chat's stored uploads. */
export interface EvidenceSources {
  /** Fetches a file a resident sent on a platform (Telegram getFile, a Zalo link), through the commune's account. */
  downloadMedia?: PhotoDownloader;
  /** The web chat's stored uploads (the report photo store). */
  evidenceStore?: { read(file: string): Promise<Buffer | undefined> };
}

export type EvidenceContent =
  | {
      ok: true;
      request: RequestRow;
      attachmentId: number;
      bytes: Buffer;
      /** The media type the content was found to be (not the one the resident's app declared). */
      type: string;
      /** Shown in the browser (a re-encoded photo) or downloaded (a PDF, anything else). */
      disposition: 'inline' | 'attachment';
      fileName: string;
    }
  /** No such request in this commune, or no such attachment on it. */
  | { ok: false; reason: 'not_found' }
  /** The platform did not give the file (a link expired, a file gone, the network), or the stored file is gone. */
  | { ok: false; reason: 'unavailable'; request: RequestRow; channel: string };

const EXTENSION_OF: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
};

const isPdf = (b: Buffer) => b.subarray(0, 5).toString('latin1') === '%PDF-';

/** One attachment of one request of this commune, fetched and checked; see the module comment. */
export async function readEvidence(
  deps: EvidenceSources & { db: Db; log: Logger },
  q: { communeId: number; requestId: number; attachmentId: number },
): Promise<EvidenceContent> {
  const request = await findRequest(deps.db, q.communeId, q.requestId);
  if (!request || !Number.isSafeInteger(q.attachmentId) || q.attachmentId <= 0) return { ok: false, reason: 'not_found' };
  const [a] = await deps.db
    .select()
    .from(civilRecordRequestAttachments)
    .where(and(eq(civilRecordRequestAttachments.id, q.attachmentId), eq(civilRecordRequestAttachments.requestId, request.id)));
  if (!a) return { ok: false, reason: 'not_found' };
  const unavailable = { ok: false, reason: 'unavailable', request, channel: a.channel } as const;

  let bytes: Buffer | undefined;
  try {
    if (a.stored) bytes = a.fileId ? await deps.evidenceStore?.read(a.fileId) : undefined;
    else if (deps.downloadMedia && (a.fileId || a.url))
      bytes = await deps.downloadMedia(
        { communeId: q.communeId, channel: a.channel, fileId: a.fileId ?? undefined, url: a.url ?? undefined },
        MAX_EVIDENCE_BYTES,
      );
  } catch (error) {
    // The request's id and the channel only: the file's reference and the resident stay out of the log.
    deps.log.warn({ request: request.id, channel: a.channel, err: errInfo(error) }, 'evidence file not fetched');
    return unavailable;
  }
  if (!bytes || bytes.length === 0) return unavailable;

  const name = (ext: string) => `giay-to-${request.code}-${a.id}.${ext}`;
  const base = { ok: true, request, attachmentId: a.id } as const;
  if (isPdf(bytes)) return { ...base, bytes, type: 'application/pdf', disposition: 'attachment', fileName: name('pdf') };
  if (sniffImage(bytes)) {
    try {
      const clean = await cleanPhoto(bytes, MAX_EVIDENCE_BYTES);
      return { ...base, bytes: clean.data, type: clean.type, disposition: 'inline', fileName: name(EXTENSION_OF[clean.type]) };
    } catch (error) {
      if (!(error instanceof PhotoRejected)) throw error;
      // A damaged or oversized photo: handed over as it came, for the reviewer's own viewer to try.
    }
  }
  return {
    ...base,
    bytes,
    type: 'application/octet-stream',
    disposition: 'attachment',
    fileName: name(EXTENSION_OF[a.mimeType] ?? 'bin'),
  };
}

/** The response headers of an evidence file: never cached, never sniffed, never framed, never scripted. */
export function evidenceHeaders(e: Extract<EvidenceContent, { ok: true }>): Record<string, string> {
  return {
    'content-type': e.type,
    'content-disposition': `${e.disposition}; filename="${e.fileName}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  };
}
