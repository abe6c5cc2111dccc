import { describe, expect, it } from 'vitest';
import {
  completeCode,
  isValidCodeDate,
  normalizeDossierCode,
  parseDossierCodes,
} from '../../../../src/features/dossiers/code-parser.js';
import { extractDigits, isLookupPhrase, isUnfollowPhrase } from '../../../../src/features/dossiers/handlers.js';

const CODE = '000.33.12.H56-260715-0007';

describe('finding a receipt code in what a resident sends', () => {
  const found: [string, string, string[]][] = [
    ['typed exactly', CODE, [CODE]],
    ['lower case', '000.33.12.h56-260715-0007', [CODE]],
    ['pasted with words around it', `Cho em hỏi hồ sơ ${CODE} của em tới đâu rồi ạ?`, [CODE]],
    ['with a trailing full stop', `mã hồ sơ: ${CODE}.`, [CODE]],
    ['in quotes and brackets', `("${CODE}")`, [CODE]],
    ['spaces around the dashes', '000.33.12.H56 - 260715 - 0007', [CODE]],
    ['en dash and em dash', '000.33.12.H56–260715—0007', [CODE]],
    ['spaces instead of dots', '000 33 12 H56 260715 0007', [CODE]],
    ['commas instead of dots (phone keyboards)', '000,33,12,H56-260715-0007', [CODE]],
    ['full-width characters', '０００．３３．１２．Ｈ５６－２６０７１５－０００７', [CODE]],
    ['on its own line in a longer message', `Dạ chào cán bộ\n${CODE}\nem cảm ơn`, [CODE]],
    ['QR text: a portal link', `https://dichvucong.example.gov.vn/tra-cuu?maHoSo=${CODE}&x=1`, [CODE]],
    ['QR text: a percent-encoded link', 'https://dvc.example.vn/tra-cuu?q=000.33.12.H56%2D260715%2D0007', [CODE]],
    ['QR text: JSON', `{"MaHoSo":"${CODE}","TenTTHC":"Đăng ký khai sinh"}`, [CODE]],
    ['two codes, in order', `${CODE} và 000.00.06.H56-231027-0361`, [CODE, '000.00.06.H56-231027-0361']],
    ['the same code twice', `${CODE} ${CODE}`, [CODE]],
    ['another province', '000.00.27.H53-210101-0001', ['000.00.27.H53-210101-0001']],
  ];
  it.each(found)('%s', (_name, text, codes) => {
    expect(parseDossierCodes(text).map((m) => (m.kind === 'full' ? m.code : m.tail))).toEqual(codes);
  });

  const none: [string, string][] = [
    ['a question without a code', 'đăng ký khai sinh cần giấy tờ gì?'],
    ['a phone number', '0912 345 678'],
    ['an impossible date in the code', '000.33.12.H56-261345-0007'],
    ['too few sequence digits', '000.33.12.H56-260715-007'],
    ['too many sequence digits', '000.33.12.H56-260715-00071'],
    ['a procedure code', 'thủ tục 1.001193'],
    ['an empty message', ''],
  ];
  it.each(none)('finds nothing in %s', (_name, text) => {
    expect(parseDossierCodes(text)).toEqual([]);
  });

  it('recognises the short yyMMdd-NNNN form and completes it with the commune agency id', () => {
    const [m] = parseDossierCodes('hồ sơ 260715-0007 của tôi');
    expect(m).toEqual({ kind: 'short', tail: '260715-0007' });
    expect(completeCode(m, '000.33.12.h56')).toBe(CODE);
    expect(completeCode(m, null)).toBeUndefined();
  });

  it('does not report the tail of a full code as a second, short code', () => {
    expect(parseDossierCodes('000.33.12.H56 - 260715 - 0007')).toEqual([{ kind: 'full', code: CODE }]);
  });
});

describe('normalizing a code given on its own (URL parameter, import file)', () => {
  it('accepts a code in any case with stray spaces', () => {
    expect(normalizeDossierCode(' 000.33.12.h56-260715-0007 ')).toBe(CODE);
  });
  it('rejects anything that is not exactly one code', () => {
    expect(normalizeDossierCode(`xem ${CODE} giúp tôi với nhé`)).toBeUndefined();
    expect(normalizeDossierCode('260715-0007')).toBeUndefined();
    expect(normalizeDossierCode('abc')).toBeUndefined();
  });
  it('checks the receipt date', () => {
    expect(isValidCodeDate('260229')).toBe(false);
    expect(isValidCodeDate('280229')).toBe(true);
    expect(isValidCodeDate('260715')).toBe(true);
    expect(isValidCodeDate('260001')).toBe(false);
  });
});

describe('phrases that ask about a filed dossier', () => {
  it.each([
    'Hồ sơ của tôi tới đâu rồi?',
    'tra cứu hồ sơ',
    'ho so cua em xong chua a',
    'kiểm tra tình trạng hồ sơ',
    'Tiến độ hồ sơ',
  ])('recognises "%s"', (text) => expect(isLookupPhrase(text)).toBe(true));
  it.each(['hồ sơ đăng ký khai sinh cần gì', 'kiểm tra hồ sơ kết hôn gồm những gì', 'lệ phí trích lục', 'xin chào'])(
    'leaves "%s" to other features',
    (text) => expect(isLookupPhrase(text)).toBe(false),
  );
  it('recognises unfollow requests', () => {
    expect(isUnfollowPhrase('Bỏ theo dõi')).toBe(true);
    expect(isUnfollowPhrase('hủy theo dõi hồ sơ 000.33.12.H56-260715-0007')).toBe(true);
    expect(isUnfollowPhrase('theo dõi hồ sơ')).toBe(false);
  });
  it.each([
    ['5678', '5678'],
    ['5 6 7 8', '5678'],
    ['0912 345 678', '5678'],
    ['+84 912 345 678', '5678'],
    ['số cuối là 5678 ạ', '5678'],
    ['123', undefined],
    ['12345', undefined],
  ])('reads the digits in "%s"', (text, digits) => expect(extractDigits(text)).toBe(digits));
});
