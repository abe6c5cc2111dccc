import { describe, expect, it } from 'vitest';
import { detectAspect, parseChoice, stripCorrection } from '../../../../src/features/procedures/handlers.js';

describe('parseChoice', () => {
  it.each([
    ['2', 3, 2],
    ['số 2', 3, 2],
    ['So 2', 3, 2],
    ['cái thứ hai', 3, 2],
    ['cai thu hai', 3, 2],
    ['thứ 3', 3, 3],
    ['chọn 1', 3, 1],
    ['cái đầu tiên', 3, 1],
    ['số ba ạ', 3, 3],
    ['cái cuối', 4, 4],
    ['5', 3, undefined],
    ['0', 3, undefined],
    ['đăng ký khai sinh', 3, undefined],
    ['', 3, undefined],
    ['đúng rồi ạ', 1, 1],
    ['vâng', 1, 1],
    ['đúng rồi', 3, undefined],
  ])('%s of %d -> %s', (text, count, expected) => {
    expect(parseChoice(text, count)).toBe(expected);
  });
});

describe('detectAspect', () => {
  it.each([
    ['phí bao nhiêu?', 'fee'],
    ['le phi bao nhieu', 'fee'],
    ['làm online được không?', 'online'],
    ['nộp trực tuyến được không', 'online'],
    ['mất bao lâu', 'time'],
    ['mấy ngày thì có', 'time'],
    ['cần giấy tờ gì', 'docs'],
    ['nộp ở đâu', 'where'],
    ['các bước làm thế nào', 'steps'],
    ['căn cứ luật nào', 'legal'],
    ['xin chào', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(detectAspect(text)).toBe(expected);
  });
});

describe('stripCorrection', () => {
  it.each([
    ['Không phải, ý tôi là đăng ký lại khai sinh', 'đăng ký lại khai sinh'],
    ['ko phai, em muon hoi tam tru', 'tam tru'],
    ['sai rồi, mà là chứng thực chữ ký', 'chứng thực chữ ký'],
    ['không phải', ''],
    ['không có giấy khai sinh thì làm sao', undefined],
    ['đăng ký khai sinh', undefined],
  ])('%s -> %s', (text, expected) => {
    expect(stripCorrection(text)).toBe(expected);
  });
});
