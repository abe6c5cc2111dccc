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
  ])('"%s" does not', (text) => {
    expect(asked(text)).toBe(false);
  });
});
