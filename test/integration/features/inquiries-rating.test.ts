import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../../src/channels/capabilities.js';
import type { ChannelName, Reply } from '../../../src/core/types.js';
import { auditLog, inquiries, outboundMessages } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { answerInquiry, inquiriesModule } from '../../../src/features/inquiries/index.js';
import { parseTypedRating, rateInquiry } from '../../../src/features/inquiries/rating.js';
import { closeInquiry } from '../../../src/features/inquiries/service.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('a resident rates the answer to a question left for staff', () => {
  let h: HandlerHarness;
  let now = new Date('2026-07-16T09:00:00+07:00'); // a Thursday morning, counter open
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback, now: () => now });
  });
  afterAll(() => h.close());

  async function ask(chatId: string, question: string, channel: ChannelName = 'telegram'): Promise<string> {
    await h.send('gặp cán bộ', { chatId, channel });
    const [done] = await h.send(question, { chatId, channel });
    const code = /Mã câu hỏi: (HD-[2-9A-HJ-NP-Z]{5})/.exec(done.text ?? '')?.[1];
    expect(code).toBeDefined();
    return code!;
  }
  async function answer(code: string, text = 'Mời anh/chị đến bộ phận một cửa vào sáng thứ Hai.') {
    const r = await answerInquiry(h.db, { communeId: h.commune.id, code, answer: text, staff: 'staff:1', capabilitiesOf });
    const rows = await h.db
      .select()
      .from(outboundMessages)
      .where(eq(outboundMessages.id, r!.outboxIds.at(-1)!));
    return rows[0].payload as unknown as Reply;
  }
  const row = async (code: string) => (await h.db.select().from(inquiries).where(eq(inquiries.code, code)))[0];
  const audits = async (code: string, action: string) =>
    (
      await h.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.subject, code), eq(auditLog.action, action)))
    ).length;

  it('reads a typed rating with or without code and comment, and nothing else', () => {
    expect(parseTypedRating('đánh giá 5')).toEqual({ stars: 5, comment: '', code: undefined });
    expect(parseTypedRating('Đánh giá HD-7K2Q9 4 cán bộ nhiệt tình')).toEqual({
      code: 'HD-7K2Q9',
      stars: 4,
      comment: 'cán bộ nhiệt tình',
    });
    expect(parseTypedRating('danh gia: 3 sao')).toEqual({ stars: 3, comment: '', code: undefined });
    expect(parseTypedRating('5 sao')).toEqual({ stars: 5, comment: '', code: undefined });
    expect(parseTypedRating('đánh giá 6')).toBeUndefined();
    expect(parseTypedRating('đánh giá hộ nghèo cần gì')).toBeUndefined();
    expect(parseTypedRating('5 người')).toBeUndefined();
    expect(parseTypedRating('đánh giá 45')).toBeUndefined();
    expect(parseTypedRating('đánh giá 4,5')).toBeUndefined();
  });

  it('on Telegram: buttons 1–5 with the answer, a tap stores the score, the comment step keeps a comment, once', async () => {
    const code = await ask('tg-1', 'Cho hỏi lịch tiếp công dân tháng này');
    const invite = await answer(code);
    expect(invite.text).toContain('Mời anh/chị đến bộ phận một cửa');
    expect(invite.text).toContain(`câu trả lời cho câu hỏi ${code}`);
    expect(invite.buttons?.map((b) => b.action)).toEqual([
      ...[1, 2, 3, 4, 5].map((n) => `inquiry:rate:${code}:${n}`),
      'staff:contact',
      'menu:main',
    ]);
    now = new Date('2026-07-16T10:00:00+07:00');
    const [rated] = await h.send({ action: `inquiry:rate:${code}:4` }, { chatId: 'tg-1' });
    expect(rated.text).toContain('Đã ghi nhận đánh giá 4/5 (hài lòng)');
    expect(rated.buttons?.[0]).toEqual({ label: 'Bỏ qua', action: 'inquiry:rating-skip' });
    const [thanks] = await h.send('Cán bộ trả lời rõ ràng, dễ hiểu', { chatId: 'tg-1' });
    expect(thanks.text).toBe('Đã ghi nhận góp ý của anh/chị. Xin cảm ơn!');
    const stored = await row(code);
    expect(stored).toMatchObject({ rating: 4, ratingComment: 'Cán bộ trả lời rõ ràng, dễ hiểu' });
    expect(stored.ratedAt?.toISOString()).toBe(now.toISOString());
    expect(await audits(code, 'inquiry.rated')).toBe(1);
    expect(await audits(code, 'inquiry.rating-commented')).toBe(1);

    const [again] = await h.send({ action: `inquiry:rate:${code}:1` }, { chatId: 'tg-1' });
    expect(again.text).toContain(`Anh/chị đã đánh giá câu trả lời cho câu hỏi ${code} (4/5) rồi`);
    expect((await row(code)).rating).toBe(4);
    expect(h.stateOf('tg-1').flow).toBeNull();
  });

  it('on Zalo OA (buttons as a numbered list): the scores are written out, "đánh giá 5 …" stores score and comment', async () => {
    const code = await ask('zl-1', 'Xin hỏi hồ sơ xin giấy phép xây dựng cần gì', 'zalo');
    const invite = await answer(code);
    expect(invite.buttons?.map((b) => b.action)).toEqual(['staff:contact', 'menu:main']);
    expect(invite.text).toContain('1 – rất không hài lòng');
    expect(invite.text).toContain('5 – rất hài lòng');
    expect(invite.text).toContain('"đánh giá 5"');
    const [rated] = await h.send('Đánh giá 5 cảm ơn cán bộ nhiều', { chatId: 'zl-1', channel: 'zalo' });
    expect(rated.text).toContain('Đã ghi nhận đánh giá 5/5 (rất hài lòng) và góp ý');
    expect(await row(code)).toMatchObject({ rating: 5, ratingComment: 'cảm ơn cán bộ nhiều' });
    expect(h.stateOf('zl-1', 'zalo').flow).toBeNull();
  });

  it('refuses a rating from another chat (button or typed) exactly as an unknown code, and changes nothing', async () => {
    const code = await ask('owner', 'Hỏi về trợ cấp cho người cao tuổi');
    await answer(code);
    const [tapped] = await h.send({ action: `inquiry:rate:${code}:1` }, { chatId: 'intruder' });
    expect(tapped.text).toContain(`Không tìm thấy câu hỏi ${code} trong cuộc trò chuyện này`);
    const [typed] = await h.send(`đánh giá ${code} 1`, { chatId: 'intruder' });
    expect(typed.text).toBe(tapped.text);
    const [unknown] = await h.send('đánh giá HD-ZZZZZ 1', { chatId: 'intruder' });
    expect(unknown.text?.replace('HD-ZZZZZ', code)).toBe(tapped.text);
    const [otherChannel] = await h.send({ action: `inquiry:rate:${code}:1` }, { chatId: 'owner', channel: 'zalo' });
    expect(otherChannel.text).toContain('Không tìm thấy');
    const [nothing] = await h.send('đánh giá 2', { chatId: 'intruder' });
    expect(nothing.text).toContain('chưa có câu hỏi nào được cán bộ trả lời');
    expect((await row(code)).rating).toBeNull();
    expect(await audits(code, 'inquiry.rated')).toBe(0);
  });

  it('stores one rating when two arrive at the same time', async () => {
    const code = await ask('race', 'Hỏi về giờ tiếp nhận hồ sơ đất đai');
    await answer(code);
    const asker = { communeId: h.commune.id, channel: 'telegram', chatId: 'race', userId: 'race', code, now };
    const results = await Promise.all([rateInquiry(h.db, { ...asker, stars: 2 }), rateInquiry(h.db, { ...asker, stars: 5 })]);
    expect(results.map((r) => r.kind).sort()).toEqual(['already', 'rated']);
    const winner = results.find((r) => r.kind === 'rated') as { stars: number };
    expect((await row(code)).rating).toBe(winner.stars);
    expect(await audits(code, 'inquiry.rated')).toBe(1);
  });

  it('refuses a question still waiting, and one closed without an answer, politely', async () => {
    const waiting = await ask('w-1', 'Cho hỏi khi nào có kết quả xét hộ cận nghèo');
    const [early] = await h.send({ action: `inquiry:rate:${waiting}:5` }, { chatId: 'w-1' });
    expect(early.text).toBe(
      `Câu hỏi ${waiting} đang chờ cán bộ trả lời nên chưa đánh giá được. Khi có câu trả lời, anh/chị đánh giá giúp xã nhé.`,
    );
    await closeInquiry(h.db, { communeId: h.commune.id, code: waiting, actor: 'staff:1' });
    const [closed] = await h.send(`đánh giá ${waiting} 5`, { chatId: 'w-1' });
    expect(closed.text).toContain(`Câu hỏi ${waiting} đã được cán bộ đóng mà không gửi câu trả lời`);
    expect((await row(waiting)).rating).toBeNull();
  });

  it('the comment step: "hủy" ends it without a comment, "gặp cán bộ" stays reachable, it expires after 30 minutes', async () => {
    now = new Date('2026-07-16T09:00:00+07:00');
    const a = await ask('c-1', 'Hỏi về đăng ký tạm trú cho sinh viên');
    await answer(a);
    await h.send({ action: `inquiry:rate:${a}:3` }, { chatId: 'c-1' });
    const [cancelled] = await h.send('hủy', { chatId: 'c-1' });
    expect(cancelled.text).toContain('Cảm ơn anh/chị đã đánh giá');
    expect((await row(a)).ratingComment).toBeNull();

    const b = await ask('c-2', 'Hỏi về cấp đổi giấy chứng nhận quyền sử dụng đất');
    await answer(b);
    await h.send('đánh giá 2', { chatId: 'c-2' });
    const [staff] = await h.send('gặp cán bộ', { chatId: 'c-2' });
    expect(staff.text).toContain('nhập câu hỏi');
    expect((await row(b)).ratingComment).toBeNull();

    // A new question at the comment step is answered as one, not kept as a comment.
    const d = await ask('c-4', 'Hỏi về hỗ trợ học phí cho con hộ nghèo');
    await answer(d);
    await h.send({ action: `inquiry:rate:${d}:4` }, { chatId: 'c-4' });
    const [menu] = await h.send('Cho hỏi thủ tục đăng ký kết hôn cần giấy tờ gì', { chatId: 'c-4' });
    expect(menu.text).not.toContain('góp ý');
    expect((await row(d)).ratingComment).toBeNull();
    expect(h.stateOf('c-4').flow).toBeNull();

    const c = await ask('c-3', 'Hỏi về lịch thu gom rác của thôn');
    await answer(c);
    await h.send({ action: `inquiry:rate:${c}:1` }, { chatId: 'c-3' });
    now = new Date(now.getTime() + 31 * 60_000);
    await h.send('cảm ơn', { chatId: 'c-3' });
    expect((await row(c)).ratingComment).toBeNull();
    expect(h.stateOf('c-3').flow).toBeNull();
  });
});
