/**
 * The reviewer opens the evidence a resident attached (issue 16 item 4: "the
 * reviewer sees the request, the matched record(s) and the evidence").
 *
 * Nothing is copied to this server when the resident sends a document: the
 * request keeps the platform's reference (request-evidence.ts), and the file
 * is fetched from the platform only when a reviewer of the same commune asks
 * for it, then handed over and forgotten (no cache, no copy on disk). The web
 * chat's upload is the exception: it is already stored, cleaned, by the web
 * chat's photo route, and read from there. Only two kinds of file are handed
 * over: a photo, re-encoded first (no EXIF, no GPS position, no trailing
 * bytes; a very large one scaled down to a readable page), shown inline; and
 * a PDF, as a download, never rendered in the console's origin. Anything else
 * (a HEIC, a damaged photo, a file that is neither) is refused with the reason,
 * so no resident's metadata leaves in raw bytes. At most {@link MAX_PARALLEL}
 * files are fetched and decoded at once per process. Callers audit every
 * disclosure.
 */
import { and, eq } from 'drizzle-orm';
import type { Response } from 'express';
import { CHANNEL_LABELS } from '../../core/console-kit.js';
import { errInfo } from '../../core/log-error.js';
import type { Logger } from '../../core/logger.js';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { civilRecordRequestAttachments } from '../../db/schema/index.js';
import sharp from 'sharp';
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

/** Why a piece of evidence is not handed over; each has its own Vietnamese text and status. */
export type EvidenceRefusal =
  /** The platform no longer has the file (an expired Zalo link, a Telegram file gone), or the stored file was erased. */
  | 'gone'
  /** Larger than the 20 MB a platform lets a bot fetch. */
  | 'too_large'
  /** The channel it was sent on is no longer set up for this commune. */
  | 'channel_off'
  /** The platform did not answer in time, or failed (5xx, 429, the network): worth another try later. */
  | 'network'
  /** Not a photo this server can re-encode (a HEIC, a damaged image) nor a PDF. */
  | 'format'
  /** Too many files being fetched at this moment. */
  | 'busy';

export type EvidenceContent =
  | {
      ok: true;
      request: RequestRow;
      attachmentId: number;
      bytes: Buffer;
      /** The media type the content was found to be (not the one the resident's app declared). */
      type: string;
      /** Shown in the browser (a re-encoded photo) or downloaded (a PDF). */
      disposition: 'inline' | 'attachment';
      fileName: string;
    }
  /** No such request in this commune, or no such attachment on it. */
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: EvidenceRefusal; request: RequestRow; channel: string };

/** Files fetched and decoded at once in one process: each may hold 20 MB and a decoded photo several times that. */
export const MAX_PARALLEL = 2;
let inFlight = 0;

/** A photo larger than cleaning takes (a 108- or 200-megapixel phone's file) is scaled to this box first. */
const LARGE_PHOTO_BOX = 4000;
const MAX_DECODE_PIXELS = 268_402_689;

const isPdf = (b: Buffer) => b.subarray(0, 5).toString('latin1') === '%PDF-';

/** The refusal a platform download's error means (ChannelError codes; the runtime's `channel_off`). */
function refusalOf(error: unknown): EvidenceRefusal {
  const code = (error as { code?: unknown }).code;
  if (code === 'not_found' || code === 'bad_request') return 'gone';
  if (code === 'too_large') return 'too_large';
  if (code === 'channel_off') return 'channel_off';
  return 'network';
}

/** A photo re-encoded without metadata, or undefined when it cannot be (see the module comment). */
async function photoOf(bytes: Buffer): Promise<{ data: Buffer; type: string } | undefined> {
  try {
    return await cleanPhoto(bytes, MAX_EVIDENCE_BYTES);
  } catch (error) {
    if (!(error instanceof PhotoRejected)) throw error;
    if (error.reason !== 'too_many_pixels') return undefined;
  }
  try {
    // No withMetadata(): nothing of the original's metadata is written; rotate() applies its orientation first.
    const data = await sharp(bytes, { limitInputPixels: MAX_DECODE_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: LARGE_PHOTO_BOX, height: LARGE_PHOTO_BOX, fit: 'inside', withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
    return { data, type: 'image/jpeg' };
  } catch {
    return undefined;
  }
}

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
  const refuse = (reason: EvidenceRefusal) => ({ ok: false, reason, request, channel: a.channel }) as const;
  if (inFlight >= MAX_PARALLEL) return refuse('busy');
  inFlight++;
  try {
    let bytes: Buffer | undefined;
    try {
      if (a.stored) bytes = a.fileId ? await deps.evidenceStore?.read(a.fileId) : undefined;
      else if (!deps.downloadMedia) return refuse('channel_off');
      else if (a.fileId || a.url)
        bytes = await deps.downloadMedia(
          { communeId: q.communeId, channel: a.channel, fileId: a.fileId ?? undefined, url: a.url ?? undefined },
          MAX_EVIDENCE_BYTES,
        );
    } catch (error) {
      // The request's id and the channel only: the file's reference and the resident stay out of the log.
      deps.log.warn({ request: request.id, channel: a.channel, err: errInfo(error) }, 'evidence file not fetched');
      return refuse(refusalOf(error));
    }
    if (!bytes || bytes.length === 0) return refuse('gone');

    const name = (ext: string) => `giay-to-${request.code}-${a.id}.${ext}`;
    const base = { ok: true, request, attachmentId: a.id } as const;
    if (isPdf(bytes)) return { ...base, bytes, type: 'application/pdf', disposition: 'attachment', fileName: name('pdf') };
    const photo = sniffImage(bytes) ? await photoOf(bytes) : undefined;
    if (!photo) return refuse('format');
    const ext = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[photo.type] ?? 'jpg';
    return { ...base, bytes: photo.data, type: photo.type, disposition: 'inline', fileName: name(ext) };
  } finally {
    inFlight--;
  }
}

/** What the reviewer is told when a piece of evidence is not handed over, and the HTTP status it goes with. */
export function answerRefusal(
  res: Response,
  e: Extract<EvidenceContent, { ok: false; channel: string }>,
): { status: number; text: string } {
  // Too many files at once: worth asking again in a few seconds.
  if (e.reason === 'busy') res.set('retry-after', '5');
  return refusalText(e.reason, CHANNEL_LABELS[e.channel] ?? e.channel);
}

/** Audit the disclosure, then hand the file over (the one way both evidence routes answer with a file). */
export async function sendEvidence(
  db: Db,
  res: Response,
  e: Extract<EvidenceContent, { ok: true }>,
  who: { communeId: number; actor: string },
): Promise<void> {
  await writeAudit(db, {
    communeId: who.communeId,
    actor: who.actor,
    action: 'civil-request.evidence-viewed',
    subject: e.request.code,
    details: { attachmentId: e.attachmentId, type: e.type },
  });
  res.status(200).set(evidenceHeaders(e)).send(e.bytes);
}

function refusalText(reason: EvidenceRefusal, channelLabel: string): { status: number; text: string } {
  const paper = 'Đề nghị người yêu cầu mang bản giấy khi đến nhận để cán bộ đối chiếu.';
  switch (reason) {
    case 'gone':
      return {
        status: 410,
        text: `${channelLabel} không còn giữ tệp này (liên kết đã hết hạn hoặc tệp đã bị xóa). Đề nghị người yêu cầu gửi lại, hoặc mang bản giấy khi đến nhận.`,
      };
    case 'too_large':
      return { status: 422, text: `Tệp lớn hơn 20 MB, không tải được qua ${channelLabel}. ${paper}` };
    case 'format':
      return {
        status: 422,
        text: `Tệp không phải ảnh JPEG, PNG, WebP hay tệp PDF, hoặc ảnh bị hỏng, nên không hiển thị được. ${paper}`,
      };
    case 'channel_off':
      return { status: 503, text: `Kênh ${channelLabel} hiện không được kết nối cho xã, nên chưa tải được tệp. ${paper}` };
    case 'busy':
      return { status: 503, text: 'Đang tải các tệp khác. Vui lòng thử lại sau ít giây.' };
    case 'network':
      return {
        status: 502,
        text: `${channelLabel} chưa trả tệp (lỗi mạng hoặc máy chủ của nền tảng). Vui lòng thử lại sau ít phút.`,
      };
  }
}

/** The response headers of an evidence file: never cached, never sniffed, never framed, never scripted. */
function evidenceHeaders(e: Extract<EvidenceContent, { ok: true }>): Record<string, string> {
  return {
    'content-type': e.type,
    'content-disposition': `${e.disposition}; filename="${e.fileName}"`,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
  };
}
