import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { parseZaloBotUpdate } from '../../../src/channels/zalobot/parse.js';
import { reports } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { reportsModule } from '../../../src/features/reports/index.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

/**
 * A Zalo Bot Platform location in the report form. UNVERIFIED: no documented
 * event carries a location, so the parser reads the Telegram-like
 * `message.location` the platform would most likely send; these updates are
 * synthetic, in the documented envelope.
 */
const USER = 'b2c3d4e5f60718293a4b';
const update = (event: string, message: Record<string, unknown>) => ({
  ok: true,
  result: {
    event_name: event,
    message: {
      from: { id: USER, display_name: 'Người dùng thử', is_bot: false },
      chat: { id: USER, chat_type: 'PRIVATE' },
      message_id: `loc-${Math.random().toString(36).slice(2)}`,
      date: 1767225780000,
      ...message,
    },
  },
});

describe('a Zalo Bot Platform location', () => {
  let h: HandlerHarness;
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule, reportsModule], fallback });
  });
  afterAll(() => h.close());

  it('is read defensively: two numbers (or numeric strings) in range, on any event; anything else is ignored', () => {
    const [msg] = parseZaloBotUpdate(
      update('message.location.received', { location: { latitude: 10.7769, longitude: 106.7009 } }),
      1,
    );
    expect(msg.attachments).toEqual([{ kind: 'location', latitude: 10.7769, longitude: 106.7009 }]);
    expect(msg.text).toBeUndefined();
    const [strings] = parseZaloBotUpdate(
      update('message.unsupported.received', { location: { latitude: '21.0285', longitude: '105.8048' } }),
      1,
    );
    expect(strings.attachments).toEqual([{ kind: 'location', latitude: 21.0285, longitude: 105.8048 }]);
    for (const location of [{ latitude: 91, longitude: 106 }, { latitude: 'x', longitude: 1 }, 'here', null])
      expect(parseZaloBotUpdate(update('message.location.received', { location }), 1)).toEqual([]);
  });

  it("answers the report form's location step, and the report keeps the point", async () => {
    await h.send('báo hỏng đèn đường', { chatId: USER, channel: 'zalobot' });
    const [where] = await h.send('Đèn đường đầu ngõ 5 thôn Thử tắt mấy hôm nay', { chatId: USER, channel: 'zalobot' });
    expect(where.text).toContain('Sự việc ở đâu');
    const [msg] = parseZaloBotUpdate(
      update('message.location.received', { location: { latitude: 10.7769, longitude: 106.7009 } }),
      1,
    );
    expect((await h.send({ attachments: msg.attachments }, { chatId: USER, channel: 'zalobot' }))[0].text).toContain('gửi ảnh');
    await h.send('xong', { chatId: USER, channel: 'zalobot' });
    await h.send('gửi', { chatId: USER, channel: 'zalobot' });
    const [row] = await h.db.select().from(reports).where(eq(reports.chatId, USER));
    expect(row).toMatchObject({ channel: 'zalobot', latitude: 10.7769, longitude: 106.7009 });
  });
});
