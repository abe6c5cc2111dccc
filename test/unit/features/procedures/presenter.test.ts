import { describe, expect, it } from 'vitest';
import { readSnapshot } from '../../../../src/features/procedures/importer/import.js';
import { feeSummary, mainDocuments, presentSummary, timeSummary } from '../../../../src/features/procedures/presenter.js';

const all = readSnapshot();
const byCode = (code: string) => all.find((p) => p.code === code)!;
const commune = { name: 'Xã Thử', address: 'Số 1 đường Thử', hoursText: 'T2–T6', phone: '0200' };

describe('procedure presenter on real records', () => {
  it('lists the declaration form first and skips notes and zero-quantity rows', () => {
    const docs = mainDocuments(byCode('1.001193'));
    expect(docs[0]).toMatch(/^Tờ khai đăng ký khai sinh/);
    expect(docs.some((d) => d.startsWith('Giấy chứng sinh'))).toBe(true);
    expect(docs.some((d) => /Cá nhân có quyền lựa chọn/.test(d))).toBe(false);
    expect(docs.indexOf(docs.find((d) => d.startsWith('Văn bản ủy quyền'))!)).toBeGreaterThan(
      docs.indexOf(docs.find((d) => d.startsWith('Giấy chứng sinh'))!),
    );
  });

  it('collapses identical fees and times across channels', () => {
    expect(feeSummary(byCode('1.001193'))).toBe('Miễn phí');
    expect(timeSummary(byCode('1.001193'))).toBe('1 ngày làm việc');
  });

  it('shows the copy-of-extract fee', () => {
    expect(feeSummary(byCode('2.000635'))).toMatch(/8\.000/);
  });

  it('uses the commune address for commune-level procedures', () => {
    const r = presentSummary(byCode('1.000894'), commune);
    expect(r.text).toContain('Nơi nộp: Số 1 đường Thử (Xã Thử)');
    expect(r.text).not.toContain('Lưu ý: thủ tục này thuộc thẩm quyền');
  });

  it('prefers the commune override over the catalog', () => {
    const p = {
      ...byCode('1.000894'),
      override: { fee: '10.000 đồng (Nghị quyết HĐND tỉnh, thử nghiệm)', note: 'Hai bên cùng có mặt.' },
    };
    const r = presentSummary(p, commune);
    expect(r.text).toContain('Lệ phí: 10.000 đồng (Nghị quyết HĐND tỉnh, thử nghiệm)');
    expect(r.text).toContain('Ghi chú của xã: Hai bên cùng có mặt.');
  });
});
