import { describe, expect, it } from 'vitest';
import { normalizeImportDate, parseImportFile } from '../../../../src/features/dossiers/import-format.js';
import { syntheticCsv } from '../../../../bench/dossiers/generate.js';

describe('bulk import files', () => {
  it('reads a semicolon CSV with Vietnamese labels and dd/MM/yyyy dates', () => {
    const csv =
      'maHoSo;procedureCode;status;channel;receivedAt;dueAt;applicantName;applicantPhone;feeAmount\n' +
      '000.33.12.H56-260715-0001;1.001193;Đang xử lý;Trực tiếp;15/07/2026 08:30;20/07/2026 17:00;Người Thử;0912345678;8.000\n';
    const [r] = parseImportFile(csv, 'csv');
    expect(r.line).toBe(2);
    expect(r.code).toBe('000.33.12.H56-260715-0001');
    expect(r.body).toMatchObject({
      procedureCode: '1.001193',
      status: 4,
      channel: 'truc_tiep',
      receivedAt: '2026-07-15T08:30:00+07:00',
      dueAt: '2026-07-20T17:00:00+07:00',
      feeAmount: 8000,
    });
  });

  it('reads JSON in the API shape, as an array or under "dossiers"', () => {
    const one = { code: '000.33.12.H56-260715-0002', status: 2, channel: 'truc_tuyen', receivedAt: '2026-07-15T09:00:00+07:00' };
    expect(parseImportFile(JSON.stringify([one]), 'json')[0].body).toMatchObject({ status: 2, channel: 'truc_tuyen' });
    expect(parseImportFile(JSON.stringify({ dossiers: [one] }), 'json')[0].code).toBe(one.code);
  });

  it('treats __proto__, constructor and other inherited names as unknown columns (issue 19, item 8)', () => {
    const csv = 'ma_ho_so,__proto__,constructor,toString,status\n000.33.12.H56-260715-0009,x,y,z,2\n';
    const [r] = parseImportFile(csv, 'csv');
    expect(r.code).toBe('000.33.12.H56-260715-0009');
    expect(Object.keys(r.body)).toEqual(['status']);
    expect(r.body.status).toBe(2);
    const json = JSON.parse('[{"code":"000.33.12.H56-260715-0010","__proto__":{"status":9},"hasOwnProperty":"1"}]');
    const [j] = parseImportFile(JSON.stringify(json), 'json');
    expect(j.body).toEqual({});
  });

  it('keeps ISO dates and converts local ones', () => {
    expect(normalizeImportDate('2026-07-15T08:30:00Z')).toBe('2026-07-15T08:30:00Z');
    expect(normalizeImportDate('5/7/2026')).toBe('2026-07-05T00:00:00+07:00');
  });

  it('reads the synthetic sample the generator prints (clearly fake names)', () => {
    const records = parseImportFile(syntheticCsv(10, '2026-07-31'), 'csv');
    expect(records).toHaveLength(10);
    expect(records.every((r) => String(r.body.applicantName).startsWith('Công dân Giả lập'))).toBe(true);
  });
});
