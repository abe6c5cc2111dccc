/**
 * The words of prompt-injection and role-play attempts (features/procedures/scope.ts reads them): folded
 * phrases, matched on word boundaries, never answered with a procedure.
 */

/** Prompt-injection and role-play attempts: never answered with a procedure. */
export const INJECTION: readonly string[] = [
  'ignore previous',
  'ignore all',
  'ignore the above',
  'system prompt',
  'you are now',
  'act as',
  'pretend',
  'jailbreak',
  'developer mode',
  'bo qua huong dan',
  'bo qua moi huong dan',
  'bo qua tat ca',
  'bo qua cac chi dan',
  'quen het huong dan',
  'quen moi huong dan',
  'huong dan truoc',
  'lenh truoc',
  'chi dan truoc',
  'dong vai',
  'gia vo la',
  'ban bay gio la',
  'in ra toan bo',
  'tiet lo',
  'prompt he thong',
  'cau lenh he thong',
  'mat khau admin',
  'du lieu cua tat ca',
  'toan bo du lieu',
  'dump',
  'sql',
  'from now on',
  'no restrictions',
  'tu gio tro di',
  'quan tri vien he thong',
  'system',
  'quen het quy tac',
  'quen het nhung gi',
  'nhung gi duoc dan',
  'loi dan truoc',
  'bo qua quy tac',
  'fake',
  'cua tat ca nguoi dan',
  'danh sach so cccd',
  'ignore',
  'instructions',
  'reveal',
  'password',
  'api key',
  'disregard',
  'override',
  'quyen admin',
  'che do nha phat trien',
  'tat ca thong tin ca nhan',
  'so dien thoai cua',
  'mat khau',
  'bo qua',
  'khong gioi han',
];

/**
 * Words of injection attempts that residents also use in real questions ("giấy tờ giả mạo", "cơ sở dữ liệu
 * quốc gia về dân cư", "vượt quá thời hạn"): two of them make an attempt,
 * one alone is left to the search, which declines a message that asks for no procedure.
 */
export const INJECTION_WEAK: readonly string[] = [
  'gia mao',
  'co so du lieu',
  'vuot qua',
  'khong giai thich',
  // "giả sử bạn là người mua đất", "tôi là admin nhóm zalo thôn": only with another attempt's words.
  'toi la admin',
  'ban la admin',
  'gia su ban la',
  'xuat toan bo',
  'xoa ho so',
  'ky giup toi',
];
