import { describe, expect, it } from 'vitest';
import {
  checkIdNumber,
  findRequestCode,
  hashToken,
  maskIdNumber,
  newRequestCode,
  newToken,
  TOKEN_RE,
} from '../../../../src/features/civil-records/codes.js';
import {
  parseDateInput,
  printedFields,
  validateRecordFile,
  validateRecordRow,
} from '../../../../src/features/civil-records/records.js';
import { DEMO_RECORD_ROWS } from '../../../../src/features/civil-records/demo-records.js';

const NOW = new Date('2026-12-06T08:00:00Z');

describe('civil records: what a row of the commune export must be', () => {
  it('reads dates as dd/MM/yyyy (and ISO), refusing impossible ones', () => {
    expect(parseDateInput('02/03/2020')).toBe('2020-03-02');
    expect(parseDateInput('2.3.2020')).toBe('2020-03-02');
    expect(parseDateInput('2020-03-02')).toBe('2020-03-02');
    expect(parseDateInput('31/02/2020')).toBeUndefined();
    expect(parseDateInput('02/03/1850')).toBeUndefined();
    expect(parseDateInput('hôm qua')).toBeUndefined();
  });

  it('turns a birth row into the printed persons and facts, folded names for matching', () => {
    const { record, errors } = validateRecordRow(DEMO_RECORD_ROWS[0], 2);
    expect(errors).toEqual([]);
    expect(record!.kind).toBe('birth');
    expect(record!.persons[0]).toMatchObject({ role: 'child', fullName: 'Nguyễn Văn Thử', idNumber: '001220000101' });
    expect(record!.foldedNames).toEqual(['nguyen van thu']);
    expect(record!.facts.placeOfBirth).toBe('Trạm y tế xã Thử Nghiệm');
  });

  it('matches a marriage on either spouse', () => {
    const marriage = DEMO_RECORD_ROWS.find((r) => r.kind === 'kết hôn')!;
    expect(validateRecordRow(marriage, 5).record!.foldedNames).toEqual(['pham van mo phong', 'le thi gia dinh']);
  });

  it('reports every bad field of a row with its line, in Vietnamese and English', () => {
    const { errors } = validateRecordRow(
      {
        kind: 'ly hôn',
        book: '',
        number: '1',
        registered_on: '31/02/2020',
        authority: 'UBND',
        event_date: 'x',
        full_name: 'A1',
        id_number: '123',
      },
      7,
    );
    expect(errors.map((e) => e.field).sort()).toEqual(['book', 'event_date', 'full_name', 'id_number', 'kind', 'registered_on']);
    expect(errors.every((e) => e.line === 7 && e.vi && e.en)).toBe(true);
    expect(errors.find((e) => e.field === 'id_number')!.vi).toBe('số định danh phải gồm 12 chữ số');
  });

  it('validates a whole file: duplicates inside it are errors too', () => {
    const csv =
      'kind,book,number,registered_on,authority,event_date,full_name\n' +
      'khai sinh,1,1,01/01/2020,UBND,01/01/2020,Nguyễn Văn Một\n' +
      'khai sinh,1,1,01/01/2020,UBND,01/01/2020,Nguyễn Văn Hai\n';
    const { errors, lines } = validateRecordFile(csv, 'csv');
    expect(lines).toEqual([2, 3]);
    expect(errors).toEqual([expect.objectContaining({ line: 3, field: 'number', en: 'same kind, book and number as line 2' })]);
  });

  it('prints the extract title and fields with dates as dd/MM/yyyy', () => {
    const { record } = validateRecordRow(DEMO_RECORD_ROWS[0], 2);
    const printed = printedFields(record!);
    expect(printed.title).toBe('TRÍCH LỤC KHAI SINH (BẢN SAO)');
    expect(printed.lines).toContainEqual(['Ngày, tháng, năm sinh', '02/03/2020']);
    expect(printed.lines).toContainEqual(['Ngày đăng ký', '15/03/2020']);
    const death = printedFields(validateRecordRow(DEMO_RECORD_ROWS[4], 6).record!);
    expect(death.title).toBe('TRÍCH LỤC KHAI TỬ (BẢN SAO)');
  });
});

describe('civil records: codes, tokens and the CCCD form check', () => {
  it('makes BS- codes from an unambiguous alphabet and finds them as residents type them', () => {
    const codes = new Set(Array.from({ length: 200 }, newRequestCode));
    expect(codes.size).toBe(200);
    for (const c of codes) expect(c).toMatch(/^BS-[2-9A-HJKMNP-Z]{6}$/);
    expect(findRequestCode('yêu cầu bs 7k2q9x đến đâu rồi')).toBe('BS-7K2Q9X');
    expect(findRequestCode('BS-7K2Q9X')).toBe('BS-7K2Q9X');
    expect(findRequestCode('bản sao giấy khai sinh')).toBeUndefined();
  });

  it('makes URL-safe tokens and keeps only their hash', () => {
    const t = newToken();
    expect(t).toMatch(TOKEN_RE);
    expect(hashToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(t)).not.toContain(t);
  });

  it.each([
    ['001220000101', true],
    ['0012 2000 0101', true],
    ['00122000010', false],
    ['0012200001012', false],
    ['003220000101', false], // no province 003
    ['001520000101', false], // century digit 5 is not 1900–2099
    ['001299000101', false], // born in 2099
    ['abc', false],
  ])('CCCD %s is well formed: %s', (input, ok) => {
    expect(checkIdNumber(input, NOW).ok).toBe(ok);
  });

  it('masks an identification number for lists', () => {
    expect(maskIdNumber('001220000101')).toBe('0012******01');
    expect(maskIdNumber(null)).toBe('—');
  });
});
