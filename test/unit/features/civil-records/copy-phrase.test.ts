import { describe, expect, it } from 'vitest';
import { isCopyRequestPhrase } from '../../../../src/features/civil-records/handlers.js';

describe('a message asking for a copy of a civil-status extract', () => {
  it.each([
    'xin bản sao giấy khai sinh',
    'trích lục khai sinh bản sao',
    'cap ban sao trich luc ho tich',
    'xin 2 bản sao trích lục kết hôn, phí gửi bưu điện tôi chịu',
  ])('starts the copy request: "%s"', (text) => {
    expect(isCopyRequestPhrase(text)).toBe(true);
  });

  it.each([
    // Certifying a copy of a paper the resident holds is another procedure (2.000815).
    'chứng thực bản sao giấy khai sinh từ bản chính',
    'chung thuc ban sao giay khai sinh o ubnd xa co lay lien duoc ko',
    // An extract of the national population database (1.010101).
    'trích lục thông tin cá nhân trong cơ sở dữ liệu quốc gia về dân cư',
    // A question about the procedure goes to the procedures feature.
    'làm trích lục khai tử thì có mất phí không',
    'bản sao giấy khai sinh cần giấy tờ gì',
  ])('leaves "%s" to the procedures', (text) => {
    expect(isCopyRequestPhrase(text)).toBe(false);
  });
});
