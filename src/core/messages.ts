import { DomainError, ValidationError } from './errors.js';

/** Resident-facing strings shared by the pipeline. Features keep their own next to their presenters. */
export const vi = {
  fallbackError:
    'Xin lỗi anh/chị, hệ thống đang gặp sự cố nhỏ nên chưa trả lời được. Anh/chị vui lòng thử lại sau ít phút, hoặc nhắn "gặp cán bộ" để được hỗ trợ.',
  emptyMessage: 'Anh/chị vui lòng nhập nội dung cần hỏi, hoặc chọn một mục bên dưới.',
  unsupportedMedia:
    'Hiện tôi chỉ đọc được tin nhắn chữ. Anh/chị vui lòng gõ câu hỏi, hoặc nhắn "gặp cán bộ" để gửi cho cán bộ xã.',
  unknownAction: 'Nút này đã hết hiệu lực. Anh/chị vui lòng chọn lại từ danh mục chính.',
} as const;

/**
 * The one map that decides what a resident sees for an error. DomainErrors
 * with a userMessage show it; everything else shows the polite fallback.
 */
export function userMessageFor(err: unknown): string {
  if (err instanceof ValidationError) return err.userMessage ?? vi.fallbackError;
  if (err instanceof DomainError && err.userMessage) return err.userMessage;
  return vi.fallbackError;
}
