import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { addEnteredDay, setWeeklyHours } from '../../../src/features/calendar/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { DEFAULT_WEEKLY_HOURS } from '../../../src/core/calendar.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('"gặp cán bộ" says honestly when staff will answer (the commune calendar, the message time)', () => {
  let h: HandlerHarness;
  let now = new Date('2027-02-04T18:00:00+07:00');
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback, now: () => now });
  });
  afterAll(() => h.close());

  /** "gặp cán bộ" then the question: what the resident reads in both replies. */
  async function handOver(chatId: string): Promise<string> {
    const [ask] = await h.send('gặp cán bộ', { chatId });
    const [done] = await h.send('Tôi muốn hỏi về giấy xác nhận cư trú', { chatId });
    expect(done.text).toMatch(/Mã câu hỏi: HD-/);
    return `${ask.text}\n${done.text}`;
  }
  const timesAway = (text: string) => text.split('Hiện ngoài giờ làm việc').length - 1;

  it('names the Tết break and the day staff are back, on the evening before Tết', async () => {
    now = new Date('2027-02-04T18:00:00+07:00');
    const [ask] = await h.send('gặp cán bộ', { chatId: 't1' });
    expect(ask.text).toContain('Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 11/02).');
    const text = await handOver('t2');
    expect(text).toContain(
      'Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 11/02). Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 12/02/2027.',
    );
    expect(text).toContain('0237 000 000');
  });

  it('follows the days staff enter: an announced break ending on 09/02 moves the promise', async () => {
    for (const date of ['2027-02-10', '2027-02-11']) {
      await addEnteredDay(h.db, {
        communeId: h.commune.id,
        auditCommuneId: h.commune.id,
        date,
        kind: 'makeup_workday',
        name: 'Đi làm theo thông báo',
        actor: 'staff:1',
      });
    }
    now = new Date('2027-02-07T21:00:00+07:00');
    expect(await handOver('t3')).toContain(
      'Hiện ngoài giờ làm việc (nghỉ Tết Nguyên đán đến hết 09/02). Cán bộ sẽ trả lời từ 7:30 sáng thứ Tư 10/02/2027.',
    );
  });

  it('says staff answer during today’s hours while the counter is open', async () => {
    now = new Date('2026-07-16T09:00:00+07:00');
    const text = await handOver('t4');
    expect(text).toContain('Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến 17:00).');
    expect(text).not.toContain('ngoài giờ');
  });

  it('names the weekend, and Saturday morning once the commune opens then', async () => {
    now = new Date('2026-07-17T18:30:00+07:00');
    expect(await handOver('t5')).toContain(
      'Hiện ngoài giờ làm việc (nghỉ cuối tuần). Cán bộ sẽ trả lời từ 7:30 sáng thứ Hai 20/07/2026.',
    );
    await setWeeklyHours(h.db, {
      communeId: h.commune.id,
      weekly: DEFAULT_WEEKLY_HOURS.map((p, wd) => (wd === 6 ? [{ from: '07:30', to: '11:30' }] : p)),
      actor: 'staff:1',
    });
    expect(await handOver('t6')).toContain('Hiện ngoài giờ làm việc. Cán bộ sẽ trả lời từ 7:30 sáng thứ Bảy 18/07/2026.');
  });

  it('says the out-of-hours notice once per conversation per closed period, and again in the next one', async () => {
    now = new Date('2026-07-14T19:00:00+07:00'); // Tuesday evening
    const first = await handOver('once');
    expect(timesAway(first)).toBe(1);
    expect(first).toContain('Cán bộ sẽ trả lời từ 7:30 sáng thứ Tư 15/07/2026.');
    now = new Date('2026-07-14T22:00:00+07:00');
    const second = await handOver('once');
    expect(timesAway(second)).toBe(0);
    expect(second).toContain('Cán bộ sẽ trả lời từ 7:30 sáng thứ Tư 15/07/2026.');
    // A message the bot cannot answer in the same night gets no second notice either.
    const [notUnderstood] = await h.send('zzz qqq xyz', { chatId: 'once' });
    expect(notUnderstood.text).toContain('chưa hiểu');
    expect(timesAway(notUnderstood.text ?? '')).toBe(0);
    now = new Date('2026-07-15T18:00:00+07:00'); // the next evening: a new closed period
    expect(timesAway(await handOver('once'))).toBe(1);
  });

  it('adds the notice to a reply the bot could not give out of hours, once, and never during hours', async () => {
    now = new Date('2026-07-16T20:00:00+07:00');
    const [first] = await h.send('zzz qqq xyz', { chatId: 'fallback' });
    expect(first.text).toContain('chưa hiểu');
    expect(first.text).toContain('Hiện ngoài giờ làm việc. Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 17/07/2026.');
    const [again] = await h.send('qqq zzz', { chatId: 'fallback' });
    expect(timesAway(again.text ?? '')).toBe(0);
    now = new Date('2026-07-17T09:00:00+07:00');
    const [open] = await h.send('zzz qqq xyz', { chatId: 'fallback-open' });
    expect(open.text).toContain('chưa hiểu');
    expect(open.text).not.toContain('ngoài giờ');
  });
});
