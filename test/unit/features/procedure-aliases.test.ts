import { describe, expect, it } from 'vitest';
import { foldAlias, rewriteWithAliases } from '../../../src/features/procedures/aliases.js';

const names: Record<string, string> = { '1.001193': 'Thủ tục đăng ký khai sinh', '1.000656': 'Thủ tục đăng ký khai tử' };
const nameOf = (code: string) => names[code];

describe("a commune's aliases in a question", () => {
  it('folds an alias the way residents type it', () => {
    expect(foldAlias('  Giấy  CHÀO đời! ')).toBe('giay chao doi');
  });

  it('reads the alias as the procedure it names, with or without diacritics, as whole words only', () => {
    const rules = [{ folded: 'giay chao doi', code: '1.001193' }];
    expect(rewriteWithAliases('Xin giấy chào đời cho bé', rules, nameOf)).toBe('xin thu tuc dang ky khai sinh cho be');
    expect(rewriteWithAliases('xin giay chao doi', rules, nameOf)).toBe('xin thu tuc dang ky khai sinh');
    expect(rewriteWithAliases('giấy chào đờiii', rules, nameOf)).toBeUndefined();
    expect(rewriteWithAliases('giấy chào', rules, nameOf)).toBeUndefined();
  });

  it('prefers the longest alias and ignores one whose procedure is gone', () => {
    const rules = [
      { folded: 'giay bao tu', code: '1.000656' },
      { folded: 'giay', code: '9.999999' },
    ];
    expect(rewriteWithAliases('làm giấy báo tử', rules, nameOf)).toBe('lam thu tuc dang ky khai tu');
    expect(rewriteWithAliases('làm giấy gì', rules, nameOf)).toBeUndefined();
    expect(rewriteWithAliases('bất kỳ', [], nameOf)).toBeUndefined();
  });
});
