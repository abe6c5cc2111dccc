/**
 * The evidence step of the copy-request form (issue 16 item 2): a resident who
 * asks as an authorised person, a relative or an agency is asked for the
 * document that gives them the right (an authorisation letter, proof of
 * kinship, an official letter) as a photo or a PDF, on channels that carry
 * files; or says they will bring the paper when collecting. Only the
 * platform's reference is kept here (request-filing.ts files it with the
 * request); the file is fetched only when a reviewer opens it
 * (evidence-files.ts).
 */
import type { InboundAttachment } from '../../core/types.js';
import type { AppContext } from '../../pipeline/context.js';
import type { Relationship } from './request-filing.js';

/** The relationships the civil-status law gives a copy to only on a document. */
export const NEEDS_EVIDENCE: ReadonlySet<string> = new Set<Relationship>(['authorised', 'relative', 'agency']);

/** One attached document as the request keeps it. */
export interface EvidenceFile {
  kind: 'image' | 'pdf';
  mimeType: string;
  fileId?: string;
  url?: string;
  stored?: boolean;
  name?: string;
  size?: number;
}

/** What the evidence step settled: documents, "I'll bring the paper", or a channel that carries no files. */
export type Evidence = { files: EvidenceFile[] } | { skipped: true } | { unavailable: true };

/** The most documents one request keeps (a letter of several pages, photographed page by page). */
export const MAX_EVIDENCE_FILES = 5;
/** Telegram lets a bot download files up to 20 MB; a larger one could never be fetched. */
export const MAX_EVIDENCE_BYTES = 20 * 1024 * 1024;

const DOCUMENT: Record<string, string> = {
  authorised: 'văn bản ủy quyền',
  relative: 'giấy tờ chứng minh quan hệ với người có tên trên giấy (ví dụ: giấy khai sinh, giấy chứng nhận kết hôn)',
  agency: 'công văn của cơ quan, tổ chức đề nghị cấp bản sao',
};

export const SKIP_EVIDENCE_LABEL = 'Bỏ qua, tôi mang bản giấy khi nhận';

/** Typed instead of tapping the skip button (folded); the step is `skippable`, so a bare "bỏ qua" reaches it too. */
export const SKIP_EVIDENCE_TEXT = /\b(bo qua|mang ban giay|ban giay|khong co|chua co|de sau|mang theo|khi nhan)\b/;

export function evidenceQuestion(relationship: string | undefined): string {
  return (
    `Anh/chị gửi ảnh chụp hoặc tệp PDF ${DOCUMENT[relationship ?? ''] ?? 'giấy tờ chứng minh'} vào cuộc trò chuyện này. ` +
    'Vui lòng chụp rõ toàn bộ trang, thấy được chữ ký và con dấu (nếu có), và mang theo bản giấy khi đến nhận để cán bộ đối chiếu.\n' +
    `Nếu chưa có sẵn, anh/chị bấm "${SKIP_EVIDENCE_LABEL}".`
  );
}

/** Said instead of the question on a channel that carries no files. */
export function noFilesSentence(relationship: string | undefined): string {
  return (
    'Kênh nhắn tin này chưa hỗ trợ gửi tệp đính kèm. Khi đến nhận bản sao (hoặc khi cán bộ đề nghị), anh/chị vui lòng ' +
    `mang theo bản giấy: ${DOCUMENT[relationship ?? ''] ?? 'giấy tờ chứng minh'}.`
  );
}

const EXTENSION_TYPES: Record<string, EvidenceFile> = {
  pdf: { kind: 'pdf', mimeType: 'application/pdf' },
  jpg: { kind: 'image', mimeType: 'image/jpeg' },
  jpeg: { kind: 'image', mimeType: 'image/jpeg' },
  png: { kind: 'image', mimeType: 'image/png' },
  webp: { kind: 'image', mimeType: 'image/webp' },
  heic: { kind: 'image', mimeType: 'image/heic' },
};

function typeOf(a: InboundAttachment): EvidenceFile | undefined {
  const ext = /\.([a-z0-9]{2,5})$/i.exec(a.name ?? (a.stored ? (a.fileId ?? '') : ''))?.[1]?.toLowerCase();
  const byName = ext ? EXTENSION_TYPES[ext] : undefined;
  if (a.kind === 'image') return byName?.kind === 'image' ? byName : EXTENSION_TYPES.jpg;
  if (a.kind === 'file') return byName;
  return undefined;
}

/**
 * The documents this message carries: images and PDFs with a reference to
 * fetch them by; `unsupported` when it carries only other files (a Word
 * document, a video, a voice message) or one too large; empty when none.
 */
export function evidenceOf(ctx: AppContext): EvidenceFile[] | 'unsupported' | 'too-large' {
  const carried = (ctx.msg.attachments ?? []).filter((a) => a.kind !== 'location' && (a.fileId || a.url));
  const files: EvidenceFile[] = [];
  let tooLarge = false;
  for (const a of carried) {
    const type = typeOf(a);
    if (!type) continue;
    if (a.size !== undefined && a.size > MAX_EVIDENCE_BYTES) {
      tooLarge = true;
      continue;
    }
    files.push({
      ...type,
      ...(a.fileId ? { fileId: a.fileId } : {}),
      ...(a.url ? { url: a.url } : {}),
      // Only the web chat's own upload route stores a file and names it; no other channel may claim one.
      ...(a.stored && ctx.msg.channel === 'web' ? { stored: true } : {}),
      ...(a.name ? { name: a.name.slice(0, 200) } : {}),
      ...(a.size !== undefined ? { size: a.size } : {}),
    });
  }
  if (files.length) return files;
  if (tooLarge) return 'too-large';
  return carried.length ? 'unsupported' : [];
}

/** The summary line of the evidence, for the resident's confirmation. */
export function evidenceSummary(e: Evidence | undefined): string | undefined {
  if (!e) return undefined;
  if ('files' in e) {
    const images = e.files.filter((f) => f.kind === 'image').length;
    const pdfs = e.files.length - images;
    const parts = [images ? `${images} ảnh` : '', pdfs ? `${pdfs} tệp PDF` : ''].filter(Boolean);
    return `• Giấy tờ kèm theo: ${parts.join(', ')}`;
  }
  return '• Giấy tờ kèm theo: chưa gửi — anh/chị mang bản giấy khi nhận';
}
