import { describe, expect, it } from 'vitest';
import {
  buildPosterLinks,
  renderPosterHtml,
  summarizeProcedure,
  telegramStartPayload,
} from '../../../../src/features/procedures/poster.js';
import { applyOverride, buildLocalProcedure } from '../../../../src/features/procedures/service.js';

const procedure = applyOverride(
  buildLocalProcedure({
    name: 'Thủ tục cấp bản sao Giấy khai sinh',
    channels: [
      {
        channel: 'truc_tiep',
        timeText: '1',
        time: { value: 1, unit: 'ngày làm việc' },
        feeText: '8,000 VNĐ',
        feeAmounts: [8000],
        free: false,
      },
    ],
    documentGroups: [
      {
        title: 'Giấy tờ phải nộp',
        documents: [
          { name: 'Tờ khai', quantity: '1 bản chính' },
          { name: 'Ghi chú', quantity: '0 bản chính' },
        ],
      },
      { title: 'Lưu ý', documents: [{ name: 'Không tính', quantity: '1 bản chính' }] },
    ],
  }),
  { note: 'Mang theo <căn cước>.' },
  'local',
);

describe('QR posters', () => {
  it('builds deep links: Telegram start payload without dots, web chat, Zalo OA', () => {
    expect(telegramStartPayload('1.001193')).toBe('p_1_001193');
    expect(buildPosterLinks({ publicUrl: 'https://troly.vn/', telegramBot: '@XaBot', zaloOaId: '42' }, '1.001193')).toEqual({
      web: 'https://troly.vn/?p=1.001193',
      telegram: 'https://t.me/XaBot?start=p_1_001193',
      zalo: 'https://zalo.me/42',
    });
    expect(buildPosterLinks({ publicUrl: 'https://troly.vn' }, '1.001193')).toEqual({ web: 'https://troly.vn/?p=1.001193' });
  });

  it('summarizes where, how many papers, fee and time', () => {
    expect(summarizeProcedure(procedure, { name: 'Xã An Bình', address: 'Số 1, xã An Bình' })).toEqual({
      where: 'Số 1, xã An Bình',
      documentsCount: 1,
      fee: '8.000 đồng',
      time: '1 ngày làm việc',
    });
  });

  it('renders printable A4 HTML with escaped text and one QR per link', async () => {
    const html = await renderPosterHtml({ procedure, commune: { name: 'Xã An Bình' }, links: { web: 'https://troly.vn/?p=x' } });
    expect(html).toContain('@page { size: A4');
    expect(html).toContain('Cấp bản sao Giấy khai sinh');
    expect(html).toContain('Mang theo &lt;căn cước&gt;.');
    expect(html.match(/<svg/g)).toHaveLength(1);
  });
});
