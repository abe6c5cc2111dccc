import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../../src/core/calendar.js';
import { inquiries } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { roundedWaitVi } from '../../../src/features/calendar/index.js';
import { forgetTypicalWaits, inquiriesModule, recentMedianWaitMinutes } from '../../../src/features/inquiries/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('during hours, "gặp cán bộ" says roughly how long staff usually take (issue 18, item 3)', () => {
  let h: HandlerHarness;
  const now = new Date('2026-07-16T09:00:00+07:00'); // Thursday, the counter open
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback, now: () => now });
  });
  afterAll(() => h.close());

  let seq = 0;
  /** An answered synthetic question: received at `at` (local time), answered `minutes` wall-clock minutes later. */
  async function answered(at: string, minutes: number, status = 'answered') {
    const createdAt = new Date(`${at}+07:00`);
    await h.db.insert(inquiries).values({
      communeId: h.commune.id,
      channel: 'web',
      chatId: `past-${++seq}`,
      userId: `past-${seq}`,
      question: 'Câu hỏi mẫu đã được trả lời',
      code: `HD-TEST${seq}`,
      status,
      createdAt,
      answeredAt: new Date(createdAt.getTime() + minutes * 60_000),
      answer: 'Trả lời mẫu',
    });
  }
  async function askText(chatId: string): Promise<string> {
    forgetTypicalWaits(h.commune);
    const [ask] = await h.send('gặp cán bộ', { chatId });
    return ask.text ?? '';
  }

  it('with fewer than five answers in the last 30 days: no estimate, today’s hours', async () => {
    await answered('2026-07-13T08:00:00', 120);
    await answered('2026-07-13T09:00:00', 120);
    await answered('2026-07-14T08:00:00', 100);
    await answered('2026-07-14T08:30:00', 130);
    await answered('2026-05-04T08:00:00', 60); // older than 30 days: not counted
    await answered('2026-07-15T08:00:00', 10, 'closed'); // closed without an answer: not counted
    const text = await askText('few');
    expect(text).toContain('Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến 17:00).');
    expect(text).not.toContain('Thường cán bộ');
  });

  it('with five or more: the median working time, rounded, in the ask and the confirmation', async () => {
    await answered('2026-07-15T14:00:00', 140);
    const text = await askText('enough');
    expect(text).toContain('Thường cán bộ trả lời trong khoảng 2 giờ làm việc (hôm nay làm việc đến 17:00).');
    expect(text).not.toContain('trong giờ làm việc hôm nay');
    const [done] = await h.send('Cho hỏi lịch làm việc của trạm y tế xã', { chatId: 'enough' });
    expect(done.text).toContain('Thường cán bộ trả lời trong khoảng 2 giờ làm việc');
  });

  it('counts working time only: an evening question answered at 8:00 next morning waited 30 minutes', async () => {
    await answered('2026-07-14T18:00:00', 14 * 60);
    const cal = createWorkCalendar();
    const at = new Date('2026-07-16T09:00:00+07:00');
    // 30, 100, 120, 120, 130, 140 working minutes: the median is 120 (a wall-clock median would be 125).
    expect(await recentMedianWaitMinutes(h.db, h.commune.id, cal, at)).toBe(120);
  });

  it('rounds as a person would say it', () => {
    expect([5, 20, 44, 52, 58, 61, 89, 91, 150, 449, 450, 1000].map((m) => roundedWaitVi(m))).toEqual([
      '15 phút',
      '15 phút',
      '45 phút',
      '45 phút',
      '1 giờ',
      '1 giờ',
      '1 giờ',
      '2 giờ',
      '3 giờ',
      '7 giờ',
      '1 ngày',
      '2 ngày',
    ]);
  });
});
