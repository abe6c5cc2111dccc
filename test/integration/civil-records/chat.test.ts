import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { ChannelName, Reply } from '../../../src/core/types.js';
import { auditLog, civilRecordRequests } from '../../../src/db/schema/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { civilRecordsModule, DEMO_RECORD_ROWS } from '../../../src/features/civil-records/index.js';
import { importRecordFile } from '../../../src/features/civil-records/import.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

const text = (replies: Reply[]) => replies.map((r) => r.text).join('\n');
const labels = (replies: Reply[]) => (replies.at(-1)?.buttons ?? []).map((b) => b.label);
const pick = (value: string) => ({ action: `civil:pick:${value}` });

describe('civil-record copies in the chat', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [inquiriesModule, civilRecordsModule], deps: {} as never });
    await importRecordFile(h.db, h.commune.id, JSON.stringify(DEMO_RECORD_ROWS), 'json');
  });
  afterAll(() => h.close());

  /** A whole request, step by step; returns every reply. */
  async function fill(chatId: string, o: { name?: string; date?: string; channel?: ChannelName } = {}) {
    const send = (input: Parameters<HandlerHarness['send']>[0]) => h.send(input, { chatId, channel: o.channel ?? 'telegram' });
    const out: Reply[][] = [];
    out.push(await send('xin bản sao giấy khai sinh'));
    out.push(await send(o.name ?? 'Nguyễn Văn Thử'));
    out.push(await send(o.date ?? '02/03/2020'));
    out.push(await send(pick('none')));
    out.push(await send(pick('guardian')));
    out.push(await send('0012 2000 0999'));
    out.push(o.channel === 'web' ? await send('0912 345 678') : await send({ contact: { phone: '0912345678', verified: true } }));
    out.push(await send(pick('2')));
    out.push(await send(pick('chat')));
    out.push(await send(pick('yes')));
    out.push(await send(pick('yes')));
    return out;
  }

  it('takes a request from the words to a BS- code, with the shared contact as a verified phone', async () => {
    const r = await fill('c-full');
    expect(r[0][0].text).toContain('bản sao trích lục khai sinh');
    expect(r[0][0].text).toContain('họ và tên');
    expect(r[2][0].text).toContain('số đăng ký');
    expect(labels(r[4])).toContain('Hủy yêu cầu');
    // The phone question asks the platform for the resident's own number.
    expect(r[5][0].requestContact).toBe(true);
    expect(r[8][0].text).toContain('Lệ phí: 8.000 đồng × 2 bản = 16.000 đồng');
    expect(r[8][0].text).toContain('91/2025/QH15');
    expect(labels(r[8])).toEqual(['Tôi đồng ý', 'Không đồng ý']);
    const summary = r[9][0].text;
    expect(summary).toContain('Nguyễn Văn Thử, ngày sinh 02/03/2020');
    expect(summary).toContain('0012******99');
    expect(summary).toContain('(đã xác minh qua nền tảng nhắn tin)');
    const done = r[10][0].text;
    const code = /BS-[A-Z0-9]{6}/.exec(done)![0];
    expect(done).toContain(`yêu cầu ${code} đến đâu rồi`);
    const [row] = await h.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(row).toMatchObject({
      status: 'pending',
      kind: 'birth',
      subjectName: 'Nguyễn Văn Thử',
      subjectDate: '2020-03-02',
      registerNumber: null,
      relationship: 'guardian',
      requesterIdNumber: '001220000999',
      phone: '0912345678',
      phoneVerified: true,
      copies: 2,
      deliveryMode: 'chat',
      feeAmount: 16_000,
      channel: 'telegram',
      chatId: 'c-full',
    });
    expect(row.consentAt).toBeInstanceOf(Date);
    const audit = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'civil-request.created'), eq(auditLog.subject, code)));
    expect(audit).toHaveLength(1);
    // Nothing of the flow is left in the conversation state (the CCCD was kept there only while asking).
    expect(h.stateOf('c-full').flow).toBeNull();
    expect(JSON.stringify(h.stateOf('c-full').data)).not.toContain('001220000999');
  });

  it('says the same whether the register holds the record or not', async () => {
    const known = await fill('c-known', { name: 'Nguyễn Văn Thử', date: '02/03/2020' });
    const unknown = await fill('c-unknown', { name: 'Trần Văn Không Có', date: '01/01/2001' });
    const strip = (rs: Reply[][]) =>
      rs.map((r) =>
        text(r)
          .replace(/BS-[A-Z0-9]{6}/g, 'BS-?')
          .replace(/Nguyễn Văn Thử|Trần Văn Không Có/g, 'X')
          .replace(/02\/03\/2020|01\/01\/2001/g, 'D'),
      );
    expect(strip(unknown)).toEqual(strip(known));
  });

  it.each([
    ['trích lục kết hôn', 'name', 'đã đăng ký kết hôn'],
    ['xin bản sao trích lục khai tử của bố tôi', 'name', 'người đã mất'],
    ['bản sao trích lục', 'kind', 'bản sao loại nào'],
    ['cho tôi xin ban sao giay khai sinh', 'name', 'người được khai sinh'],
  ])('"%s" opens the request at the %s step', async (words, _step, expected) => {
    const replies = await h.send(words, { chatId: `w-${words}` });
    expect(replies[0].text).toContain(expected);
    expect(h.stateOf(`w-${words}`).flow).toBe('civil:request');
  });

  it('leaves a question about the procedure itself to the procedures feature', async () => {
    expect(await h.send('bản sao trích lục khai sinh cần giấy tờ gì', { chatId: 'q' })).toEqual([]);
    expect(h.stateOf('q').flow).toBeNull();
  });

  it('starts from the button of the 2.000635 answer and takes the kind by button or words', async () => {
    const first = await h.send({ action: 'civil:start' }, { chatId: 'btn' });
    expect(labels(first)).toEqual(['Khai sinh', 'Kết hôn', 'Khai tử', 'Hủy yêu cầu']);
    expect((await h.send('ờ cái khai tử', { chatId: 'btn' }))[0].text).toContain('người đã mất');
  });

  it('re-prompts politely on each wrong answer and keeps the step', async () => {
    const c = { chatId: 'retry' };
    await h.send('xin bản sao giấy khai sinh', c);
    expect((await h.send('An', c))[0].text).toContain('họ và tên đầy đủ');
    expect((await h.send('Nguyễn 123', c))[0].text).toContain('họ và tên đầy đủ');
    await h.send('Nguyễn Văn Thử', c);
    expect((await h.send('31/02/2020', c))[0].text).toContain('Tôi chưa đọc được ngày sinh');
    expect((await h.send('01/01/2099', c))[0].text).toContain('Tôi chưa đọc được ngày sinh');
    await h.send('02/03/2020', c);
    await h.send('101', c);
    expect((await h.send('Chính tôi', c))[0].text).toContain('số căn cước');
    expect((await h.send('00122000010', c))[0].text).toBe(
      'Số căn cước gồm đúng 12 chữ số. Anh/chị vui lòng kiểm tra và nhập lại.',
    );
    expect((await h.send('003220000101', c))[0].text).toContain('mã tỉnh hoặc năm sinh');
    await h.send('001220000101', c);
    // A contact that is not the sender's own (forwarded, address book) proves nothing.
    expect((await h.send({ contact: { phone: '0912345678', verified: false } }, c))[0].text).toContain('chính tài khoản');
    expect((await h.send('12345', c))[0].text).toContain('Số điện thoại chưa đúng');
    await h.send('0912345678', c);
    expect((await h.send('50', c))[0].text).toContain('từ 1 đến 10');
    await h.send('1', c);
    // By post: the address is asked, and must look like one.
    expect((await h.send(pick('post'), c))[0].text).toContain('địa chỉ nhận');
    expect((await h.send('nhà', c))[0].text).toContain('ghi đầy đủ địa chỉ');
    const consent = await h.send('Số 1 thôn Thử, xã Thử Nghiệm, tỉnh Thử', c);
    expect(consent[0].text).toContain('(chưa gồm cước bưu chính)');
    expect((await h.send('để tôi nghĩ đã', c))[0].text).toContain('Im lặng không được coi là đồng ý');
    const summary = await h.send('đồng ý', c);
    expect(summary[0].text).toContain('• Số đăng ký: 101');
    expect(summary[0].text).toContain('Số 1 thôn Thử, xã Thử Nghiệm, tỉnh Thử');
    expect(summary[0].text).not.toContain('đã xác minh');
    // "Sửa lại từ đầu" asks everything again.
    expect(labels(await h.send(pick('edit'), c))).toEqual(['Khai sinh', 'Kết hôn', 'Khai tử', 'Hủy yêu cầu']);
  });

  it('refuses "chính tôi" for a death record', async () => {
    const c = { chatId: 'self-death' };
    await h.send('trích lục khai tử', c);
    await h.send('Vũ Văn Thử Nghiệm', c);
    await h.send('10/05/2024', c);
    await h.send(pick('none'), c);
    expect((await h.send(pick('self'), c))[0].text).toContain('không thể là của chính người yêu cầu');
  });

  it('cancels at any step, by word or button, storing nothing', async () => {
    const before = (await h.db.select().from(civilRecordRequests)).length;
    await h.send('xin bản sao giấy khai sinh', { chatId: 'cx' });
    await h.send('Nguyễn Văn Thử', { chatId: 'cx' });
    expect((await h.send('hủy', { chatId: 'cx' }))[0].text).toContain('Đã hủy yêu cầu cấp bản sao');
    expect(h.stateOf('cx').flow).toBeNull();
    await h.send('trích lục kết hôn', { chatId: 'cy' });
    expect((await h.send({ action: 'civil:cancel' }, { chatId: 'cy' }))[0].text).toContain('Đã hủy');
    expect(h.stateOf('cy').flow).toBeNull();
    expect((await h.db.select().from(civilRecordRequests)).length).toBe(before);
  });

  it('stores nothing without consent', async () => {
    const before = (await h.db.select().from(civilRecordRequests)).length;
    const c = { chatId: 'no-consent' };
    for (const m of [
      'xin bản sao giấy khai sinh',
      'Nguyễn Văn Thử',
      '02/03/2020',
      'không nhớ',
      'chính tôi',
      '001220000101',
      '0912345678',
      '1',
    ])
      await h.send(m, c);
    await h.send(pick('counter'), c);
    const refused = await h.send(pick('no'), c);
    expect(refused[0].text).toContain('không lưu thông tin');
    expect(h.stateOf('no-consent').flow).toBeNull();
    expect((await h.db.select().from(civilRecordRequests)).length).toBe(before);
  });

  it('keeps "gặp cán bộ" reachable in the middle of a request', async () => {
    await h.send('xin bản sao giấy khai sinh', { chatId: 'staff' });
    const r = await h.send('gặp cán bộ', { chatId: 'staff' });
    expect(r[0].text).toContain('nhập câu hỏi');
    expect(h.stateOf('staff').flow).toBe('inquiry:ask');
  });

  it('on the web chat asks for a typed phone, marked unverified', async () => {
    const r = await fill('web-session-1', { channel: 'web' });
    expect(r[5][0].requestContact).toBeUndefined();
    const code = /BS-[A-Z0-9]{6}/.exec(text(r[10]))![0];
    const [row] = await h.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(row.phoneVerified).toBe(false);
    expect(row.channel).toBe('web');
  });

  it('answers "yêu cầu BS-… đến đâu rồi" only to the chat that asked, and the same for any other code', async () => {
    const r = await fill('owner');
    const code = /BS-[A-Z0-9]{6}/.exec(text(r[10]))![0];
    const mine = await h.send(`yêu cầu ${code.toLowerCase()} đến đâu rồi`, { chatId: 'owner' });
    expect(mine[0].text).toContain(`Yêu cầu ${code} (trích lục khai sinh, 2 bản) đang chờ cán bộ`);
    const other = await h.send(`yêu cầu ${code} đến đâu rồi`, { chatId: 'stranger' });
    const made = await h.send('yêu cầu BS-ZZZZZZ đến đâu rồi', { chatId: 'stranger-2' });
    expect(other[0].text.replace(code, 'BS-?')).toBe(made[0].text.replace('BS-ZZZZZZ', 'BS-?'));
    expect(other[0].text).not.toContain('Nguyễn');
    // The same code from the owner's account on another channel is another chat too.
    expect((await h.send(`${code}`, { chatId: 'owner', channel: 'zalo' }))[0].text).toContain('Không tìm thấy');
  });

  it('lets the chat that made a request withdraw it while staff have not decided, and nobody else', async () => {
    const r = await fill('withdraw');
    const code = /BS-[A-Z0-9]{6}/.exec(text(r[10]))![0];
    const stranger = await h.send(`hủy yêu cầu ${code}`, { chatId: 'withdraw-stranger' });
    expect(stranger[0].text).toContain('Không tìm thấy');
    expect((await h.send(`hủy yêu cầu ${code}`, { chatId: 'withdraw' }))[0].text).toBe(
      `Đã hủy yêu cầu ${code}. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.`,
    );
    const [row] = await h.db.select().from(civilRecordRequests).where(eq(civilRecordRequests.code, code));
    expect(row.status).toBe('cancelled');
    expect((await h.send(`hủy yêu cầu ${code}`, { chatId: 'withdraw' }))[0].text).toContain('đã được hủy trước đó');
    expect((await h.send(`yêu cầu ${code} đến đâu rồi`, { chatId: 'withdraw' }))[0].text).toContain('đã được hủy');
  });

  it('stops a chat that keeps trying codes', async () => {
    const c = { chatId: 'guesser' };
    for (let i = 0; i < 5; i++) expect((await h.send(`BS-AAAAA${i + 2}`, c))[0].text).toContain('Không tìm thấy');
    const locked = await h.send('BS-AAAAA9', c);
    expect(locked[0].text).toContain('tra cứu mã yêu cầu không đúng nhiều lần');
  });
});
