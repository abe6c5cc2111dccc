/**
 * What the copy-request form collects and how it is filed: the values and
 * their labels, the fee, the consent text, the summary the resident confirms,
 * and the request row with its audit entry (request-flow.ts asks the steps).
 */
import { MENU_BUTTON } from '../../core/buttons.js';
import { formatLocalDateVi, formatMoneyVi } from '../../core/format-vi.js';
import type { Reply } from '../../core/types.js';
import { writeAudit } from '../../db/audit.js';
import { civilRecordRequestAttachments, civilRecordRequests } from '../../db/schema/index.js';
import type { AppContext } from '../../pipeline/context.js';
import { maskIdNumber, newRequestCode } from './codes.js';
import { KIND_LABELS, type RecordKind } from './records.js';
import { evidenceSummary, type Evidence } from './request-evidence.js';
import { FEE_PER_COPY } from './service.js';

/** Who the resident is to the person on the record: those the civil-status law gives a copy to. */
export const RELATIONSHIPS = {
  self: 'Chính tôi (người có tên trên giấy)',
  guardian: 'Cha, mẹ hoặc người giám hộ',
  authorised: 'Người được ủy quyền bằng văn bản',
  relative: 'Người thân, có giấy tờ chứng minh',
  agency: 'Cơ quan, tổ chức có công văn',
} as const;
export type Relationship = keyof typeof RELATIONSHIPS;

/** How the resident receives the copy. */
export const DELIVERY = {
  chat: 'Nhận qua tin nhắn này',
  counter: 'Nhận tại bộ phận một cửa',
  post: 'Gửi qua bưu điện',
} as const;
export type DeliveryMode = keyof typeof DELIVERY;

/** The answers so far, by step id. */
export interface Values {
  kind?: RecordKind;
  name?: string;
  date?: string;
  number?: string | null;
  relationship?: Relationship;
  /** Only for the relationships that need a document (request-evidence.ts). */
  evidence?: Evidence;
  idNumber?: string;
  phone?: { phone: string; verified: boolean };
  copies?: number;
  delivery?: { mode: DeliveryMode; address?: string };
  /** Set while the delivery step waits for a postal address. */
  awaitAddress?: boolean;
  consent?: string;
}

export function dateLabel(kind: RecordKind | undefined): string {
  if (kind === 'marriage') return 'ngày đăng ký kết hôn';
  if (kind === 'death') return 'ngày mất';
  return 'ngày sinh';
}

export function fee(copies: number): number {
  return copies * FEE_PER_COPY;
}

export function summary(ctx: AppContext, v: Values): string {
  const lines = [
    'Anh/chị vui lòng kiểm tra lại thông tin yêu cầu:',
    `• Loại: ${KIND_LABELS[v.kind!]} (bản sao)`,
    `• Người có tên trên giấy: ${v.name}, ${dateLabel(v.kind)} ${formatLocalDateVi(v.date!)}`,
    `• Số đăng ký: ${v.number ?? 'không nhớ'}`,
    `• Anh/chị là: ${RELATIONSHIPS[v.relationship!]}`,
    ...(evidenceSummary(v.evidence) !== undefined ? [evidenceSummary(v.evidence)!] : []),
    `• Số căn cước: ${maskIdNumber(v.idNumber)}`,
    `• Số điện thoại: ${v.phone!.phone}${v.phone!.verified ? ' (đã xác minh qua nền tảng nhắn tin)' : ''}`,
    `• Số bản: ${v.copies} — lệ phí ${formatMoneyVi(fee(v.copies!))}`,
    `• Nhận bản sao: ${DELIVERY[v.delivery!.mode]}${v.delivery!.address ? ` — ${v.delivery!.address}` : ''}`,
    '',
    `Bấm "Gửi yêu cầu" để gửi cho cán bộ tư pháp – hộ tịch ${ctx.commune.name}.`,
  ];
  return lines.join('\n');
}

export function consentText(ctx: AppContext, v: Values): string {
  return [
    `Lệ phí: ${formatMoneyVi(FEE_PER_COPY)} × ${v.copies} bản = ${formatMoneyVi(fee(v.copies!))}` +
      (v.delivery?.mode === 'post' ? ' (chưa gồm cước bưu chính).' : '.'),
    '',
    'Đồng ý cho xử lý dữ liệu cá nhân (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15):',
    `để giải quyết yêu cầu này, UBND ${ctx.commune.name} thu thập và xử lý họ tên, ngày tháng, số căn cước, ` +
      'số điện thoại, địa chỉ và giấy tờ kèm theo (nếu có) mà anh/chị vừa cung cấp, chỉ để đối chiếu sổ hộ tịch, cấp và gửi bản sao. ' +
      'Dữ liệu chỉ lưu trong thời gian cần thiết để giải quyết yêu cầu. Anh/chị có quyền xem, sửa, rút lại sự đồng ý ' +
      'hoặc đề nghị xóa dữ liệu bằng cách bấm "Gặp cán bộ".',
    '',
    'Anh/chị có đồng ý không?',
  ].join('\n');
}

/** File the completed form: the request row (a fresh BS- code) and its audit entry; the resident's reply. */
export async function createRequest(ctx: AppContext, v: Values): Promise<Reply> {
  let row: { id: number; code: string } | undefined;
  for (let attempt = 0; attempt < 5 && !row; attempt++) {
    [row] = await ctx.db
      .insert(civilRecordRequests)
      .values({
        communeId: ctx.msg.communeId,
        code: newRequestCode(),
        channel: ctx.msg.channel,
        chatId: ctx.msg.chatId,
        userId: ctx.msg.userId,
        kind: v.kind!,
        subjectName: v.name!,
        subjectDate: v.date!,
        registerNumber: v.number ?? null,
        relationship: v.relationship!,
        requesterIdNumber: v.idNumber!,
        phone: v.phone!.phone,
        phoneVerified: v.phone!.verified,
        copies: v.copies!,
        deliveryMode: v.delivery!.mode,
        postAddress: v.delivery!.address ?? null,
        feeAmount: fee(v.copies!),
        consentAt: new Date(v.consent!),
      })
      .onConflictDoNothing()
      .returning({ id: civilRecordRequests.id, code: civilRecordRequests.code });
  }
  if (!row) throw new Error('could not allocate a request code');
  const files = v.evidence && 'files' in v.evidence ? v.evidence.files : [];
  if (files.length)
    await ctx.db.insert(civilRecordRequestAttachments).values(
      files.map((f) => ({
        requestId: row.id,
        channel: ctx.msg.channel,
        kind: f.kind,
        mimeType: f.mimeType,
        fileId: f.fileId ?? null,
        url: f.url ?? null,
        stored: f.stored ?? false,
        name: f.name ?? null,
        size: f.size ?? null,
      })),
    );
  await writeAudit(ctx.db, {
    communeId: ctx.msg.communeId,
    actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
    action: 'civil-request.created',
    subject: row.code,
    details: { kind: v.kind, relationship: v.relationship, phoneVerified: v.phone!.verified, consentAt: v.consent },
  });
  if (v.evidence) {
    // The evidence step, audited apart so a reviewer sees how the right to a copy was (or was not yet) shown.
    await writeAudit(ctx.db, {
      communeId: ctx.msg.communeId,
      actor: `resident:${ctx.msg.channel}:${ctx.msg.userId}`,
      action: files.length ? 'civil-request.evidence-attached' : 'civil-request.evidence-missing',
      subject: row.code,
      details: files.length
        ? { files: files.map((f) => ({ kind: f.kind, mimeType: f.mimeType, size: f.size ?? null })) }
        : { reason: 'skipped' in v.evidence ? 'bring-paper' : 'channel-without-files' },
    });
  }
  return {
    text:
      `Đã gửi yêu cầu. Mã yêu cầu của anh/chị: ${row.code}.\n` +
      `Cán bộ tư pháp – hộ tịch sẽ kiểm tra trong giờ làm việc (${ctx.commune.hoursText}) và trả lời tại cuộc trò chuyện này. ` +
      `Để hỏi tiến độ, anh/chị nhắn: "yêu cầu ${row.code} đến đâu rồi".`,
    buttons: [MENU_BUTTON],
  };
}
