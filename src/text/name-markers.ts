/**
 * What procedure names say about themselves (data for search-index.ts): the
 * words that mark a variant of a procedure, the generic words of names, the
 * abbreviations used inside names and the words of names aimed at residents.
 * Extend by kind of variant, never for a single question.
 */

/**
 * Words in a name that mark a special variant of a procedure (accented,
 * lowercase). A variant whose marker the resident did not mention ranks below
 * the plain one: "đăng ký khai sinh" before "… lưu động", "… có yếu tố nước
 * ngoài", "đăng ký lại …"; "cấp thẻ căn cước" before "cấp đổi/cấp lại …".
 */
export const QUALIFIER_MARKERS: string[] = [
  'nước ngoài',
  'lưu động',
  'biên giới',
  'kết hợp',
  'liên thông',
  'ghi vào sổ',
  'toàn trình',
  'người dịch',
  'nhập khẩu',
  'dưới 14',
  'công an nhân dân',
  'quân đội',
  'người gốc việt nam',
  'không quốc tịch',
  'tàu bay',
  'tàu biển',
  'cơ quan đại diện',
  'tạm thời',
];
/** Actions other than the plain "register / issue": a name listing several is a list of alternatives. */
export const ACTION_MARKERS: string[] = [
  'lại',
  'đổi',
  'thu hồi',
  'xóa',
  'xoá',
  'chấm dứt',
  'tạm ngừng',
  'dừng',
  'gia hạn',
  'điều chỉnh',
  'hủy',
  'huỷ',
  'cập nhật',
  'bổ sung',
  'sửa đổi',
  'đính chính',
  'hiệu đính',
  'thay đổi',
  'mất',
];
/** Markers of procedures meant for organisations, looked for in the whole name. */
export const AUDIENCE_MARKERS: string[] = ['tổ chức đang sử dụng đất'];
/** Words of procedure names that say nothing about which procedure it is. */
export const GENERIC_NAME_WORDS = new Set([
  'thu',
  'tuc',
  'dang',
  'ky',
  'cap',
  'giay',
  'to',
  'cho',
  'va',
  'cua',
  'doi',
  'voi',
  'tai',
  'theo',
  'cac',
  'nhung',
  'trong',
  'viec',
  've',
  'co',
  'duoc',
  'la',
  'hoac',
  'mot',
  'so',
  'tu',
]);
/** Name parts that contain a marker word without being a variant. */
export const MARKER_EXCEPTIONS = [/xác định lại dân tộc/g];

/** Abbreviations used inside procedure names, indexed with their full words too. */
export const NAME_ABBREVIATIONS: Record<string, string> = {
  bhxh: 'bảo hiểm xã hội',
  bhyt: 'bảo hiểm y tế',
  bhtn: 'bảo hiểm thất nghiệp',
  tnld: 'tai nạn lao động',
  bnn: 'bệnh nghề nghiệp',
  tncn: 'thu nhập cá nhân',
  gtgt: 'giá trị gia tăng',
  ttdb: 'tiêu thụ đặc biệt',
  kcb: 'khám chữa bệnh',
  kbnn: 'kho bạc nhà nước',
  ubnd: 'ủy ban nhân dân',
  dvc: 'dịch vụ công',
  cqt: 'cơ quan thuế',
};

/** Names aimed at residents themselves get a small lift over ones aimed at organisations. */
export const RESIDENT_WORDS = ['hộ gia đình', 'cá nhân', 'công dân việt nam'];
