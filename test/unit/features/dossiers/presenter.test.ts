import { describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../../../src/core/calendar.js';
import type { CommuneInfo } from '../../../../src/core/commune.js';
import {
  formatDateTimeVi,
  formatIntVi,
  formatPercentVi,
  maskName,
  nextStepText,
  presentDossierDetails,
  presentStatusNotification,
  STATUS_NAMES,
  type DossierView,
} from '../../../../src/features/dossiers/presenter.js';
import { phoneHint } from '../../../../src/features/dossiers/service.js';

const commune: CommuneInfo = {
  id: 1,
  slug: 'xa-thu',
  name: 'Xã Thử',
  province: 'Tỉnh Thử',
  address: 'Trung tâm Phục vụ hành chính công xã Thử',
  phone: '0237 000 000',
  hoursText: 'Thứ Hai – Thứ Sáu, 7:30–11:30 và 13:30–17:00',
};

function view(over: Partial<DossierView> = {}): DossierView {
  return {
    code: '000.33.12.H56-260715-0007',
    procedureCode: '1.001193',
    procedureName: 'Đăng ký khai sinh',
    channel: 'truc_tiep',
    status: 4,
    statusAt: new Date('2026-07-15T09:00:00+07:00'),
    receivedAt: new Date('2026-07-15T08:30:00+07:00'),
    dueAt: new Date('2026-07-20T17:00:00+07:00'),
    finishedAt: null,
    returnedAt: null,
    applicantName: 'Nguyễn Văn An',
    reason: null,
    feeAmount: null,
    resultDelivery: 'tai_quay',
    ...over,
  };
}

const opts = { commune, now: new Date('2026-07-16T10:00:00+07:00') };

describe('numbers and dates the Vietnamese way', () => {
  it('groups thousands with dots and uses a decimal comma', () => {
    expect(formatIntVi(157945)).toBe('157.945');
    expect(formatIntVi(95184)).toBe('95.184');
    expect(formatIntVi(0)).toBe('0');
    expect(formatPercentVi(66.26)).toBe('66,26 %');
    expect(formatPercentVi(100)).toBe('100,00 %');
  });
  it('shows the local time of day', () => {
    expect(formatDateTimeVi(new Date('2026-07-20T10:00:00Z'))).toBe('17:00 ngày 20/07/2026');
  });
});

describe('what a verified resident sees', () => {
  it('names every one of the 10 statuses', () => {
    expect(Object.keys(STATUS_NAMES)).toHaveLength(10);
    expect(STATUS_NAMES[1]).toBe('Mới đăng ký');
    expect(STATUS_NAMES[10]).toBe('Đã trả kết quả');
  });

  it('shows procedure, plain status, promised date with days left, and a masked name', () => {
    const r = presentDossierDetails(view(), opts);
    expect(r.text).toContain('Đăng ký khai sinh (mã 1.001193)');
    expect(r.text).toContain('Hồ sơ đang được cán bộ giải quyết.');
    expect(r.text).toContain('Ngày hẹn trả: 17:00 ngày 20/07/2026 (còn 2 ngày làm việc)');
    expect(r.text).toContain('N. V. An');
    expect(r.text).not.toContain('Nguyễn Văn An');
    expect(r.buttons?.map((b) => b.action)).toContain('dossier:follow:000.33.12.H56-260715-0007');
    for (const b of r.buttons ?? []) expect(Buffer.byteLength(b.action ?? '')).toBeLessThanOrEqual(64);
  });

  it('says when the dossier is overdue', () => {
    const r = presentDossierDetails(view(), { ...opts, now: new Date('2026-07-22T09:00:00+07:00') });
    expect(r.text).toContain('đã quá hẹn 2 ngày làm việc');
  });

  it('tells which documents to bring when more are requested', () => {
    const text = nextStepText(view({ status: 5, reason: 'bản sao giấy chứng nhận kết hôn của cha mẹ' }), opts);
    expect(text).toContain('Giấy tờ cần bổ sung: bản sao giấy chứng nhận kết hôn của cha mẹ');
    expect(text).toContain(commune.address);
  });

  it('tells the fee to pay', () => {
    expect(nextStepText(view({ status: 6, feeAmount: 8000 }), opts)).toContain('Số tiền cần nộp: 8.000 đồng');
  });

  it('tells where and from when to collect the result, or that it comes by post', () => {
    const finishedAt = new Date('2026-07-18T10:00:00+07:00'); // Saturday
    expect(nextStepText(view({ status: 9, finishedAt }), opts)).toContain('từ ngày 20/07/2026');
    expect(nextStepText(view({ status: 9, finishedAt, resultDelivery: 'buu_chinh' }), opts)).toContain('bưu chính');
    // A commune calendar left without any working day: the invitation without a date, never an error.
    const closed = createWorkCalendar({ weekly: [[], [], [], [], [], [], []] });
    const text = nextStepText(view({ status: 9, finishedAt }), { ...opts, calendar: closed });
    expect(text).toContain('Mời anh/chị đến nhận kết quả');
    expect(text).not.toContain('từ ngày');
  });

  it('notifies a follower with the next step and stops after the result is handed over', () => {
    const n = presentStatusNotification(
      view({ status: 10, finishedAt: new Date('2026-07-17T10:00:00+07:00'), returnedAt: new Date('2026-07-20T09:00:00+07:00') }),
      opts,
    );
    expect(n.text).toContain('Kết quả đã được trả ngày 20/07/2026');
    expect(n.text).toContain('dừng theo dõi');
  });
});

describe('masking', () => {
  it.each([
    ['Nguyễn Văn An', 'N. V. An'],
    ['Trần Thị Bích Ngọc', 'T. T. B. Ngọc'],
    ['Lê', 'Lê'],
    ['  Phạm   Minh  ', 'P. Minh'],
  ])('%s → %s', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it('keeps only the carrier prefix of a phone, none of the last four digits', () => {
    expect(phoneHint('0912345678')).toBe('091x xxx xxx');
    expect(phoneHint('0912345678')).not.toMatch(/5678|678|78/);
  });
});
