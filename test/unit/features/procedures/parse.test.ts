import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  compactProcedure,
  parseChannels,
  parseDocumentGroups,
  parseLegalBasis,
  parseLevels,
  parseRecord,
  parseResult,
  parseSteps,
  parseTime,
  safeParseRecord,
} from '../../../../src/features/procedures/importer/parse.js';
import type { Procedure } from '../../../../src/features/procedures/types.js';

const fixture = (path: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../fixtures/catalog/${path}.json`, import.meta.url)), 'utf8'));

function parsed(path: string): Procedure {
  const [source] = path.split('/');
  const out = parseRecord(fixture(path), source);
  if ('skipped' in out) throw new Error(`unexpectedly skipped: ${out.skipped}`);
  return out;
}

describe('real catalog records', () => {
  it('reads the plain birth registration (khai sinh) the way a resident needs it', () => {
    const p = parsed('bo-tu-phap/1.001193');
    expect(p.code).toBe('1.001193');
    expect(p.shortName).toBe('Đăng ký khai sinh');
    expect(p.levels).toEqual(['xã']);
    expect(p.field).toBe('Hộ tịch');
    expect(p.source).toBe('bo-tu-phap');
    expect(p.portalUrl).toMatch(/^https:\/\/dichvucong\.gov\.vn\//);
    expect(p.channels.map((c) => c.channel)).toEqual(['truc_tuyen', 'buu_chinh', 'truc_tiep']);
    for (const c of p.channels) {
      expect(c).toMatchObject({ timeText: '1', time: { value: 1, unit: 'ngày làm việc' }, free: true, feeAmounts: [] });
    }
    expect(p.documentGroups.map((g) => g.title).slice(0, 2)).toEqual(['Giấy tờ phải nộp', 'Giấy tờ phải xuất trình']);
    const submit = p.documentGroups[0].documents;
    expect(submit.some((d) => d.name.startsWith('Giấy chứng sinh') && d.quantity === '1 bản chính')).toBe(true);
    expect(p.result).toBe('Giấy khai sinh');
    expect(p.legalBasis).toContainEqual(expect.objectContaining({ code: '123/2015/NĐ-CP' }));
    expect(p.legalBasis).toContainEqual(expect.objectContaining({ code: '85/2019/TT-BTC' }));
    expect(p.steps.length).toBeGreaterThan(5);
    expect(p.conditions).toBe(''); // "Không có thông tin"
  });

  it('keeps the khai sinh variants apart (foreign element, mobile, border area)', () => {
    const names = ['bo-tu-phap/2.000528', 'bo-tu-phap/1.003583', 'bo-tu-phap/1.000110'].map((f) => parsed(f).shortName);
    expect(names).toEqual([
      'Đăng ký khai sinh có yếu tố nước ngoài',
      'Đăng ký khai sinh lưu động',
      'Đăng ký khai sinh có yếu tố nước ngoài tại khu vực biên giới',
    ]);
    expect(parsed('bo-tu-phap/1.003583').channels).toEqual([
      expect.objectContaining({ channel: 'truc_tiep', time: { value: 5, unit: 'ngày làm việc' }, free: true }),
    ]);
  });

  it('reads tiered certification fees (chứng thực) from the fee note', () => {
    const p = parsed('bo-tu-phap/2.000942');
    expect(p.channels).toHaveLength(1);
    expect(p.channels[0]).toMatchObject({ channel: 'truc_tiep', timeText: '', free: false, feeAmounts: [2000, 1000, 200000] });
    expect(p.channels[0].feeText).toContain('từ trang thứ 3 trở lên thu 1.000 đồng/trang');
    expect(p.result).toBe('Bản sao giao dịch được chứng thực');
  });

  it('keeps two rows for one channel when the fee differs by place (commune vs embassy)', () => {
    const p = parsed('bo-tu-phap/2.000815');
    expect(p.channels.map((c) => [c.channel, c.feeAmounts, c.feeText.split(' (')[0]])).toEqual([
      ['truc_tiep', [2000], '2,000 Việt Nam Đồng'],
      ['truc_tiep', [], '10 USD'],
    ]);
    expect(p.channels[0].description).toContain('từ trang thứ 3');
  });

  it('reads "8,000 VNĐ" with no stated time for copies of civil-status extracts', () => {
    const p = parsed('bo-tu-phap/2.000635');
    expect(p.levels).toEqual(['tỉnh', 'xã']);
    for (const c of p.channels) expect(c).toMatchObject({ timeText: '', feeText: '8,000 VNĐ', feeAmounts: [8000], free: false });
    expect(p.channels[0].time).toBeUndefined();
  });

  it('reads "Lệ phí : 400.000 Đồng" fee notes (adoption)', () => {
    const p = parsed('bo-tu-phap/2.001263');
    expect(p.channels[0].feeAmounts[0]).toBe(400000);
    expect(p.channels[0].feeText).toContain('Lệ phí : 400.000 Đồng');
    expect(p.documentGroups[0].documents[0]).toMatchObject({
      name: 'Đơn xin nhận con nuôi;',
      form: '1.nxinnhnconnui.doc',
      quantity: '1 bản chính',
    });
  });

  it('reads hours ("1 Giờ")', () => {
    const p = parsed('bo-xay-dung/1.004312');
    expect(p.channels[0]).toMatchObject({ timeText: '1 Giờ', time: { value: 1, unit: 'giờ' } });
  });

  it('splits a time glued to a fee ("120 VNĐ" = 1 day, 20 thousand đồng)', () => {
    const p = parsed('bo-tai-chinh/1.000014');
    expect(p.channels[0]).toMatchObject({ timeText: '1', time: { value: 1, unit: 'ngày làm việc' }, feeAmounts: [20000] });
  });

  it('separates a form file from the document name and reads "0 bản chính,1 bản sao"', () => {
    const docs = parsed('bo-tu-phap/1.002010').documentGroups[0].documents;
    expect(docs).toEqual([
      { name: 'Dự thảo Điều lệ của công ty luật', quantity: '1 bản chính' },
      { name: 'Giấy tờ chứng minh về trụ sở của tổ chức hành nghề luật sư.', quantity: '0 bản chính, 1 bản sao' },
      { name: 'Giấy đề nghị đăng ký hoạt động theo mẫu thống nhất', form: 'Mẫu TP-LS-02-sđ.docx', quantity: '1 bản chính' },
    ]);
  });

  it('splits legal bases whose numbers are glued to the next title', () => {
    expect(parsed('ngan-hang-nha-nuoc/1.000111').legalBasis.map((l) => l.code)).toEqual(['80/2025/TT-NHNN', '12/2022/TT-NHNN']);
    const codes = parsed('bo-tai-chinh/1.008525').legalBasis.map((l) => l.code);
    expect(codes.slice(0, 4)).toEqual(['38/2019/QH14', '126/2020/NĐ-CP', '40/2025/TT-BTC', '46/2024/TT-BTC']);
  });

  it('skips crawl noise: a page of another procedure, a provincial list announcement', () => {
    expect(parseRecord(fixture('bo-cong-an/1.014208'))).toEqual({
      skipped: 'the page describes procedure 1.014023, not 1.014208',
    });
    const announcement = fixture('bo-cong-an/2.001428');
    expect(parseRecord(announcement)).toHaveProperty('skipped');
    expect(parseRecord({ ...announcement, raw_text: '' })).toEqual({
      skipped: 'an announcement of a procedure list, not a procedure',
    });
  });

  it('compacting drops only raw_text', () => {
    const p = parsed('bo-tu-phap/1.001193');
    const c = compactProcedure(p);
    expect(c.raw.raw_text).toBeUndefined();
    expect(c.raw.cach_thuc_thuc_hien).toBe(p.raw.cach_thuc_thuc_hien);
    expect(Object.keys(c.raw)).toHaveLength(Object.keys(p.raw).length - 1);
  });
});

describe('field parsers', () => {
  it.each([
    ['3', { value: 3, unit: 'ngày làm việc' }],
    ['3 Ngày làm việc', { value: 3, unit: 'ngày làm việc' }],
    ['15 Ngày', { value: 15, unit: 'ngày' }],
    ['24 Giờ', { value: 24, unit: 'giờ' }],
    ['2 Tháng', { value: 2, unit: 'tháng' }],
    ['1 Năm', { value: 1, unit: 'khác' }],
    ['Không quy định', undefined],
    ['', undefined],
  ])('time %j', (text, expected) => {
    expect(parseTime(text)).toEqual(expected);
  });

  it.each([
    ['Cấp xã', ['xã']],
    ['Cấp bộ, Cấp tỉnh, Cấp xã', ['bộ', 'tỉnh', 'xã']],
    ['Cấp xã, Cơ quan khác', ['xã', 'khác']],
    ['', []],
  ])('levels %j', (text, expected) => {
    expect(parseLevels(text)).toEqual(expected);
  });

  it('reads channel rows with "Không có thông tin", descriptions and "Lệ phí :" amounts', () => {
    const rows = parseChannels(
      'Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếpKhông có thông tinLệ phí : 10.000 Đồng(mỗi trường hợp)Nộp tại xãTrực tuyến3 Ngày làm việcKhông có thông tin- Nộp trực tuyến: qua Cổng',
    );
    expect(rows).toEqual([
      {
        channel: 'truc_tiep',
        timeText: '',
        feeText: 'Lệ phí : 10.000 Đồng (mỗi trường hợp)',
        feeAmounts: [10000],
        free: false,
        description: 'Nộp tại xã',
      },
      {
        channel: 'truc_tuyen',
        timeText: '3 Ngày làm việc',
        time: { value: 3, unit: 'ngày làm việc' },
        feeText: '',
        feeAmounts: [],
        free: false,
        description: '- Nộp trực tuyến: qua Cổng',
      },
    ]);
  });

  it('does not cut a document name at a quantity inside the sentence', () => {
    const groups = parseDocumentGroups(
      '--Tên giấy tờMẫu đơn, tờ khaiSố lượngTờ khai; người khai nộp 02 bản chính tờ khai hàng hóa1 bản chínhVận đơn0 bản chính,1 bản sao',
    );
    expect(groups).toEqual([
      {
        title: '',
        documents: [
          { name: 'Tờ khai; người khai nộp 02 bản chính tờ khai hàng hóa', quantity: '1 bản chính' },
          { name: 'Vận đơn', quantity: '0 bản chính, 1 bản sao' },
        ],
      },
    ]);
  });

  it('groups documents by "Trường hợp …" headings', () => {
    const groups = parseDocumentGroups(
      '- Trường hợp cấp mới:Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị1 bản chính- Trường hợp cấp lại:Tên giấy tờMẫu đơn, tờ khaiSố lượngĐơn đề nghị cấp lại1 bản chính',
    );
    expect(groups.map((g) => [g.title, g.documents.map((d) => d.name)])).toEqual([
      ['Trường hợp cấp mới', ['Đơn đề nghị']],
      ['Trường hợp cấp lại', ['Đơn đề nghị cấp lại']],
    ]);
  });

  it('joins hard-wrapped step lines and splits "Bước N" on one line', () => {
    expect(parseSteps('Bước 1: Nộp hồ sơ tại xã\nvà nhận phiếu hẹn.\n- Bước 2: Nhận kết quả.')).toEqual([
      'Bước 1: Nộp hồ sơ tại xã và nhận phiếu hẹn.',
      'Bước 2: Nhận kết quả.',
    ]);
    expect(parseSteps('Bước 1: Nộp hồ sơ. Bước 2: Nhận kết quả.')).toEqual(['Bước 1: Nộp hồ sơ.', 'Bước 2: Nhận kết quả.']);
  });

  it('reads legal bases and the "no information" marker', () => {
    expect(parseLegalBasis('Không có thông tin')).toEqual([]);
    expect(parseLegalBasis('Tên văn bản pháp lýMã văn bảnLuật 54/2014/QH1354/2014/QH13Thuế xuất khẩu107/2016/QH13')).toEqual([
      { title: 'Luật 54/2014/QH13', code: '54/2014/QH13' },
      { title: 'Thuế xuất khẩu', code: '107/2016/QH13' },
    ]);
  });

  it('cuts portal widgets and codes from the result', () => {
    expect(
      parseResult('Giấy khai sinhMã: KQ.G15.000031Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan thực hiệnTỉnh'),
    ).toBe('Giấy khai sinh');
    expect(parseResult('- Văn bản AMã: KQ.G10.1Văn bản BMã: KQ.G13.2Từ khóa')).toBe('Văn bản A; Văn bản B');
  });

  it('never throws for malformed records', () => {
    expect(safeParseRecord(null)).toEqual({ failed: 'not a JSON object' });
    expect(safeParseRecord({ ten_thu_tuc: 'X' })).toEqual({ failed: 'record has no ma_thu_tuc' });
    const odd = safeParseRecord({
      ma_thu_tuc: '9.999999',
      ten_thu_tuc: 'Thủ tục thử',
      cach_thuc_thuc_hien: 42,
      thanh_phan_ho_so: '((((',
    });
    expect(odd).toHaveProperty('procedure.code', '9.999999');
  });
});
