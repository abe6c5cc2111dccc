import { describe, expect, it } from 'vitest';
import { foldPhrase } from '../../../../src/core/text-input.js';
import { officeAsked } from '../../../../src/features/assistant/office.js';

const asked = (text: string) => officeAsked(foldPhrase(text));

describe('questions about the office itself', () => {
  it.each([
    'giờ làm việc?',
    'mấy giờ nghỉ trưa vậy ad',
    'Thứ 7 bộ phận một cửa có làm việc không',
    'thứ bảy ngoài giờ xã có làm việc không',
    'ngoài giờ hành chính xã có làm việc không',
    'chủ nhật xã có làm việc không',
    'UBND phường mở cửa mấy giờ vậy ad',
    'cho xin số điện thoại của xã',
    'UBND xã Hòa Phú nằm ở đâu ạ',
    'cho em hỏi giờ làm việc với ạ',
    'giờ làm việc như thế nào ạ',
    'giờ làm việc chiều thứ 6',
    'thời gian làm việc thứ 7',
    'thứ 7 có làm không',
    'hôm nay xã có làm việc không',
    'Chào ad, hôm nay trời mưa to quá, xã có làm việc không?',
    'Mấy giờ xã mở cửa vậy, thứ 7 có làm không?',
  ])('"%s" asks about the office', (text) => {
    expect(asked(text)).toBe(true);
  });

  it.each([
    // The hours' words with a procedure, a complaint or another office: not the commune's contact card.
    'khai sinh cho con ngoài giờ làm việc được không',
    'Hết giờ làm việc rồi mà sao chưa trả kết quả giấy phép cho tôi',
    'Chi cục thuế khu vực mở cửa mấy giờ',
    'đổi địa chỉ trụ sở hộ kinh doanh',
    'xe buýt số 5 mấy giờ chạy',
    'đăng ký khai sinh ở đâu',
    // The office named beside a procedure, "xã" as "far" or in another body's name.
    'xin khai sinh cho con ngoài giờ làm việc ở xã được không',
    'xã có làm khai sinh cho con ngoài giờ làm việc không',
    'ngoài giờ làm việc xã có nhận hồ sơ đăng ký kết hôn không',
    'em làm xa, ngoài giờ làm việc có nộp hồ sơ được không',
    'bảo hiểm xã hội mấy giờ mở cửa',
    'trạm y tế xã mấy giờ làm việc',
    'quán karaoke trong xã mở cửa đến mấy giờ',
    'chính quyền địa phương mấy giờ làm việc',
    'Em lên phường sao y giấy tờ, sáng thứ 7 có làm không, mang bản chính theo không',
  ])('"%s" does not', (text) => {
    expect(asked(text)).toBe(false);
  });
});
