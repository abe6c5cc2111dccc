import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_RECORD_ROWS } from '../../../../src/features/civil-records/demo-records.js';
import { renderCopyPdf } from '../../../../src/features/civil-records/pdf.js';
import { printedFields, validateRecordRow } from '../../../../src/features/civil-records/records.js';

/** The PDF's text layer as poppler reads it. */
function textOf(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'civil-pdf-unit-'));
  writeFileSync(join(dir, 'c.pdf'), pdf);
  return execFileSync('pdftotext', ['-layout', join(dir, 'c.pdf'), '-'], { encoding: 'utf8' });
}

describe('the copy of an extract as a PDF', () => {
  it.each([
    [0, 'TRÍCH LỤC KHAI SINH (BẢN SAO)', ['Nguyễn Văn Thử', 'Trần Thị Mẫu', 'Trạm y tế xã Thử Nghiệm']],
    [3, 'TRÍCH LỤC KẾT HÔN (BẢN SAO)', ['Phạm Văn Mô Phỏng', 'Lê Thị Giả Định', '14/02/2018', '001190000057']],
    [4, 'TRÍCH LỤC KHAI TỬ (BẢN SAO)', ['Vũ Văn Thử Nghiệm', '10/05/2024', 'Tại nhà, xã Thử Nghiệm', 'Già yếu']],
  ])('prints record %i as %s, every Vietnamese letter readable back', async (i, title, values) => {
    const record = validateRecordRow(DEMO_RECORD_ROWS[i], i + 2).record!;
    const pdf = await renderCopyPdf({
      ...printedFields(record),
      commune: 'UBND xã Thử Nghiệm',
      province: 'Tỉnh Thử',
      issuedOn: '06/12/2026',
      requestCode: 'BS-ABCDEF',
      verifyUrl: 'https://xa.example/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const text = textOf(pdf);
    for (const s of [
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      title,
      'UBND xã Thử Nghiệm, ngày 06/12/2026',
      ...values,
    ])
      expect(text).toContain(s);
    // Letters that shaping would otherwise split into a base and a mark (ọ, ị) read back whole.
    expect(text).toContain('hiển thị đúng những thông tin in trên bản sao này');
    expect(text).toContain('https://xa.example/verify/');
  });
});
