import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { isReportPhrase, reportsModule } from '../../../src/features/reports/index.js';
import { auditLog, noticeHamlets, reports } from '../../../src/db/schema/index.js';
import { hamletNames, listReports, OPEN_REPORTS_PER_CHAT } from '../../../src/features/reports/service.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

const PHOTO = { kind: 'image' as const, fileId: 'AgACAgUAAxkBAAIC-synthetic-photo-1' };
const LOCATION = { kind: 'location' as const, latitude: 10.776889, longitude: 106.700806 };

describe('what starts a report and what is left to the procedures', () => {
  it.each([
    'phản ánh',
    'Kiến nghị',
    'báo hỏng đèn đường',
    'den duong truoc nha bi hong',
    'ngập nước',
    'rác',
    'xóm tôi rác thải đổ bừa bãi',
    'đường bị ổ gà',
    'hàng xóm hát karaoke ồn quá',
    'Xe rác 3 ngày nay không tới lấy rác, hôi quá',
    'Đường vào xóm tôi ổ gà nhiều quá, bao giờ xã sửa',
    'Nhà bên cạnh hát karaoke tới 12h đêm ồn quá, phản ánh với ai',
  ])('"%s" starts a report', (text) => expect(isReportPhrase(text)).toBe(true));

  it.each([
    'thủ tục phản ánh kiến nghị như thế nào',
    'xin giấy phép karaoke cần gì',
    'đăng ký khai sinh cần giấy tờ gì',
    'giấy phép thu gom rác thải',
    'phản ánh PA-7K2Q9X đến đâu rồi',
    'xin chào',
    'hai nhóm thanh niên đánh nhau',
    'Ghe bị đụng chìm trên sông, cần xã xác nhận trình báo sự cố',
    'Lịch tiếp công dân của chủ tịch xã là ngày nào, tôi muốn gặp trực tiếp phản ánh vụ đường xuống cấp',
    'Hôm nay mưa to quá, đường vô xóm có ngập không em?',
  ])('"%s" does not', (text) => expect(isReportPhrase(text)).toBe(false));
});

describe('a report in the chat: category, description, location, photos, confirmation, code', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule, reportsModule], fallback });
  });
  afterAll(() => h.close());

  const reportsOf = (chatId: string) =>
    h.db
      .select()
      .from(reports)
      .where(and(eq(reports.communeId, h.commune.id), eq(reports.chatId, chatId)));

  it('goes from "phản ánh" to a PA- code with a shared location and two photos, audited', async () => {
    const [ask] = await h.send('phản ánh', { chatId: 'r1' });
    expect(ask.text).toContain('phản ánh về việc gì');
    expect(ask.buttons?.map((b) => b.label)).toEqual([
      'Đèn đường',
      'Ngập nước',
      'Rác thải',
      'Đường hư hỏng',
      'Tiếng ồn',
      'Trật tự',
      'Khác',
      'Hủy phản ánh',
    ]);
    const [desc] = await h.send({ action: ask.buttons![0].action }, { chatId: 'r1' });
    expect(desc.text).toContain('mô tả ngắn gọn sự việc (đèn đường)');
    expect((await h.send('hỏng', { chatId: 'r1' }))[0].text).toContain('mô tả rõ hơn');
    const [where] = await h.send('Đèn đường trước nhà văn hóa ấp 3 tắt đã ba đêm', { chatId: 'r1' });
    expect(where.text).toContain('Sự việc ở đâu');
    const [photos] = await h.send({ attachments: [LOCATION] }, { chatId: 'r1' });
    expect(photos.text).toContain('gửi ảnh sự việc');
    expect((await h.send({ attachments: [PHOTO] }, { chatId: 'r1' }))[0].text).toContain('Đã nhận 1 ảnh');
    expect((await h.send({ attachments: [{ kind: 'image', fileId: 'photo-2' }] }, { chatId: 'r1' }))[0].text).toContain(
      'Đã nhận 2 ảnh',
    );
    const [confirm] = await h.send('xong', { chatId: 'r1' });
    expect(confirm.text).toContain('• Loại: Đèn đường');
    expect(confirm.text).toContain('• Địa điểm: vị trí đã chia sẻ (10.77689, 106.70081)');
    expect(confirm.text).toContain('• Ảnh: 2 ảnh');
    const [done] = await h.send({ action: confirm.buttons![0].action }, { chatId: 'r1' });
    const code = /PA-[A-Z0-9]{6}/.exec(done.text)![0];
    expect(done.text).toContain('Mã phản ánh của anh/chị');

    const [row] = await reportsOf('r1');
    expect(row).toMatchObject({
      code,
      category: 'streetlight',
      status: 'received',
      latitude: 10.776889,
      longitude: 106.700806,
      address: null,
      photos: [
        { channel: 'telegram', fileId: PHOTO.fileId },
        { channel: 'telegram', fileId: 'photo-2' },
      ],
    });
    const audit = await h.db.select().from(auditLog).where(eq(auditLog.subject, code));
    expect(audit.map((a) => a.action)).toEqual(['report.created']);
    // The audit entry holds no description, address or coordinates.
    expect(JSON.stringify(audit[0].details)).not.toMatch(/nhà văn hóa|10\.77/);
    expect(h.stateOf('r1').flow).toBeNull();
  });

  it('takes the category from the first message, a typed address, and no photos', async () => {
    const [desc] = await h.send('báo ngập nước', { chatId: 'r2' });
    expect(desc.text).toContain('ngập nước');
    await h.send('Mưa to là nước ngập tới đầu gối cả con hẻm', { chatId: 'r2' });
    await h.send('Hẻm 12 đường Lê Lợi, ấp Bình An', { chatId: 'r2' });
    const [confirm] = await h.send('không có ảnh', { chatId: 'r2' });
    expect(confirm.text).toContain('• Địa điểm: Hẻm 12 đường Lê Lợi, ấp Bình An');
    expect(confirm.text).toContain('• Ảnh: không có');
    await h.send('gửi', { chatId: 'r2' });
    const [row] = await reportsOf('r2');
    expect(row).toMatchObject({ category: 'flooding', address: 'Hẻm 12 đường Lê Lợi, ấp Bình An', latitude: null, photos: [] });
  });

  it('accepts "Không rõ vị trí", refuses a location without usable coordinates', async () => {
    await h.send('rác', { chatId: 'r3' });
    await h.send('Có người đổ rác ra bờ kênh mỗi tối', { chatId: 'r3' });
    const [bad] = await h.send({ attachments: [{ kind: 'location', latitude: 123, longitude: 106 }] }, { chatId: 'r3' });
    expect(bad.text).toContain('chưa đọc được vị trí');
    const [photos] = await h.send({ text: 'không rõ' }, { chatId: 'r3' });
    expect(photos.text).toContain('gửi ảnh');
    const [confirm] = await h.send('xong', { chatId: 'r3' });
    expect(confirm.text).toContain('• Địa điểm: không nêu');
  });

  it('"hủy" at any step keeps nothing; "gặp cán bộ" is reachable inside the form', async () => {
    await h.send('kiến nghị', { chatId: 'r4' });
    await h.send({ action: 'report:pick:noise' }, { chatId: 'r4' });
    const [cancelled] = await h.send('hủy', { chatId: 'r4' });
    expect(cancelled.text).toContain('Đã hủy phản ánh');
    expect(await reportsOf('r4')).toHaveLength(0);

    await h.send('phản ánh', { chatId: 'r4' });
    const [staff] = await h.send('gặp cán bộ', { chatId: 'r4' });
    expect(staff.text).not.toContain('phản ánh về việc gì');
    expect(h.stateOf('r4').flow).not.toBe('report:new');
  });

  it('answers a code only in the chat that sent it', async () => {
    const [row] = await reportsOf('r2');
    const [own] = await h.send(`phản ánh ${row.code.toLowerCase()} đến đâu rồi`, { chatId: 'r2' });
    expect(own.text).toContain(`Phản ánh ${row.code} (ngập nước`);
    expect(own.text).toContain('đã được tiếp nhận');
    const [other] = await h.send(`phản ánh ${row.code} đến đâu rồi`, { chatId: 'someone-else' });
    expect(other.text).toContain(`Không tìm thấy phản ánh ${row.code} trong cuộc trò chuyện này`);
    expect(other.text).not.toContain('ngập');
  });

  it('a merged report is answered with the state of the report it follows', async () => {
    const [main] = await h.db
      .insert(reports)
      .values({
        communeId: h.commune.id,
        code: 'PA-MA2NNN',
        channel: 'zalo',
        chatId: 'someone',
        userId: 'someone',
        category: 'road',
        description: 'Ổ gà giữa đường liên ấp',
        status: 'in_progress',
        note: 'Đã báo đơn vị thi công.',
      })
      .returning();
    await h.db.insert(reports).values({
      communeId: h.commune.id,
      code: 'PA-DU2PPP',
      channel: 'telegram',
      chatId: 'r6',
      userId: 'r6',
      category: 'road',
      description: 'Đường liên ấp có ổ gà lớn',
      status: 'merged',
      mergedInto: main.id,
    });
    const [answer] = await h.send('PA-DU2PPP', { chatId: 'r6' });
    expect(answer.text).toContain('được gộp với phản ánh PA-MA2NNN cùng sự việc, và đang được cán bộ xử lý');
    expect(answer.text).toContain('Ghi chú: Đã báo đơn vị thi công.');
  });

  it("offers the commune's hamlets at the location step; the picked hamlet is recorded with the typed place", async () => {
    const hamlets = await h.db
      .insert(noticeHamlets)
      .values([
        { communeId: h.commune.id, name: 'Ấp Bình An', position: 1 },
        { communeId: h.commune.id, name: 'Ấp Phú Lợi', position: 2 },
      ])
      .returning();
    const [binhAn, phuLoi] = hamlets;
    await h.send('đường hư hỏng', { chatId: 'r7' });
    const [where] = await h.send('Mặt đường sụt một hố lớn sau trận mưa', { chatId: 'r7' });
    expect(where.text).toContain('chọn thôn/ấp bên dưới');
    expect(where.buttons?.map((b) => b.label)).toEqual(['Ấp Bình An', 'Ấp Phú Lợi', 'Không rõ vị trí', 'Hủy phản ánh']);
    const [more] = await h.send({ action: where.buttons![1].action }, { chatId: 'r7' });
    expect(more.text).toContain('Đã ghi nhận: Ấp Phú Lợi');
    await h.send('Gần cầu Ông Hai', { chatId: 'r7' });
    const [confirm] = await h.send('xong', { chatId: 'r7' });
    expect(confirm.text).toContain('• Địa điểm: Ấp Phú Lợi — Gần cầu Ông Hai');
    await h.send('gửi', { chatId: 'r7' });
    const [row] = await reportsOf('r7');
    expect(row).toMatchObject({ category: 'road', address: 'Gần cầu Ông Hai', hamletId: phuLoi.id });

    // A hamlet and a shared location: both kept.
    await h.send('phản ánh', { chatId: 'r8' });
    await h.send({ action: 'report:pick:rubbish' }, { chatId: 'r8' });
    const [where8] = await h.send('Bãi rác tự phát cạnh trường tiểu học', { chatId: 'r8' });
    await h.send({ action: where8.buttons![0].action }, { chatId: 'r8' });
    await h.send({ attachments: [LOCATION] }, { chatId: 'r8' });
    await h.send('xong', { chatId: 'r8' });
    await h.send('gửi', { chatId: 'r8' });
    const [row8] = await reportsOf('r8');
    expect(row8).toMatchObject({
      address: null,
      hamletId: binhAn.id,
      latitude: LOCATION.latitude,
      longitude: LOCATION.longitude,
    });

    // The queue filters by hamlet; a hamlet staff delete leaves its reports without one.
    const byHamlet = await listReports(h.db, h.commune.id, { hamletId: phuLoi.id, limit: 10 });
    expect(byHamlet.reports.map((r) => r.id)).toEqual([row.id]);
    expect((await hamletNames(h.db, h.commune.id)).get(phuLoi.id)).toBe('Ấp Phú Lợi');
    await h.db.delete(noticeHamlets).where(eq(noticeHamlets.id, phuLoi.id));
    expect((await reportsOf('r7'))[0].hamletId).toBeNull();
  });

  it('leaves out a hamlet deleted while the resident was writing', async () => {
    const [gone] = await h.db
      .insert(noticeHamlets)
      .values({ communeId: h.commune.id, name: 'Ấp Sắp Xóa', position: 9 })
      .returning();
    await h.send('rác', { chatId: 'r9' });
    const [where] = await h.send('Rác đổ trộm cạnh cầu Ấp Sắp Xóa nhiều ngày', { chatId: 'r9' });
    const button = where.buttons!.find((b) => b.label === 'Ấp Sắp Xóa')!;
    await h.send({ action: button.action }, { chatId: 'r9' });
    await h.send('không', { chatId: 'r9' });
    await h.send('xong', { chatId: 'r9' });
    await h.db.delete(noticeHamlets).where(eq(noticeHamlets.id, gone.id));
    const [done] = await h.send('gửi', { chatId: 'r9' });
    expect(done.text).toContain('Mã phản ánh');
    expect((await reportsOf('r9'))[0]).toMatchObject({ hamletId: null, address: null });
  });

  it(`refuses a new report beyond ${OPEN_REPORTS_PER_CHAT} open ones in a chat, politely`, async () => {
    await h.db.insert(reports).values(
      Array.from({ length: OPEN_REPORTS_PER_CHAT }, (_, i) => ({
        communeId: h.commune.id,
        code: `PA-CAP${i}22`,
        channel: 'telegram',
        chatId: 'r5',
        userId: 'r5',
        category: 'other',
        description: 'Phản ánh thử nghiệm số ' + i,
      })),
    );
    const [refused] = await h.send('phản ánh', { chatId: 'r5' });
    expect(refused.text).toContain(`đang có ${OPEN_REPORTS_PER_CHAT} phản ánh chưa được xử lý xong`);
    expect(h.stateOf('r5').flow).toBeNull();
    await h.db.update(reports).set({ status: 'done' }).where(eq(reports.code, 'PA-CAP022'));
    expect((await h.send('phản ánh', { chatId: 'r5' }))[0].text).toContain('phản ánh về việc gì');
  });
});
