import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vi as strings } from '../../../src/core/messages.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

const MENU_BUTTONS = [
  { label: 'Hỏi thủ tục', action: 'menu:procedures' },
  { label: 'Tra cứu hồ sơ', action: 'menu:dossier' },
  { label: 'Giờ làm việc, địa chỉ', action: 'menu:contact' },
  { label: 'Phản ánh, kiến nghị', action: 'report:start' },
  { label: 'Gặp cán bộ', action: 'staff:contact' },
];

describe('assistant: menu, greetings, office contact and what nobody claimed', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule], fallback });
  });
  afterAll(() => h.close());

  it.each(['menu', 'Xin chào', 'chào bạn', 'alo', 'Trợ giúp', 'về menu'])('"%s" shows the main menu', async (text) => {
    const replies = await h.send(text, { chatId: `m-${text}` });
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toContain('Tôi là Trợ lý ảo của Xã Thử');
    expect(replies[0].buttons).toEqual(MENU_BUTTONS);
  });

  it('/start shows the menu, but a deep link belongs to its feature', async () => {
    expect((await h.send('/start'))[0].buttons).toEqual(MENU_BUTTONS);
    // Nobody here owns the parameter: the fallback answers.
    expect((await h.send('/start proc_1.001193'))[0].text).toContain('chưa hiểu');
  });

  it('the menu leaves a flow ("gặp cán bộ" was waiting for a question)', async () => {
    await h.send('gặp cán bộ', { chatId: 'flow' });
    expect(h.stateOf('flow').flow).toBe('inquiry:ask');
    await h.send({ action: 'menu:main' }, { chatId: 'flow' });
    expect(h.stateOf('flow').flow).toBeNull();
  });

  it('office hours and address come from the commune', async () => {
    for (const input of [
      'giờ làm việc',
      'xã ở đâu',
      'Cho hỏi UBND phường nằm ở đâu ạ?',
      'mấy giờ phường mở cửa vậy',
      'Thứ 7 bộ phận một cửa có làm việc không',
      'cho hỏi địa chỉ',
      'Cho xin số điện thoại với ạ',
      'hotline là gì',
      'địa chỉ nộp hồ sơ',
      'UBND xã Hòa Phú ở đâu',
      'lịch làm việc của xã',
      'thứ bảy ngoài giờ xã có làm việc không',
      { action: 'menu:contact' },
    ] as const) {
      const [reply] = await h.send(input, { chatId: 'contact' });
      expect(reply.text).toBe(
        'Xã Thử, Tỉnh Thử\n' +
          '• Nơi tiếp nhận hồ sơ: Trung tâm Phục vụ hành chính công xã Thử\n' +
          '• Giờ làm việc: Thứ Hai – Thứ Sáu, 7:30–11:30 và 13:30–17:00\n' +
          '• Điện thoại: 0237 000 000',
      );
    }
  });

  it('thanks, "ok" and goodbye get a short polite answer, not "chưa hiểu" (issue 18, item 4)', async () => {
    const [thanks] = await h.send('cảm ơn nhiều ạ 🙏', { chatId: 'small' });
    expect(thanks.text).toMatch(/^Dạ, không có gì ạ/);
    const [ok] = await h.send('👍', { chatId: 'small' });
    expect(ok.text).toMatch(/^Dạ vâng ạ/);
    const [bye] = await h.send('tạm biệt nha', { chatId: 'small' });
    expect(bye.text).toMatch(/Chúc anh\/chị một ngày tốt lành/);
    // Inside a flow, the flow reads the message, not the small talk.
    await h.send('gặp cán bộ', { chatId: 'small-flow' });
    const [inFlow] = await h.send('ok', { chatId: 'small-flow' });
    expect(inFlow.text).not.toMatch(/^Dạ vâng ạ/);
  });

  it.each([
    'đăng ký khai sinh ở đâu',
    'thi bằng lái xe máy ở đâu',
    'thừa kế nhà đất có đóng thuế không? còn đăng ký sang tên ở đâu vậy',
    'đổi địa chỉ quán trên giấy đăng ký hộ kinh doanh',
    'Giấy chứng nhận HTX ghi sai địa chỉ trụ sở, muốn sửa lại',
    'xe buýt số 5 mấy giờ chạy',
    'Khai sinh cho con ghi địa chỉ xã nào, xã cũ hay xã mới',
    'đăng ký tài khoản định danh bằng số điện thoại, xã có hỗ trợ không',
    'con sinh lúc mấy giờ có cần ghi vào tờ khai theo nghị định không',
    'khai sinh cho con ngoài giờ làm việc được không',
    'Chi cục thuế khu vực mở cửa mấy giờ, ở đường nào vậy',
  ])('"%s" is not a question about the office', async (text) => {
    const [reply] = await h.send(text, { chatId: `where-${text}` });
    expect(reply.text).not.toContain('Nơi tiếp nhận hồ sơ');
  });

  it('"nộp ở đâu" is a procedure question, not the office contact', async () => {
    const [reply] = await h.send('làm thủ tục nộp ở đâu', { chatId: 'where' });
    expect(reply.text).toContain('chưa hiểu');
  });

  it('the fallback: follow gets the menu, unfollow nothing, stale buttons and lone files an explanation', async () => {
    expect((await h.send({ event: 'follow' }, { chatId: 'f' }))[0].buttons).toEqual(MENU_BUTTONS);
    expect(await h.send({ event: 'unfollow' }, { chatId: 'f' })).toEqual([]);
    expect((await h.send({ action: 'gone:away' }, { chatId: 'f' }))[0].text).toBe(strings.unknownAction);
    expect((await h.send({ attachments: [{ kind: 'image' }] }, { chatId: 'f' }))[0].text).toBe(strings.unsupportedMedia);
    const [unknown] = await h.send('con mèo của tôi', { chatId: 'f' });
    expect(unknown.buttons?.map((b) => b.label)).toEqual(['Gửi câu hỏi này cho cán bộ', 'Gặp cán bộ', 'Danh mục chính']);
    // Too short to be a question for staff: only the way to staff.
    const [short] = await h.send('zz', { chatId: 'f' });
    expect(short.buttons?.map((b) => b.action)).toEqual(['staff:contact', 'menu:main']);
  });
});
