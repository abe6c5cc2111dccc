import { MENU_BUTTON } from '../../core/buttons.js';
import { createFlow, step, type ConversationFlow, type StepOutcome } from '../../core/conversation-flow.js';
import { formatDateVi, formatMoneyVi } from '../../core/format-vi.js';
import { normalizeDomesticPhone } from '../../core/phone.js';
import { foldPhrase } from '../../core/text-input.js';
import type { Reply, ReplyButton } from '../../core/types.js';
import type { AppContext } from '../../pipeline/context.js';
import { checkIdNumber } from './codes.js';
import { KIND_LABELS, parseDateInput, type RecordKind } from './records.js';
import {
  consentText,
  createRequest,
  dateLabel,
  DELIVERY,
  RELATIONSHIPS,
  summary,
  type DeliveryMode,
  type Relationship,
  type Values,
} from './request-filing.js';
import {
  evidenceOf,
  evidenceQuestion,
  MAX_EVIDENCE_FILES,
  NEEDS_EVIDENCE,
  noFilesSentence,
  SKIP_EVIDENCE_LABEL,
  SKIP_EVIDENCE_TEXT,
} from './request-evidence.js';
import { FEE_PER_COPY } from './service.js';

/**
 * The chat form of a copy request: kind, name, date, register number,
 * relationship, evidence (only for those who need a document, on channels
 * that carry files: request-evidence.ts), ID number, phone, copies, delivery,
 * consent, confirmation.
 * Completing it creates the request (audited, request-filing.ts); cancelling
 * keeps nothing.
 */

export const FLOW_REQUEST = 'civil:request';
/** The action of the procedure 2.000635 answer's button "Yêu cầu bản sao qua tin nhắn". */
export const START_ACTION = 'civil:start';
export const CANCEL_ACTION = 'civil:cancel';
/** How the copy request begins, whichever way it started (`bench:chat` reads it too). */
export const COPY_REQUEST_OPENING = 'Tôi sẽ giúp anh/chị gửi yêu cầu cấp bản sao';
const PICK = 'civil:pick:';
const cancelButton: ReplyButton = { label: 'Hủy yêu cầu', action: CANCEL_ACTION };

/** The value of a tapped choice button of this flow (or its number typed on Zalo), if any. */
function picked(ctx: AppContext): string | undefined {
  const a = ctx.msg.action;
  return a?.startsWith(PICK) ? a.slice(PICK.length) : undefined;
}

const pick = (label: string, value: string): ReplyButton => ({ label, action: `${PICK}${value}` });

/** The record kind named in folded text; `loose` (an answer to "which kind?") also takes single words. */
export function kindFromText(folded: string, loose = false): RecordKind | undefined {
  if (/\b(khai sinh|giay sinh)\b/.test(folded) || (loose && /\bsinh\b/.test(folded))) return 'birth';
  if (/\b(ket hon|hon nhan)\b/.test(folded) || (loose && /\bcuoi\b/.test(folded))) return 'marriage';
  if (/\b(khai tu|chung tu)\b/.test(folded) || (loose && /\b(tu|mat)\b/.test(folded))) return 'death';
  return undefined;
}

const NAME_RE = /^[\p{L}' .-]+$/u;

function askName(kind: RecordKind | undefined): string {
  if (kind === 'marriage')
    return 'Anh/chị cho biết họ và tên (đầy đủ, có dấu) của một trong hai người đã đăng ký kết hôn, ví dụ: Nguyễn Văn An.';
  if (kind === 'death') return 'Anh/chị cho biết họ và tên (đầy đủ, có dấu) của người đã mất.';
  return 'Anh/chị cho biết họ và tên (đầy đủ, có dấu) của người được khai sinh, ví dụ: Nguyễn Văn An.';
}

const YES = /^(toi )?(dong y|co|ok|oke|vang|da|u|dung|dung roi|chac chan)( a)?$/;
const NO = /^(toi )?(khong|khong dong y|ko|k|tu choi)( a)?$/;

function steps(flow: () => ConversationFlow<AppContext>) {
  return [
    {
      id: 'kind',
      ask: (): Reply => ({
        text:
          `${COPY_REQUEST_OPENING} trích lục hộ tịch (thủ tục 2.000635, lệ phí ` +
          `${formatMoneyVi(FEE_PER_COPY)}/bản). Cán bộ tư pháp – hộ tịch sẽ kiểm tra và trả lời tại cuộc trò chuyện này.\n` +
          'Anh/chị cần bản sao loại nào?',
        buttons: [pick('Khai sinh', 'birth'), pick('Kết hôn', 'marriage'), pick('Khai tử', 'death'), cancelButton],
      }),
      answer: (ctx: AppContext): StepOutcome => {
        const p = picked(ctx);
        const kind = (p && p in KIND_LABELS ? p : kindFromText(foldPhrase(ctx.text), true)) as RecordKind | undefined;
        if (!kind) return step.retry('Anh/chị vui lòng chọn một loại: khai sinh, kết hôn hoặc khai tử.');
        return step.next(kind);
      },
    },
    {
      id: 'name',
      ask: (_ctx: AppContext, v: Values): Reply => ({ text: askName(v.kind) }),
      answer: (ctx: AppContext): StepOutcome => {
        const name = ctx.text.replace(/\s+/g, ' ').trim();
        const words = name.split(' ').length;
        if (!name || name.length > 80 || !NAME_RE.test(name) || words < 2 || words > 7)
          return step.retry('Anh/chị vui lòng ghi họ và tên đầy đủ bằng chữ (ít nhất họ và tên), ví dụ: Nguyễn Văn An.');
        return step.next(name);
      },
    },
    {
      id: 'date',
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text: `Anh/chị cho biết ${dateLabel(v.kind)} (ngày/tháng/năm), ví dụ: 02/03/2020.`,
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const date = parseDateInput(ctx.text);
        const today = formatDateVi(ctx.now).split('/').reverse().join('-');
        if (!date || date > today)
          return step.retry(
            `Tôi chưa đọc được ${dateLabel(v.kind)}. Anh/chị vui lòng ghi theo dạng ngày/tháng/năm, ví dụ: 02/03/2020.`,
          );
        return step.next(date);
      },
    },
    {
      id: 'number',
      ask: (): Reply => ({
        text: 'Nếu anh/chị nhớ số đăng ký ghi trên giấy (ví dụ: 101), vui lòng nhập; nếu không, bấm "Không nhớ".',
        buttons: [pick('Không nhớ', 'none'), cancelButton],
      }),
      answer: (ctx: AppContext): StepOutcome => {
        if (picked(ctx) === 'none' || /^(khong|ko|k)( nho| biet| co)?( a)?$/.test(foldPhrase(ctx.text))) return step.next(null);
        const n = ctx.text.replace(/^(so|số)\s*/i, '').trim();
        if (!/^[0-9A-Za-z/.-]{1,20}$/.test(n))
          return step.retry('Số đăng ký chỉ gồm chữ số (có thể kèm dấu / hoặc -). Nếu không nhớ, anh/chị bấm "Không nhớ".');
        return step.next(n);
      },
    },
    {
      id: 'relationship',
      ask: (): Reply => ({
        text:
          'Anh/chị là ai đối với người có tên trên giấy? Theo Luật Hộ tịch, bản sao chỉ cấp cho chính người đó, ' +
          'người đại diện theo pháp luật, người được ủy quyền, người thân có giấy tờ chứng minh hoặc cơ quan có công văn.',
        buttons: [...Object.entries(RELATIONSHIPS).map(([value, label]) => pick(label, value)), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        const rel = (
          p && p in RELATIONSHIPS
            ? p
            : /\b(chinh toi|ban than|cua toi|toi)\b/.test(f) && !/\b(con|cha|me|bo|uy quyen)\b/.test(f)
              ? 'self'
              : /\b(cha|me|bo|giam ho)\b/.test(f)
                ? 'guardian'
                : /\buy quyen\b/.test(f)
                  ? 'authorised'
                  : /\b(nguoi than|anh|chi|em|vo|chong|ong|ba|con)\b/.test(f)
                    ? 'relative'
                    : /\b(co quan|to chuc|cong van)\b/.test(f)
                      ? 'agency'
                      : undefined
        ) as Relationship | undefined;
        if (!rel) return step.retry('Anh/chị vui lòng chọn một trong các lựa chọn bên dưới.');
        if (rel === 'self' && v.kind === 'death')
          return step.retry('Trích lục khai tử không thể là của chính người yêu cầu. Anh/chị vui lòng chọn quan hệ khác.');
        if (NEEDS_EVIDENCE.has(rel) && ctx.capabilities.files) return step.next(rel);
        // No document to ask for here: straight to the ID number (the evidence step is skipped).
        const { evidence: _evidence, ...kept } = v;
        const values: Values = { ...kept, relationship: rel };
        if (NEEDS_EVIDENCE.has(rel)) values.evidence = { unavailable: true };
        const next = flow().start(ctx, { step: 'idNumber', values: values as Record<string, unknown> });
        return step.done(NEEDS_EVIDENCE.has(rel) ? { ...next, text: `${noFilesSentence(rel)}\n${next.text}` } : next);
      },
    },
    {
      id: 'evidence',
      skippable: true,
      ask: (_ctx: AppContext, v: Values): Reply => evidenceAsk(evidenceQuestion(v.relationship)),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const found = evidenceOf(ctx);
        if (Array.isArray(found) && found.length) return step.next({ files: found.slice(0, MAX_EVIDENCE_FILES) });
        if (picked(ctx) === 'skip' || (!found.length && SKIP_EVIDENCE_TEXT.test(foldPhrase(ctx.text))))
          return step.next({ skipped: true });
        // The re-prompt keeps the skip button (a plain retry would show only "Hủy yêu cầu").
        const again =
          found === 'too-large'
            ? 'Tệp này lớn quá (trên 20 MB). Anh/chị vui lòng chụp ảnh từng trang hoặc gửi tệp PDF nhỏ hơn.'
            : found === 'unsupported'
              ? 'Tôi chỉ nhận ảnh chụp hoặc tệp PDF. Anh/chị vui lòng gửi lại giấy tờ dưới dạng ảnh hoặc PDF.'
              : 'Tôi chưa nhận được ảnh hoặc tệp PDF nào. Anh/chị vui lòng gửi ảnh chụp hoặc tệp PDF giấy tờ vào cuộc trò chuyện này.';
        return step.done(
          flow().start(ctx, {
            step: 'evidence',
            values: v as Record<string, unknown>,
            reply: evidenceAsk(`${again}\nNếu chưa có sẵn, anh/chị bấm "${SKIP_EVIDENCE_LABEL}".`),
          }),
        );
      },
    },
    {
      id: 'idNumber',
      ask: (_ctx: AppContext, v: Values): Reply => ({
        text:
          'Anh/chị nhập số căn cước (CCCD) của chính anh/chị, gồm 12 chữ số. Số này chỉ dùng để cán bộ đối chiếu.' +
          (v.relationship && v.relationship !== 'self'
            ? '\nKhi nhận bản sao, cán bộ có thể đề nghị anh/chị xuất trình giấy tờ chứng minh quan hệ, văn bản ủy quyền hoặc công văn.'
            : ''),
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        // A document sent in several messages (a letter photographed page by page): the later pages join the first.
        const more = v.evidence && 'files' in v.evidence ? evidenceOf(ctx) : [];
        if (Array.isArray(more) && more.length && v.evidence && 'files' in v.evidence) {
          v.evidence.files = [...v.evidence.files, ...more].slice(0, MAX_EVIDENCE_FILES);
          return step.retry(
            `Đã nhận thêm giấy tờ (${v.evidence.files.length} tệp). Anh/chị nhập số căn cước (CCCD), gồm 12 chữ số.`,
          );
        }
        const r = checkIdNumber(ctx.text, ctx.now);
        if (!r.ok)
          return step.retry(
            r.reason === 'digits'
              ? 'Số căn cước gồm đúng 12 chữ số. Anh/chị vui lòng kiểm tra và nhập lại.'
              : 'Số căn cước này chưa đúng (mã tỉnh hoặc năm sinh trong số không hợp lệ). Anh/chị vui lòng kiểm tra và nhập lại.',
          );
        return step.next(r.value);
      },
    },
    {
      id: 'phone',
      ask: (ctx: AppContext): Reply =>
        ctx.capabilities.contactSharing
          ? {
              text:
                'Anh/chị cho biết số điện thoại liên hệ: bấm nút "Chia sẻ số điện thoại" để gửi số của chính tài khoản này ' +
                '(số được nền tảng xác minh), hoặc gõ số điện thoại.',
              requestContact: true,
              buttons: [cancelButton],
            }
          : { text: 'Anh/chị cho biết số điện thoại liên hệ, ví dụ: 0912345678.' },
      answer: (ctx: AppContext): StepOutcome => {
        const contact = ctx.msg.contact;
        if (contact) {
          if (!contact.verified)
            return step.retry('Anh/chị vui lòng chia sẻ số điện thoại của chính tài khoản đang nhắn tin, hoặc gõ số điện thoại.');
          const phone = normalizeDomesticPhone(contact.phone) ?? contact.phone;
          return step.next({ phone, verified: true });
        }
        const phone = normalizeDomesticPhone(ctx.text);
        if (!phone) return step.retry('Số điện thoại chưa đúng. Anh/chị vui lòng nhập lại, ví dụ: 0912345678.');
        return step.next({ phone, verified: false });
      },
    },
    {
      id: 'copies',
      ask: (): Reply => ({
        text: `Anh/chị cần mấy bản sao? (từ 1 đến 10 bản; lệ phí ${formatMoneyVi(FEE_PER_COPY)}/bản)`,
        buttons: [pick('1 bản', '1'), pick('2 bản', '2'), pick('3 bản', '3'), cancelButton],
      }),
      answer: (ctx: AppContext): StepOutcome => {
        const raw = picked(ctx) ?? /^\s*(\d{1,2})\s*(ban|bản)?\s*$/i.exec(ctx.text)?.[1];
        const n = Number(raw);
        if (!raw || !Number.isInteger(n) || n < 1 || n > 10)
          return step.retry('Anh/chị vui lòng nhập số bản cần cấp, từ 1 đến 10.');
        return step.next(n);
      },
    },
    {
      id: 'delivery',
      ask: (): Reply => ({
        text: 'Anh/chị muốn nhận bản sao bằng cách nào?',
        buttons: [...Object.entries(DELIVERY).map(([value, label]) => pick(label, value)), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        if (v.awaitAddress && !picked(ctx)) {
          const address = ctx.text.replace(/\s+/g, ' ').trim();
          if (address.length < 10 || address.length > 300)
            return step.retry(
              'Anh/chị vui lòng ghi đầy đủ địa chỉ nhận: số nhà, thôn/xóm hoặc đường, xã/phường, tỉnh/thành phố.',
            );
          delete v.awaitAddress;
          return step.next({ mode: 'post', address });
        }
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        const mode = (
          p && p in DELIVERY
            ? p
            : /\b(buu dien|buu chinh|gui ve nha|post)\b/.test(f)
              ? 'post'
              : /\b(quay|mot cua|truc tiep|den nhan|tai xa)\b/.test(f)
                ? 'counter'
                : /\b(tin nhan|qua mang|online|o day|chat)\b/.test(f)
                  ? 'chat'
                  : undefined
        ) as DeliveryMode | undefined;
        if (!mode) return step.retry('Anh/chị vui lòng chọn một cách nhận bản sao bên dưới.');
        if (mode === 'post') {
          v.awaitAddress = true;
          return step.retry('Anh/chị vui lòng cho biết địa chỉ nhận: số nhà, thôn/xóm hoặc đường, xã/phường, tỉnh/thành phố.');
        }
        delete v.awaitAddress;
        return step.next({ mode });
      },
    },
    {
      id: 'consent',
      ask: (ctx: AppContext, v: Values): Reply => ({
        text: consentText(ctx, v),
        buttons: [pick('Tôi đồng ý', 'yes'), pick('Không đồng ý', 'no')],
      }),
      answer: (ctx: AppContext): StepOutcome => {
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        if (p === 'yes' || YES.test(f)) return step.next(ctx.now.toISOString());
        if (p === 'no' || NO.test(f))
          return step.done({
            text:
              'Tôi đã dừng yêu cầu và không lưu thông tin anh/chị vừa nhập. Không có sự đồng ý của anh/chị, xã không thể ' +
              'giải quyết yêu cầu qua tin nhắn; anh/chị có thể đến bộ phận một cửa để làm trực tiếp.',
            buttons: [MENU_BUTTON],
          });
        return step.retry('Anh/chị vui lòng bấm "Tôi đồng ý" hoặc "Không đồng ý". Im lặng không được coi là đồng ý.');
      },
    },
    {
      id: 'confirm',
      ask: (ctx: AppContext, v: Values): Reply => ({
        text: summary(ctx, v),
        buttons: [pick('Gửi yêu cầu', 'yes'), pick('Sửa lại từ đầu', 'edit'), cancelButton],
      }),
      answer: (ctx: AppContext, v: Values): StepOutcome => {
        const p = picked(ctx);
        const f = foldPhrase(ctx.text);
        if (p === 'edit' || /\bsua\b/.test(f)) {
          const { consent: _consent, awaitAddress: _await, ...kept } = v;
          return step.done(flow().start(ctx, { values: kept as Record<string, unknown> }));
        }
        if (p === 'yes' || YES.test(f) || /\bgui\b/.test(f)) return step.next(true);
        return step.retry('Anh/chị bấm "Gửi yêu cầu" để gửi, "Sửa lại từ đầu" để sửa, hoặc "Hủy yêu cầu".');
      },
    },
  ];
}

/** The evidence question with its skip button; the web chat shows its photo button. */
function evidenceAsk(text: string): Reply {
  return { text, requestImage: true, buttons: [pick(SKIP_EVIDENCE_LABEL, 'skip'), cancelButton] };
}

/** What a resident hears when the request form is cancelled. */
export function cancelledReply(): Reply {
  return {
    text: 'Đã hủy yêu cầu cấp bản sao; thông tin anh/chị vừa nhập không được lưu. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.',
    buttons: [MENU_BUTTON],
  };
}

/** The request form as a conversation flow. */
export function createRequestFlow(): ConversationFlow<AppContext> {
  const flow: ConversationFlow<AppContext> = createFlow<AppContext>({
    name: FLOW_REQUEST,
    cancelButton,
    steps: steps(() => flow),
    cancelled: cancelledReply,
    complete: (ctx, values) => createRequest(ctx, values as Values),
  });
  return flow;
}
