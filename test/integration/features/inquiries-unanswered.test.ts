import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, inquiries } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

const SEND = 'Gửi câu hỏi này cho cán bộ';
const CODE = /Mã câu hỏi: (HD-[2-9A-HJ-NP-Z]{5})\./;

describe('a question the bot cannot answer joins the staff queue with one tap (issue 18, item 3)', () => {
  let h: HandlerHarness;
  let now = new Date('2026-07-16T09:00:00+07:00'); // Thursday, the counter open
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback, now: () => now });
  });
  afterAll(() => h.close());

  /** The synthetic question the bot does not understand, and the action of its "send to staff" button. */
  async function notUnderstood(text: string, chatId: string, channel: 'telegram' | 'zalo' = 'telegram') {
    const [reply] = await h.send(text, { chatId, channel });
    expect(reply.text).toContain('chưa hiểu');
    const button = reply.buttons?.find((b) => b.label === SEND);
    expect(button?.action).toMatch(/^inquiry:send-unanswered:[0-9a-f]{8}$/);
    return { reply, action: button!.action! };
  }
  const rowsOf = (chatId: string) => h.db.select().from(inquiries).where(eq(inquiries.chatId, chatId));

  it('queues that very text with a code, audited, and the text leaves the conversation state', async () => {
    const question = 'Nhà tôi ở thôn Thử Nghiệm bị mất nước ba ngày rồi thì báo ai ạ';
    const { reply, action } = await notUnderstood(question, 'u1');
    expect(reply.text).toContain(`chọn "${SEND}"`);
    expect(reply.buttons?.map((b) => b.action)).toEqual([action, 'staff:contact', 'menu:main']);
    expect(JSON.stringify(h.stateOf('u1').data)).toContain(question);

    const [done] = await h.send({ action }, { chatId: 'u1' });
    const code = CODE.exec(done.text ?? '')?.[1];
    expect(code).toBeDefined();
    expect(done.text).toContain('Tôi đã chuyển câu hỏi của anh/chị tới cán bộ Xã Thử');
    expect(done.text).toContain('Cán bộ sẽ trả lời trong giờ làm việc hôm nay (đến 17:00).');
    const rows = await rowsOf('u1');
    expect(rows).toMatchObject([{ code, question, status: 'open', channel: 'telegram', userId: 'u1' }]);
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.subject, code!));
    expect(audit).toMatchObject([{ action: 'inquiry.created', actor: 'resident:telegram:u1' }]);
    expect(JSON.stringify(h.stateOf('u1').data)).not.toContain(question);

    // A second tap (a double tap, or the same button later) does not queue it twice.
    const [again] = await h.send({ action }, { chatId: 'u1' });
    expect(again.text).toContain(`Câu hỏi này đã được chuyển tới cán bộ (mã ${code})`);
    expect(await rowsOf('u1')).toHaveLength(1);
  });

  it('refuses politely after 30 minutes, and drops the text', async () => {
    now = new Date('2026-07-16T09:00:00+07:00');
    const { action } = await notUnderstood('Xin hỏi lịch tiêm chủng mở rộng tháng này', 'u2');
    now = new Date('2026-07-16T09:31:00+07:00');
    const [late] = await h.send({ action }, { chatId: 'u2' });
    expect(late.text).toContain('Câu hỏi đó không còn được lưu');
    expect(late.buttons?.map((b) => b.action)).toEqual(['staff:contact', 'menu:main']);
    expect(await rowsOf('u2')).toHaveLength(0);
    expect(JSON.stringify(h.stateOf('u2').data)).not.toContain('tiêm chủng');
    now = new Date('2026-07-16T09:00:00+07:00');
  });

  it("an earlier question's button, once sent, still says where it went after a newer offer", async () => {
    now = new Date('2026-07-16T10:00:00+07:00');
    const first = await notUnderstood('Đường vào thôn Thử bị sạt một đoạn thì báo ai ạ', 'u7');
    const [done] = await h.send({ action: first.action }, { chatId: 'u7' });
    const code = CODE.exec(done.text ?? '')?.[1];
    expect(code).toBeDefined();
    await notUnderstood('Còn chuyện cây đổ chắn lối đi thì sao ạ', 'u7');
    const [old] = await h.send({ action: first.action }, { chatId: 'u7' });
    expect(old.text).toContain(`Câu hỏi này đã được chuyển tới cán bộ (mã ${code})`);
    expect(await rowsOf('u7')).toHaveLength(1);
  });

  it('an older button never sends a newer question; the newest one is sent', async () => {
    const older = await notUnderstood('Câu hỏi thứ nhất về đường làng', 'u3');
    const newer = await notUnderstood('Câu hỏi thứ hai về đèn chiếu sáng', 'u3');
    const [stale] = await h.send({ action: older.action }, { chatId: 'u3' });
    expect(stale.text).toContain('không còn được lưu');
    expect(await rowsOf('u3')).toHaveLength(0);
    await h.send({ action: newer.action }, { chatId: 'u3' });
    expect((await rowsOf('u3')).map((r) => r.question)).toEqual(['Câu hỏi thứ hai về đèn chiếu sáng']);
  });

  it('keeps the limit of three open questions per chat', async () => {
    for (let i = 1; i <= 3; i++) {
      const { action } = await notUnderstood(`Câu hỏi chưa rõ số ${i} của người dân`, 'u4');
      expect((await h.send({ action }, { chatId: 'u4' }))[0].text).toMatch(CODE);
    }
    const { action } = await notUnderstood('Câu hỏi chưa rõ số 4 của người dân', 'u4');
    const [refused] = await h.send({ action }, { chatId: 'u4' });
    expect(refused.text).toContain('đang có 3 câu hỏi chờ cán bộ trả lời');
    expect(await rowsOf('u4')).toHaveLength(3);
    expect(JSON.stringify(h.stateOf('u4').data)).not.toContain('số 4');
  });

  it('on a channel that numbers buttons, typing its number sends it', async () => {
    await notUnderstood('Cho hỏi khi nào họp tổ dân phố quý này', 'z1', 'zalo');
    const [done] = await h.send('1', { chatId: 'z1', channel: 'zalo' });
    expect(done.text).toMatch(CODE);
    expect((await rowsOf('z1')).map((r) => [r.channel, r.question])).toEqual([
      ['zalo', 'Cho hỏi khi nào họp tổ dân phố quý này'],
    ]);
  });

  it('out of hours, the notice is said once: under the "not understood", not again under the confirmation', async () => {
    now = new Date('2026-07-16T20:00:00+07:00');
    const { reply, action } = await notUnderstood('Câu hỏi buổi tối về lịch thu gom rác', 'u5');
    expect(reply.text).toContain('Hiện ngoài giờ làm việc. Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 17/07/2026.');
    const [done] = await h.send({ action }, { chatId: 'u5' });
    expect(done.text).toMatch(CODE);
    expect(done.text).not.toContain('Hiện ngoài giờ làm việc');
    expect(done.text).toContain('Cán bộ sẽ trả lời từ 7:30 sáng thứ Sáu 17/07/2026.');
    now = new Date('2026-07-16T09:00:00+07:00');
  });
});
