/**
 * What simulated residents type, as one script per chat. Each chat walks the
 * script from its own starting point, so follow-ups ("phí bao nhiêu?") land
 * in a conversation that has just talked about a procedure, "gặp cán bộ" is
 * followed by the question for staff, and a choice list is followed by "2".
 * Spelling is the way residents write: with and without diacritics, short.
 */
export const RESIDENT_SCRIPT: readonly string[] = [
  'xin chào',
  'làm giấy khai sinh cần gì',
  'phí bao nhiêu',
  'mất bao lâu thì có',
  'xin giấy độc thân',
  'nộp ở đâu',
  'menu',
  'đăng ký kết hôn cần giấy tờ gì',
  'có làm online được không',
  'chứng thực bản sao',
  'dang ky thuong tru',
  'cần chuẩn bị những gì',
  'khai tử cho ông',
  'gặp cán bộ',
  'Cho hỏi hồ sơ khai sinh của cháu nộp tuần trước bao giờ có kết quả ạ',
  'trích lục khai sinh bản sao',
  'thủ tục nhận cha con',
  'lệ phí bao nhiêu tiền',
  'giờ làm việc',
  'sao y giấy tờ',
  'cấp lại giấy khai sinh bị mất',
  'xac nhan tinh trang hon nhan',
  'các bước làm thế nào',
];
