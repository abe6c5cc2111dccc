import { describe, expect, it } from 'vitest';
import { findReportCode, newReportCode, parseReportCode } from '../../../../src/features/reports/codes.js';

describe('report codes in what residents type', () => {
  it.each([
    ['phản ánh PA-7K2Q9X đến đâu rồi', 'PA-7K2Q9X'],
    ['pa 7k2q9x xong chưa', 'PA-7K2Q9X'],
    ['pa7k2q9x', 'PA-7K2Q9X'],
    ['PA-ABCDEF', 'PA-ABCDEF'],
    // Letters only, lower case, as a resident retypes the code the bot sent: the dash marks it as a code.
    ['phản ánh pa-axtusf đến đâu rồi', 'PA-AXTUSF'],
    ['PAYMENTS rồi, còn PA-7K2Q9X thì sao', 'PA-7K2Q9X'],
  ])('finds the code in "%s"', (text, code) => {
    expect(findReportCode(text)).toBe(code);
  });

  it.each(['Mình cần làm passport gấp', 'PASSPORT', 'paymen', 'PAYMENTS', 'PA-0OIL11', 'nhờ pa nguyen hỏi giúp'])(
    'finds none in "%s"',
    (text) => {
      expect(findReportCode(text)).toBeUndefined();
    },
  );

  it('reads back every code it makes', () => {
    for (let i = 0; i < 200; i++) {
      const code = newReportCode();
      expect(findReportCode(`mã ${code} ạ`)).toBe(code);
      expect(findReportCode(`mã ${code.toLowerCase()} ạ`)).toBe(code);
      expect(findReportCode(`phản ánh ${code.toLowerCase()} đến đâu rồi`)).toBe(code);
    }
  });
});

describe('a field holding only a report code', () => {
  it('reads it in any case, with or without the dash, and nothing else', () => {
    expect(parseReportCode(' pa-abcdef ')).toBe('PA-ABCDEF');
    expect(parseReportCode('PA7K2Q9X')).toBe('PA-7K2Q9X');
    expect(parseReportCode('PA-7K2Q9X thêm')).toBeUndefined();
    expect(parseReportCode('42')).toBeUndefined();
  });
});
