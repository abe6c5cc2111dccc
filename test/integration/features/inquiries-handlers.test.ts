import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, inquiries } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule, listOpenInquiries } from '../../../src/features/inquiries/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('inquiries: "gặp cán bộ" in chat', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback });
  });
  afterAll(() => h.close());

  it('asks for the question, then queues it for staff with a code, audited', async () => {
    const [ask] = await h.send('Gặp cán bộ', { chatId: 'r1' });
    expect(ask.text).toContain('vui lòng nhập câu hỏi');
    expect(ask.buttons).toEqual([{ label: 'Hủy', action: 'inquiry:cancel' }]);
    expect(h.stateOf('r1').flow).toBe('inquiry:ask');

    const [done] = await h.send('Tôi muốn hỏi về trợ cấp cho người cao tuổi', { chatId: 'r1' });
    const code = /Mã câu hỏi: (HD-[2-9A-HJ-NP-Z]{5})\./.exec(done.text ?? '')?.[1];
    expect(code).toBeDefined();
    expect(done.text).toContain('cán bộ Xã Thử');
    expect(done.text).toContain('Thứ Hai – Thứ Sáu');
    expect(done.text).toContain('0237 000 000');
    expect(h.stateOf('r1').flow).toBeNull();

    const [row] = await h.db.select().from(inquiries).where(eq(inquiries.code, code!));
    expect(row).toMatchObject({
      communeId: h.commune.id,
      channel: 'telegram',
      chatId: 'r1',
      userId: 'r1',
      question: 'Tôi muốn hỏi về trợ cấp cho người cao tuổi',
      status: 'open',
    });
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.subject, code!));
    expect(audit).toMatchObject([{ action: 'inquiry.created', actor: 'resident:telegram:r1' }]);
  });

  it('keeps at most three open questions per chat, and pages the staff list so a flood cannot hide one (issue 19, item 3)', async () => {
    const codes: string[] = [];
    for (let i = 1; i <= 3; i++) {
      await h.send('gặp cán bộ', { chatId: 'flood' });
      const [done] = await h.send(`Câu hỏi số ${i} về chính sách`, { chatId: 'flood' });
      codes.push(/Mã câu hỏi: (HD-\w{5})/.exec(done.text ?? '')![1]);
    }
    await h.send('gặp cán bộ', { chatId: 'flood' });
    const [refused] = await h.send('Câu hỏi số 4 về chính sách', { chatId: 'flood' });
    expect(refused.text).toContain('đang có 3 câu hỏi chờ cán bộ trả lời');
    for (const c of codes) expect(refused.text).toContain(c);
    expect(h.stateOf('flood').flow).toBeNull();
    const mine = await h.db.select().from(inquiries).where(eq(inquiries.chatId, 'flood'));
    expect(mine).toHaveLength(3);

    const first = await listOpenInquiries(h.db, h.commune.id, { limit: 2 });
    expect(first.inquiries).toHaveLength(2);
    expect(first.next).toBeDefined();
    const second = await listOpenInquiries(h.db, h.commune.id, { limit: 2, before: first.next });
    const seen = [...first.inquiries, ...second.inquiries].map((r) => r.code);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 3).sort()).toEqual([...codes].sort());
  });

  it('understands the ways residents ask for a person', async () => {
    for (const phrase of ['gặp cán bộ', 'cho tôi gặp cán bộ xã', 'nhân viên', 'liên hệ cán bộ', 'nguoi that']) {
      const [reply] = await h.send(phrase, { chatId: 'r2' });
      expect(reply.text, phrase).toContain('vui lòng nhập câu hỏi');
    }
  });

  it('is reachable from the staff button, and cancelling leaves nothing queued', async () => {
    await h.send({ action: 'staff:contact' }, { chatId: 'r3' });
    expect(h.stateOf('r3').flow).toBe('inquiry:ask');
    const [cancelled] = await h.send({ action: 'inquiry:cancel' }, { chatId: 'r3' });
    expect(cancelled.text).toContain('Đã hủy');
    expect(h.stateOf('r3').flow).toBeNull();
    expect(await h.db.select().from(inquiries).where(eq(inquiries.chatId, 'r3'))).toEqual([]);
  });

  it('re-prompts for a too short question and for a message without text', async () => {
    await h.send('gặp cán bộ', { chatId: 'r4' });
    expect((await h.send('ạ', { chatId: 'r4' }))[0].text).toContain('hơi ngắn');
    expect((await h.send({ attachments: [{ kind: 'image' }] }, { chatId: 'r4' }))[0].text).toContain('bằng chữ');
    expect(h.stateOf('r4').flow).toBe('inquiry:ask');
    expect(await h.db.select().from(inquiries).where(eq(inquiries.chatId, 'r4'))).toEqual([]);
  });

  it('lets the menu interrupt the question', async () => {
    await h.send('gặp cán bộ', { chatId: 'r5' });
    const [menu] = await h.send('menu', { chatId: 'r5' });
    expect(menu.text).toContain('Trợ lý ảo của Xã Thử');
    expect(h.stateOf('r5').flow).toBeNull();
  });

  it('on a numbered channel a typed digit taps the button ("1" cancels)', async () => {
    await h.send('gặp cán bộ', { chatId: 'z1', channel: 'zalo' });
    expect(h.stateOf('z1', 'zalo').data.numberedActions).toEqual(['inquiry:cancel']);
    const [reply] = await h.send('1', { chatId: 'z1', channel: 'zalo' });
    expect(reply.text).toContain('Đã hủy');
  });
});
