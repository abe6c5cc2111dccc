import { MENU_BUTTON, STAFF_BUTTON } from '../../core/buttons.js';
import type { CommuneInfo } from '../../core/commune.js';
import type { Reply, ReplyButton } from '../../core/types.js';
import {
  formatDateTimeVi,
  formatDateVi,
  formatIntVi,
  formatLocalDateVi,
  formatMoneyVi,
  formatPercentVi,
} from '../../core/format-vi.js';
import {
  computeTimeliness,
  localDate,
  nextWorkingDayOnOrAfter,
  nationalCalendar,
  NoWorkingDayError,
  type Timeliness,
  type WorkingCalendar,
} from './working-days.js';
import type { LocalDate } from '../../core/local-date.js';

export { formatDateTimeVi, formatDateVi, formatIntVi, formatLocalDateVi, formatMoneyVi, formatPercentVi };

/** What the presenter needs of a dossier (a subset of the row; no phone data). */
export interface DossierView {
  code: string;
  procedureCode: string;
  procedureName: string | null;
  channel: string;
  status: number;
  statusAt: Date;
  receivedAt: Date;
  dueAt: Date | null;
  finishedAt: Date | null;
  returnedAt: Date | null;
  applicantName: string;
  reason: string | null;
  feeAmount: number | null;
  resultDelivery: string;
}

/** The one-stop system's status names (domain notes §4). */
export const STATUS_NAMES: Record<number, string> = {
  1: 'Mới đăng ký',
  2: 'Được tiếp nhận',
  3: 'Không được tiếp nhận',
  4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân yêu cầu rút hồ sơ',
  8: 'Dừng xử lý',
  9: 'Đã xử lý xong',
  10: 'Đã trả kết quả',
};

/** The same statuses in plain words for residents (domain notes §9). */
export const STATUS_PLAIN: Record<number, string> = {
  1: 'Hồ sơ mới được đăng ký, đang chờ cán bộ kiểm tra và tiếp nhận.',
  2: 'Hồ sơ đã được tiếp nhận và sẽ được chuyển giải quyết.',
  3: 'Hồ sơ không được tiếp nhận.',
  4: 'Hồ sơ đang được cán bộ giải quyết.',
  5: 'Hồ sơ cần bổ sung giấy tờ.',
  6: 'Hồ sơ đang chờ anh/chị nộp phí, lệ phí.',
  7: 'Hồ sơ đã được rút theo đề nghị của anh/chị.',
  8: 'Hồ sơ đã tạm dừng giải quyết.',
  9: 'Hồ sơ đã giải quyết xong, kết quả đã sẵn sàng.',
  10: 'Kết quả hồ sơ đã được trả.',
};

export const CHANNEL_NAMES: Record<string, string> = {
  truc_tiep: 'trực tiếp',
  truc_tuyen: 'trực tuyến',
  buu_chinh: 'bưu chính',
};

export function statusName(status: number): string {
  return STATUS_NAMES[status] ?? `Trạng thái ${status}`;
}

/**
 * "Nguyễn Văn An" → "N. V. An": enough for residents to recognise their own
 * dossier, not enough to learn a stranger's full name from a guessed code.
 */
export function maskName(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return '';
  if (parts.length === 1) return parts[0].length <= 2 ? parts[0] : `${[...parts[0]][0]}.`;
  const given = parts[parts.length - 1];
  return [...parts.slice(0, -1).map((p) => `${[...p][0]}.`), given].join(' ');
}

export function timelinessText(t: Timeliness): string | undefined {
  switch (t.kind) {
    case 'due':
      return t.daysLeft === 0 ? 'hôm nay là ngày hẹn trả' : `còn ${t.daysLeft} ngày làm việc`;
    case 'overdue':
      return `đã quá hẹn ${t.days} ngày làm việc`;
    case 'early':
      return `giải quyết sớm ${t.days} ngày làm việc so với ngày hẹn`;
    case 'on_time':
      return 'giải quyết đúng hẹn';
    case 'late':
      return `giải quyết trễ ${t.days} ngày làm việc so với ngày hẹn`;
    case 'paused':
      return 'thời hạn tạm dừng trong lúc chờ bổ sung/hoàn tất';
    case 'none':
      return undefined;
  }
}

export interface PresentOptions {
  commune: CommuneInfo;
  /** Name from the catalog when the one-stop system did not send one. */
  procedureName?: string;
  now: Date;
  following?: boolean;
  calendar?: WorkingCalendar;
}

function procedureLabel(d: DossierView, opts: PresentOptions): string {
  const name = d.procedureName ?? opts.procedureName;
  return name ? `${name} (mã ${d.procedureCode})` : `thủ tục mã ${d.procedureCode}`;
}

function officeText(commune: CommuneInfo): string {
  const where = commune.address ? `tại ${commune.address}` : `tại bộ phận một cửa ${commune.name}`;
  return commune.hoursText ? `${where}, trong giờ làm việc (${commune.hoursText})` : where;
}

/** What the resident should do now, in one or two sentences. */
export function nextStepText(d: DossierView, opts: PresentOptions): string {
  const { commune } = opts;
  const calendar = opts.calendar ?? nationalCalendar;
  const contact = commune.phone ? ` hoặc gọi ${commune.phone}` : '';
  switch (d.status) {
    case 1:
    case 2:
    case 4:
      return d.dueAt
        ? `Anh/chị chưa cần làm gì thêm. Ngày hẹn trả kết quả: ${formatDateVi(d.dueAt)}.`
        : 'Anh/chị chưa cần làm gì thêm; cán bộ sẽ báo khi có kết quả.';
    case 3:
      return (
        (d.reason ? `Lý do: ${d.reason}. ` : '') + `Anh/chị có thể nhắn "gặp cán bộ"${contact} để được hướng dẫn làm lại hồ sơ.`
      );
    case 5: {
      const what = d.reason ? `Giấy tờ cần bổ sung: ${d.reason}. ` : 'Cán bộ đề nghị bổ sung giấy tờ. ';
      const how =
        d.channel === 'truc_tuyen'
          ? 'Anh/chị bổ sung trực tuyến trên Cổng Dịch vụ công (mục hồ sơ của tôi)'
          : `Anh/chị mang giấy tờ bổ sung và phiếu tiếp nhận đến ${officeText(commune)}`;
      return `${what}${how}. Thời hạn giải quyết được tính lại sau khi hồ sơ đủ.`;
    }
    case 6: {
      const fee = d.feeAmount != null ? `Số tiền cần nộp: ${formatMoneyVi(d.feeAmount)}. ` : '';
      const note = d.reason ? `Nội dung: ${d.reason}. ` : '';
      const how =
        d.channel === 'truc_tuyen'
          ? 'Anh/chị thanh toán trực tuyến trên Cổng Dịch vụ công hoặc nộp trực tiếp'
          : 'Anh/chị nộp trực tiếp';
      return `${fee}${note}${how} ${officeText(commune)}; nhớ giữ biên lai.`;
    }
    case 7:
      return 'Hồ sơ đã kết thúc theo đề nghị rút hồ sơ. Nếu cần nộp lại, anh/chị có thể hỏi tôi về thủ tục.';
    case 8:
      return (d.reason ? `Lý do: ${d.reason}. ` : '') + `Anh/chị vui lòng nhắn "gặp cán bộ"${contact} để biết cần làm gì tiếp.`;
    case 9: {
      const note = d.reason ? ` Ghi chú của cán bộ: ${d.reason}.` : '';
      if (d.resultDelivery === 'buu_chinh') {
        return `Kết quả sẽ được gửi qua bưu chính đến địa chỉ anh/chị đã đăng ký; anh/chị để ý điện thoại để nhận bưu phẩm.${note}`;
      }
      if (d.resultDelivery === 'truc_tuyen') {
        return `Kết quả điện tử được trả trên Cổng Dịch vụ công / ứng dụng VNeID, anh/chị đăng nhập để tải về.${note}`;
      }
      const from = collectFrom(localDate(d.finishedAt ?? d.statusAt), calendar);
      return (
        `Mời anh/chị đến nhận kết quả ${officeText(commune)}${from ? `, từ ngày ${from}` : ''}. ` +
        `Nhớ mang theo phiếu hẹn trả kết quả và giấy tờ tùy thân (CCCD hoặc VNeID).${note}`
      );
    }
    case 10:
      return `Kết quả đã được trả${d.returnedAt ? ` ngày ${formatDateVi(d.returnedAt)}` : ''}. Cảm ơn anh/chị đã sử dụng dịch vụ.`;
    default:
      return `Anh/chị nhắn "gặp cán bộ"${contact} để được hỗ trợ.`;
  }
}

function dueLine(d: DossierView, opts: PresentOptions): string | undefined {
  const t = computeTimeliness(
    { status: d.status, dueAt: d.dueAt, finishedAt: d.finishedAt, now: opts.now },
    opts.calendar ?? nationalCalendar,
  );
  if (!d.dueAt) return undefined;
  const note = timelinessText(t);
  return `• Ngày hẹn trả: ${formatDateTimeVi(d.dueAt)}${note ? ` (${note})` : ''}`;
}

export function dossierButtons(code: string, following: boolean, withDetails = false): ReplyButton[] {
  const buttons: ReplyButton[] = [];
  if (withDetails) buttons.push({ label: 'Xem chi tiết', action: `dossier:view:${code}` });
  buttons.push(
    following
      ? { label: 'Bỏ theo dõi', action: `dossier:unfollow:${code}` }
      : { label: 'Theo dõi hồ sơ', action: `dossier:follow:${code}` },
  );
  buttons.push({ label: 'Tra cứu hồ sơ khác', action: 'menu:dossier' });
  buttons.push(STAFF_BUTTON);
  return buttons;
}

/** The details shown to a verified resident. */
export function presentDossierDetails(d: DossierView, opts: PresentOptions): Reply {
  const lines = [
    `Hồ sơ ${d.code}`,
    `• Thủ tục: ${procedureLabel(d, opts)}`,
    `• Người nộp: ${maskName(d.applicantName)}`,
    `• Nộp ${CHANNEL_NAMES[d.channel] ?? d.channel} ngày ${formatDateVi(d.receivedAt)}`,
    `• Tình trạng: ${STATUS_PLAIN[d.status] ?? statusName(d.status)} (${statusName(d.status)}, cập nhật ${formatDateTimeVi(d.statusAt)})`,
  ];
  const due = dueLine(d, opts);
  if (due) lines.push(due);
  lines.push('', `Việc cần làm: ${nextStepText(d, opts)}`);
  if (!opts.following && !isFinal(d.status)) {
    lines.push('', 'Bấm "Theo dõi hồ sơ" để tôi nhắn anh/chị mỗi khi hồ sơ có thay đổi.');
  }
  return { text: lines.join('\n'), buttons: dossierButtons(d.code, Boolean(opts.following)) };
}

/** The message a follower receives when the status changes. */
export function presentStatusNotification(d: DossierView, opts: PresentOptions): Reply {
  const lines = [
    `Hồ sơ ${d.code} vừa được cập nhật.`,
    `• Thủ tục: ${procedureLabel(d, opts)}`,
    `• Tình trạng mới: ${STATUS_PLAIN[d.status] ?? statusName(d.status)} (${statusName(d.status)})`,
  ];
  const due = dueLine(d, opts);
  if (due) lines.push(due);
  lines.push('', `Việc cần làm: ${nextStepText(d, opts)}`);
  if (isFinal(d.status)) lines.push('', 'Hồ sơ đã kết thúc nên tôi dừng theo dõi hồ sơ này.');
  return {
    text: lines.join('\n'),
    buttons: isFinal(d.status) ? [STAFF_BUTTON, MENU_BUTTON] : dossierButtons(d.code, true),
  };
}

/** Statuses after which nothing more happens (no more notifications). */
export function isFinal(status: number): boolean {
  return status === 3 || status === 7 || status === 10;
}

/** Resident-facing texts of the lookup conversation. */
export const texts = {
  askCode:
    'Anh/chị vui lòng gửi mã hồ sơ in trên Phiếu tiếp nhận và hẹn trả kết quả, ví dụ: 000.33.12.H56-260715-0007. ' +
    'Anh/chị cũng có thể dán nội dung quét được từ mã QR trên phiếu.',
  codeNotRecognised:
    'Tôi chưa nhận ra mã hồ sơ trong tin nhắn. Mã có dạng 000.33.12.H56-260715-0007 (in trên Phiếu tiếp nhận và hẹn trả kết quả). ' +
    'Anh/chị vui lòng gửi lại, hoặc nhắn "gặp cán bộ" để được hỗ trợ.',
  needAgency: (tail: string) =>
    `Anh/chị vui lòng gửi đủ mã hồ sơ, gồm cả phần đầu trước "${tail}" (ví dụ 000.33.12.H56-${tail}).`,
  askDigits: (code: string) =>
    `Để bảo vệ thông tin cá nhân, anh/chị vui lòng nhập 4 số cuối của số điện thoại đã khai khi nộp hồ sơ ${code}.`,
  notFourDigits: 'Anh/chị vui lòng nhập đúng 4 chữ số cuối của số điện thoại đã khai khi nộp hồ sơ (ví dụ: 5678).',
  mismatch: (remaining: number) =>
    'Mã hồ sơ hoặc 4 số cuối điện thoại chưa khớp với thông tin trên hệ thống. ' +
    (remaining > 0
      ? `Anh/chị kiểm tra lại mã trên phiếu hẹn và nhập lại 4 số cuối (còn ${remaining} lần thử).`
      : 'Anh/chị đã hết lượt thử.'),
  cooldown: (until: Date, phone: string) =>
    'Để bảo vệ thông tin hồ sơ, việc tra cứu tạm khóa do nhập sai nhiều lần. ' +
    `Anh/chị vui lòng thử lại sau ${formatDateTimeVi(until)}` +
    (phone ? `, hoặc gọi ${phone} để được hỗ trợ.` : ', hoặc nhắn "gặp cán bộ" để được hỗ trợ.'),
  contactOnly: (code: string) =>
    `Để bảo vệ thông tin, hồ sơ ${code} tạm ngừng xác minh bằng 4 số cuối điện thoại do có nhiều lần nhập sai. ` +
    'Nếu anh/chị là người nộp hồ sơ, vui lòng bấm nút chia sẻ số điện thoại của tài khoản này để xác minh.',
  cancelled: 'Đã hủy tra cứu. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.',
  followed: (code: string) =>
    `Đã bật theo dõi hồ sơ ${code}. Mỗi khi hồ sơ đổi trạng thái, tôi sẽ nhắn anh/chị tại đây kèm việc cần làm. ` +
    'Anh/chị có thể bỏ theo dõi bất cứ lúc nào (nhắn "bỏ theo dõi").',
  alreadyFollowing: (code: string) => `Anh/chị đang theo dõi hồ sơ ${code} rồi ạ.`,
  followFinal: (code: string) => `Hồ sơ ${code} đã kết thúc nên không cần theo dõi thêm.`,
  tooManyFollows:
    'Anh/chị đang theo dõi quá nhiều hồ sơ trong cuộc trò chuyện này. Vui lòng bỏ theo dõi bớt trước khi thêm hồ sơ mới.',
  unfollowed: (code: string) => `Đã bỏ theo dõi hồ sơ ${code}. Tôi sẽ không nhắn về hồ sơ này nữa.`,
  notFollowing: 'Anh/chị hiện không theo dõi hồ sơ nào trong cuộc trò chuyện này.',
  chooseUnfollow: 'Anh/chị muốn bỏ theo dõi hồ sơ nào?',
  verifyFirst: (code: string) => `Để tiếp tục với hồ sơ ${code}, anh/chị cần xác minh lại. ${texts.askDigits(code)}`,
} as const;

export const cancelButton: ReplyButton = { label: 'Hủy', action: 'dossier:cancel' };

/** The first day the result can be collected, or undefined when the commune's calendar has no working day. */
function collectFrom(day: LocalDate, calendar: WorkingCalendar): string | undefined {
  try {
    return formatLocalDateVi(nextWorkingDayOnOrAfter(day, calendar));
  } catch (error) {
    if (error instanceof NoWorkingDayError) return undefined;
    throw error;
  }
}
