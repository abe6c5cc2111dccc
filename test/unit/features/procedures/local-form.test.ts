import { describe, expect, it } from 'vitest';
import { formOf, parseLocalForm, readLocalForm } from '../../../../src/features/procedures/local-form.js';
import { buildLocalProcedure } from '../../../../src/features/procedures/service.js';

const NAME = 'Đăng ký gửi trẻ tại nhà trẻ của ấp (thử)';

describe("the console's form for a commune's own procedure", () => {
  it('names each refused box in Vietnamese, with the limits of the API', () => {
    const form = readLocalForm({
      name: 'Đk',
      portalUrl: 'dichvucong.gov.vn',
      documents: `Đơn\n${'x'.repeat(1001)}`,
      steps: Array.from({ length: 51 }, (_, i) => `Bước ${i + 1}`).join('\n'),
      feeText: 'Miễn phí',
      note: 'n'.repeat(2001),
    });
    const parsed = parseLocalForm(form);
    expect(parsed).toEqual({
      ok: false,
      errors: {
        name: 'tên thủ tục quá ngắn (ít nhất 3 ký tự)',
        portalUrl: 'phải là đường dẫn http:// hoặc https://',
        documents: 'mỗi giấy tờ tối đa 1000 ký tự',
        steps: 'tối đa 50 bước',
        channels: 'chọn ít nhất một cách nộp để ghi thời hạn và phí',
        note: 'tối đa 2000 ký tự',
      },
    });
  });

  it("puts a too-long time or fee on the form's own box", () => {
    const form = readLocalForm({ name: NAME, channels: 'truc_tiep', timeText: 't'.repeat(201), feeText: 'f'.repeat(501) });
    expect(parseLocalForm(form)).toEqual({
      ok: false,
      errors: { timeText: 'tối đa 200 ký tự', feeText: 'tối đa 500 ký tự' },
    });
  });

  it('turns a valid form into the procedure staff meant, one document and one step a line', () => {
    const form = readLocalForm({
      name: `  ${NAME}  `,
      documents: 'Đơn đăng ký\n\n  Giấy khai sinh (bản sao) \n',
      steps: 'Nộp đơn\nNhận kết quả',
      channels: ['truc_tiep', 'buu_chinh'],
      timeText: '2 ngày làm việc',
      feeText: '20.000 đồng',
      portalUrl: '',
      note: 'Chỉ nhận trẻ từ 18 tháng.',
    });
    const parsed = parseLocalForm(form);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    expect(parsed.note).toBe('Chỉ nhận trẻ từ 18 tháng.');
    const p = buildLocalProcedure(parsed.input);
    expect(p.name).toBe(NAME);
    expect(p.portalUrl).toBe('');
    expect(p.steps).toEqual(['Nộp đơn', 'Nhận kết quả']);
    expect(p.documentGroups).toEqual([{ title: '', documents: [{ name: 'Đơn đăng ký' }, { name: 'Giấy khai sinh (bản sao)' }] }]);
    expect(p.channels.map((c) => [c.channel, c.timeText, c.feeText, c.feeAmounts])).toEqual([
      ['truc_tiep', '2 ngày làm việc', '20.000 đồng', [20000]],
      ['buu_chinh', '2 ngày làm việc', '20.000 đồng', [20000]],
    ]);
  });

  it('keeps what only the API sets when that part of the form is left as it was', () => {
    const before = buildLocalProcedure({
      name: NAME,
      documentGroups: [{ title: 'Trường hợp gửi lần đầu', documents: [{ name: 'Đơn', quantity: '2 bản' }] }],
      channels: [
        { channel: 'truc_tiep', timeText: '2 ngày', feeText: 'Miễn phí', feeAmounts: [], free: true },
        { channel: 'truc_tuyen', timeText: '1 ngày', feeText: '', feeAmounts: [], free: false },
      ],
      legalBasis: [{ title: 'Quyết định của UBND xã (thử)' }],
    });
    const same = parseLocalForm(formOf(before), before);
    if (!same.ok) throw new Error(JSON.stringify(same.errors));
    expect(same.input.documentGroups).toBe(before.documentGroups);
    expect(same.input.channels).toBe(before.channels);
    expect(same.input.legalBasis).toBe(before.legalBasis);
    const changed = parseLocalForm({ ...formOf(before), documents: 'Đơn\nẢnh', feeText: '5.000 đồng' }, before);
    if (!changed.ok) throw new Error(JSON.stringify(changed.errors));
    expect(changed.input.documentGroups).toEqual([{ title: '', documents: [{ name: 'Đơn' }, { name: 'Ảnh' }] }]);
    expect(changed.input.channels?.map((c) => [c.channel, c.timeText, c.feeText])).toEqual([
      ['truc_tiep', '2 ngày', '5.000 đồng'],
      ['truc_tuyen', '2 ngày', '5.000 đồng'],
    ]);
  });
});
