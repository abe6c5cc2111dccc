import { describe, expect, it } from 'vitest';
import {
  analyzeQuery,
  foldVietnamese,
  isVietnameseSyllable,
  queryTokens,
  repairTelex,
  tokenize,
} from '../../../src/text/normalize.js';

const understood = (q: string) =>
  analyzeQuery(q)
    .concepts.map((c) => c.alternatives.map((a) => a.join(' ')).join(' / '))
    .join(' | ');

describe('foldVietnamese', () => {
  it.each([
    ['Đăng ký khai sinh', 'dang ky khai sinh'],
    ['ĐĂNG KÝ KẾT HÔN', 'dang ky ket hon'],
    ['Chứng thực bản sao', 'chung thuc ban sao'],
    ['Xác nhận tình trạng hôn nhân', 'xac nhan tinh trang hon nhan'],
    ['thường trú, tạm trú', 'thuong tru, tam tru'],
    ['hoà giải / hòa giải', 'hoa giai / hoa giai'],
  ])('folds %s', (input, folded) => {
    expect(foldVietnamese(input)).toBe(folded);
  });

  it('treats NFD input like NFC input', () => {
    const nfc = 'Đăng ký tạm trú cho người thuê nhà';
    expect(foldVietnamese(nfc.normalize('NFD'))).toBe(foldVietnamese(nfc));
  });

  it('maps đ and Đ to d explicitly', () => {
    expect(foldVietnamese('đất đai Đà Nẵng')).toBe('dat dai da nang');
  });
});

describe('tokenize', () => {
  it('splits on punctuation and keeps digits', () => {
    expect(tokenize('Cấp thẻ căn cước cho người dưới 14 tuổi (cấp xã)')).toEqual([
      'cap',
      'the',
      'can',
      'cuoc',
      'cho',
      'nguoi',
      'duoi',
      '14',
      'tuoi',
      'cap',
      'xa',
    ]);
  });
});

describe('isVietnameseSyllable', () => {
  it.each(['nguyen', 'khai', 'sinh', 'truong', 'thuong', 'xoong', 'quyen', 'nghieng', 'a'])('accepts %s', (t) => {
    expect(isVietnameseSyllable(t)).toBe(true);
  });
  it.each(['nguyeenx', 'sinhf', 'dawng', 'kest', 'hoon', 'cccd', 'dk'])('rejects %s', (t) => {
    expect(isVietnameseSyllable(t)).toBe(false);
  });
});

describe('repairTelex (leftover keystrokes when the input method was off)', () => {
  it.each([
    ['Nguyeenx', 'nguyen'],
    ['sinhf', 'sinh'],
    ['dawng', 'dang'],
    ['ddawng', 'dang'],
    ['kys', 'ky'],
    ['keest', 'ket'],
    ['hoon', 'hon'],
    ['thuwowngf', 'thuong'],
    ['trus', 'tru'],
    ['huwu', 'huu'],
    ['chuwngs', 'chung'],
    ['thuwcj', 'thuc'],
    ['banr', 'ban'],
    ['laij', 'lai'],
    ['caasp', 'cap'],
  ])('%s → %s', (typed, repaired) => {
    expect(repairTelex(typed)).toBe(repaired);
  });

  it.each(['khai', 'sinh', 'online', 'zalo', 'vneid'])('leaves %s alone', (word) => {
    expect(repairTelex(word)).toBe(word);
  });

  it('does not touch words typed with diacritics', () => {
    expect(queryTokens('khai sinh').map((t) => t.folded)).toEqual(['khai', 'sinh']);
    expect(queryTokens('dawng kys khai sinhf').map((t) => t.folded)).toEqual(['dang', 'ky', 'khai', 'sinh']);
  });
});

describe('analyzeQuery: abbreviations', () => {
  it.each([
    ['cccd', 'the can cuoc / can cuoc'],
    ['xntthn', 'xac nhan tinh trang hon nhan'],
    ['gks', 'giay khai sinh'],
    ['hkd', 'ho kinh doanh'],
    ['gpxd', 'giay phep xay dung'],
    ['gplx', 'giay phep lai xe'],
    ['bhyt', 'bhyt / bao hiem y te'],
    ['tt', 'thuong tru / tam tru'],
    ['đk', 'dang ky'],
    ['ks', 'khai sinh'],
  ])('%s → %s', (q, expected) => {
    expect(understood(q)).toBe(expected);
  });

  it('drops administrative noise words', () => {
    expect(understood('UBND TTHC')).toBe('');
  });
});

describe('analyzeQuery: everyday words → official terms', () => {
  it.each([
    ['giấy chứng tử', 'khai tu'],
    ['báo tử', 'khai tu'],
    ['người mất', 'khai tu'],
    ['giấy độc thân', 'xac nhan tinh trang hon nhan'],
    ['sao y', 'chung thuc ban sao'],
    ['công chứng photo', 'chung thuc ban sao'],
    ['photo công chứng', 'chung thuc ban sao'],
    ['hộ khẩu', 'thuong tru'],
    ['nhập khẩu', 'dang ky thuong tru'],
    ['mở quán', 'dang ky thanh lap ho kinh doanh'],
    ['buôn bán', 'ho kinh doanh'],
    ['lấy vợ', 'dang ky ket hon'],
    ['xây nhà', 'giay phep xay dung nha o rieng le'],
    ['sổ đỏ', 'giay chung nhan quyen su dung dat / giay chung nhan dat dai'],
    ['mai táng phí', 'tu tuat / mai tang'],
  ])('%s → %s', (q, expected) => {
    expect(understood(q)).toBe(expected);
  });

  it('rewrites "làm giấy khai sinh cho con" to the registration and drops the beneficiary', () => {
    expect(understood('làm giấy khai sinh cho con')).toBe('dang ky khai sinh');
  });

  it('reads "mất bao lâu" as duration, not as a lost document', () => {
    expect(understood('đăng ký kết hôn mất bao lâu')).toBe('dang | ky | ket | hon');
  });

  it('tells "cưới" (wedding) from "cười" (laugh) when diacritics are typed', () => {
    expect(understood('cưới')).toBe('ket hon');
    expect(understood('cười')).toBe('cuoi');
  });

  it('flags off-topic chatter', () => {
    expect(analyzeQuery('hôm nay thời tiết thế nào').offTopic).toEqual(['thoi tiet']);
  });
});
