import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, inquiries } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { answerInquiry, inquiriesModule } from '../../../src/features/inquiries/index.js';
import { findInquiryCode } from '../../../src/features/inquiries/follow-up.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('a question left for staff: its progress by code and additions from the same chat', () => {
  let h: HandlerHarness;
  let now = new Date('2026-07-16T09:00:00+07:00'); // a Thursday morning, counter open
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback, now: () => now });
  });
  afterAll(() => h.close());

  async function ask(chatId: string, question: string): Promise<string> {
    await h.send('gặp cán bộ', { chatId });
    const [done] = await h.send(question, { chatId });
    const code = /Mã câu hỏi: (HD-[2-9A-HJ-NP-Z]{5})/.exec(done.text ?? '')?.[1];
    expect(code).toBeDefined();
    return code!;
  }
  const questionOf = async (code: string) => (await h.db.select().from(inquiries).where(eq(inquiries.code, code)))[0];

  it('finds a code in what residents type, and not inside other codes', () => {
    expect(findInquiryCode('câu hỏi hd-7k2q9 đến đâu rồi')).toBe('HD-7K2Q9');
    expect(findInquiryCode('HD7K2Q9')).toBe('HD-7K2Q9');
    expect(findInquiryCode('hồ sơ HD-26120-0001')).toBeUndefined();
    expect(findInquiryCode('XHD-7K2Q9')).toBeUndefined();
    expect(findInquiryCode('HD-7K2Q1')).toBeUndefined(); // 1 is not in the code alphabet
  });

  it('tells the asking chat where its question stands, audited, and the answer once staff gave one', async () => {
    const code = await ask('p1', 'Cho hỏi lịch tiêm chủng tháng này ở trạm y tế');
    const [waiting] = await h.send(`câu hỏi ${code.toLowerCase()} đến đâu rồi ạ`, { chatId: 'p1' });
    expect(waiting.text).toContain(`Câu hỏi ${code} (gửi lúc`);
    expect(waiting.text).toContain('đang chờ cán bộ trả lời');
    expect(waiting.text).toContain('Cán bộ sẽ trả lời trong giờ làm việc hôm nay');
    await answerInquiry(h.db, { communeId: h.commune.id, code, answer: 'Tiêm vào sáng thứ Bảy tuần này.', staff: 'staff:1' });
    const [answered] = await h.send(code, { chatId: 'p1' });
    expect(answered.text).toContain(`Câu hỏi ${code} đã được cán bộ trả lời`);
    expect(answered.text).toContain('Tiêm vào sáng thứ Bảy tuần này.');
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.subject, code));
    expect(audit.filter((a) => a.action === 'inquiry.status-disclosed')).toHaveLength(2);
  });

  it('tells another chat nothing about the question, not even that it exists', async () => {
    const code = await ask('p2', 'Hỏi về hỗ trợ sửa nhà cho hộ nghèo');
    const [other] = await h.send(`${code} đến đâu rồi`, { chatId: 'stranger' });
    expect(other.text).toContain(`Không tìm thấy câu hỏi ${code} trong cuộc trò chuyện này`);
    const [missing] = await h.send('HD-ZZZZZ đến đâu rồi', { chatId: 'stranger' });
    expect(missing.text?.replace('HD-ZZZZZ', code)).toBe(other.text);
    const [added] = await h.send(`bổ sung ${code} nhà tôi ở ấp 3`, { chatId: 'stranger' });
    expect(added.text).toContain('Không tìm thấy');
    expect((await questionOf(code)).question).toBe('Hỏi về hỗ trợ sửa nhà cho hộ nghèo');
  });

  it('adds to the only open question, with or without its code, audited; closed questions take no more', async () => {
    const code = await ask('p3', 'Xin hỏi thủ tục nhận trợ cấp tuất');
    now = new Date('2026-07-16T10:05:00+07:00');
    const [first] = await h.send('Bổ sung: bố tôi mất tháng 5/2026', { chatId: 'p3' });
    expect(first.text).toBe(`Đã bổ sung vào câu hỏi ${code}. Cán bộ sẽ xem cùng câu hỏi.`);
    const [second] = await h.send(`bổ sung ${code} số điện thoại nhà tôi vẫn như cũ`, { chatId: 'p3' });
    expect(second.text).toContain(`Đã bổ sung vào câu hỏi ${code}`);
    expect((await questionOf(code)).question).toBe(
      'Xin hỏi thủ tục nhận trợ cấp tuất\n\n[Bổ sung lúc 10:05 16/07/2026] bố tôi mất tháng 5/2026' +
        '\n\n[Bổ sung lúc 10:05 16/07/2026] số điện thoại nhà tôi vẫn như cũ',
    );
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.subject, code));
    expect(audit.filter((a) => a.action === 'inquiry.supplemented')).toHaveLength(2);

    await answerInquiry(h.db, { communeId: h.commune.id, code, answer: 'Mời ông mang giấy chứng tử.', staff: 'staff:1' });
    const [late] = await h.send(`bổ sung ${code} thêm một ý`, { chatId: 'p3' });
    expect(late.text).toContain('không bổ sung được nữa');
  });

  it('"bổ sung" alone asks for the text, then adds it', async () => {
    const code = await ask('p4', 'Hỏi về cấp lại thẻ bảo hiểm y tế bị mất');
    const [prompt] = await h.send('bổ sung', { chatId: 'p4' });
    expect(prompt.text).toContain(`nội dung cần bổ sung cho câu hỏi ${code}`);
    const [done] = await h.send('Thẻ của con tôi, sinh năm 2019', { chatId: 'p4' });
    expect(done.text).toContain(`Đã bổ sung vào câu hỏi ${code}`);
    expect((await questionOf(code)).question).toContain('] Thẻ của con tôi, sinh năm 2019');
    expect(h.stateOf('p4').flow).toBeNull();
  });

  it('asks for the code when several questions wait, and leaves "bổ sung" procedure questions alone', async () => {
    const a = await ask('p5', 'Câu hỏi thứ nhất về đất đai');
    const b = await ask('p5', 'Câu hỏi thứ hai về hộ khẩu');
    const [which] = await h.send('bổ sung thêm là nhà tôi ở ấp 2', { chatId: 'p5' });
    expect(which.text).toContain(`(${a}, ${b})`);
    const [proc] = await h.send('bổ sung hộ tịch cần giấy tờ gì', { chatId: 'p5' });
    expect(proc.text ?? '').not.toContain('Đã bổ sung');
    expect((await questionOf(a)).question).toBe('Câu hỏi thứ nhất về đất đai');
  });
});
