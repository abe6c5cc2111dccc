import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { inquiriesModule } from '../../../src/features/inquiries/index.js';
import { noticesModule } from '../../../src/features/notices/index.js';
import {
  auditLog,
  noticeDeliveries,
  noticeHamlets,
  notices,
  noticeSubscriptions,
  noticeTopics,
  outboundMessages,
} from '../../../src/db/schema/index.js';
import { subscribe } from '../../../src/features/notices/service.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

describe('notices in the chat: subscribe by hamlet and topic, unsubscribe, read the recent ones', () => {
  let h: HandlerHarness;
  let hamlets: { id: number; name: string }[];
  beforeAll(async () => {
    h = await createHandlerHarness({ modules: [assistantModule, inquiriesModule, noticesModule], fallback });
    hamlets = await h.db
      .insert(noticeHamlets)
      .values([
        { communeId: h.commune.id, name: 'Ấp Bình An', position: 1 },
        { communeId: h.commune.id, name: 'Ấp Phú Lợi', position: 2 },
      ])
      .returning();
  });
  afterAll(() => h.close());

  const subscriptionOf = async (chatId: string) => {
    const [row] = await h.db
      .select()
      .from(noticeSubscriptions)
      .where(and(eq(noticeSubscriptions.communeId, h.commune.id), eq(noticeSubscriptions.chatId, chatId)));
    return row;
  };
  const topics = () => h.db.select().from(noticeTopics).where(eq(noticeTopics.communeId, h.commune.id));

  it('"đăng ký nhận thông báo" asks the hamlet, then the topics (default ones, urgent marked), and saves the choice', async () => {
    const [ask] = await h.send('Đăng ký nhận thông báo', { chatId: 'a' });
    expect(ask.text).toContain('ấp, thôn');
    expect(ask.buttons?.map((b) => b.label)).toEqual(['Ấp Bình An', 'Ấp Phú Lợi', 'Không chọn', 'Hủy']);

    const [topicQ] = await h.send({ action: ask.buttons![1].action }, { chatId: 'a' });
    expect(topicQ.text).toContain('☑ Thiên tai – thời tiết (khẩn, luôn nhận)');
    const all = await topics();
    expect(all.map((t) => t.name).sort()).toEqual(
      [
        'An ninh trật tự',
        'Chính sách – chi trả',
        'Lịch tiếp dân',
        'Thiên tai – thời tiết',
        'Thông báo chung',
        'Y tế – tiêm chủng',
      ].sort(),
    );
    // Untick "Y tế – tiêm chủng".
    const health = topicQ.buttons!.find((b) => b.label.includes('Y tế'))!;
    const [after] = await h.send({ action: health.action }, { chatId: 'a' });
    expect(after.text).toContain('☐ Y tế – tiêm chủng');
    const [done] = await h.send('xong', { chatId: 'a' });
    expect(done.text).toContain('Đã đăng ký nhận thông báo của Xã Thử');
    expect(done.text).toContain('Ấp Phú Lợi');
    expect(done.text).not.toContain('Y tế');

    const sub = await subscriptionOf('a');
    expect(sub.hamletId).toBe(hamlets[1].id);
    expect(sub.unsubscribedAt).toBeNull();
    const healthId = all.find((t) => t.name === 'Y tế – tiêm chủng')!.id;
    const urgentId = all.find((t) => t.urgent)!.id;
    expect(sub.topicIds).not.toContain(healthId);
    expect(sub.topicIds).toContain(urgentId);
    expect(h.stateOf('a').flow).toBeNull();
  });

  it('an urgent topic cannot be dropped on its own', async () => {
    await h.send('đăng ký nhận thông báo', { chatId: 'u' });
    await h.send('không chọn', { chatId: 'u' });
    const [reply] = await h.send('Thiên tai – thời tiết', { chatId: 'u' });
    expect(reply.text).toContain('chủ đề khẩn');
    expect(reply.text).toContain('hủy nhận thông báo');
    await h.send({ action: 'notices:pick:done' }, { chatId: 'u' });
    const sub = await subscriptionOf('u');
    const urgentId = (await topics()).find((t) => t.urgent)!.id;
    expect(sub.topicIds).toContain(urgentId);
    expect(sub.hamletId).toBeNull();
  });

  it('"hủy" cancels the flow and stores nothing', async () => {
    await h.send('đăng ký nhận thông báo', { chatId: 'c' });
    const [reply] = await h.send('hủy', { chatId: 'c' });
    expect(reply.text).toContain('Đã hủy');
    expect(await subscriptionOf('c')).toBeUndefined();
  });

  it('"gặp cán bộ" is reachable in the middle of the flow', async () => {
    await h.send('đăng ký nhận thông báo', { chatId: 'g' });
    const [reply] = await h.send('gặp cán bộ', { chatId: 'g' });
    expect(h.stateOf('g').flow).toBe('inquiry:ask');
    expect(reply.text).not.toContain('ấp, thôn');
  });

  it('"hủy nhận thông báo" unsubscribes entirely, and says so when asked again', async () => {
    const [bye] = await h.send('hủy nhận thông báo', { chatId: 'a' });
    expect(bye.text).toContain('Đã hủy nhận thông báo của Xã Thử');
    expect((await subscriptionOf('a')).unsubscribedAt).not.toBeNull();
    const [again] = await h.send('hủy nhận thông báo', { chatId: 'a' });
    expect(again.text).toContain('không nhận thông báo của xã');
  });

  it('unfollowing the Zalo OA ends the subscription silently and audits it; a follow still gets the menu', async () => {
    await h.send('Đăng ký nhận thông báo', { chatId: 'z-unfollow', channel: 'zalo' });
    await h.send('Không chọn', { chatId: 'z-unfollow', channel: 'zalo' });
    await h.send('xong', { chatId: 'z-unfollow', channel: 'zalo' });
    expect((await subscriptionOf('z-unfollow')).unsubscribedAt).toBeNull();

    const replies = await h.send({ event: 'unfollow' }, { chatId: 'z-unfollow', channel: 'zalo' });
    expect(replies).toEqual([]);
    expect((await subscriptionOf('z-unfollow')).unsubscribedAt).not.toBeNull();
    const audits = await h.db.select().from(auditLog).where(eq(auditLog.action, 'notice-subscription.cancelled'));
    expect(audits.some((a) => a.actor === 'resident:zalo:z-unfollow')).toBe(true);

    // Unfollowing in the middle of the form ends it too.
    await h.send('Đăng ký nhận thông báo', { chatId: 'z-midway', channel: 'zalo' });
    expect(h.stateOf('z-midway', 'zalo').flow).not.toBeNull();
    expect(await h.send({ event: 'unfollow' }, { chatId: 'z-midway', channel: 'zalo' })).toEqual([]);
    expect(h.stateOf('z-midway', 'zalo').flow).toBeNull();

    const [menu] = await h.send({ event: 'follow' }, { chatId: 'z-unfollow', channel: 'zalo' });
    expect(menu.text).toContain('Tôi là Trợ lý ảo');
  });

  it('"hủy nhận thông báo" from a chat that never subscribed is left to others (a dossier\'s notifications)', async () => {
    const [reply] = await h.send('hủy nhận thông báo', { chatId: 'never' });
    expect(reply.text).toContain('chưa hiểu'); // the fallback here; the dossiers feature in the app
  });

  it('"xem thông báo gần đây" with none yet says so politely', async () => {
    const [reply] = await h.send('xem thông báo gần đây', { chatId: 'u' });
    expect(reply.text).toContain('Chưa có thông báo nào');
  });

  it('on Zalo OA, a resident with held notices gets them when writing, before the answer to what they wrote', async () => {
    const [notice] = await h.db
      .insert(notices)
      .values({
        communeId: h.commune.id,
        title: 'Cảnh báo lũ',
        body: 'Nước sông lên nhanh.',
        createdBy: 'staff:1',
        status: 'sent',
      })
      .returning();
    const sub = await subscribe(h.db, {
      communeId: h.commune.id,
      channel: 'zalo',
      chatId: 'zalo-1',
      userId: 'zalo-1',
      hamletId: null,
      topicIds: [],
    });
    await h.db.insert(noticeDeliveries).values({
      noticeId: notice.id,
      subscriptionId: sub.id,
      communeId: h.commune.id,
      channel: 'zalo',
      chatId: 'zalo-1',
      outboundId: null,
      heldAt: new Date(),
    });
    const replies = await h.send('làm giấy khai sinh', { chatId: 'zalo-1', channel: 'zalo' });
    expect(replies[0].text).toContain('chưa hiểu'); // the message itself is answered as usual
    const queued = await h.db
      .select()
      .from(outboundMessages)
      .where(eq(outboundMessages.chatId, 'zalo-1'))
      .orderBy(outboundMessages.id);
    expect(queued.map((r) => (r.payload as { text: string }).text.split('\n')[0])).toEqual([
      'Anh/chị có 1 thông báo mới của xã:',
      '📢 Cảnh báo lũ',
    ]);
    // Whatever the resident writes opens the window: "menu" (claimed by the menu before any notice route), a
    // tapped button, a photo without words.
    for (const [i, input] of (
      ['menu', { action: 'menu:main' }, { attachments: [{ kind: 'image', fileId: 'AgAC-syn' }] }] as const
    ).entries()) {
      const chatId = `zalo-held-${i}`;
      const s = await subscribe(h.db, {
        communeId: h.commune.id,
        channel: 'zalo',
        chatId,
        userId: chatId,
        hamletId: null,
        topicIds: [],
      });
      await h.db.insert(noticeDeliveries).values({
        noticeId: notice.id,
        subscriptionId: s.id,
        communeId: h.commune.id,
        channel: 'zalo',
        chatId,
        outboundId: null,
        heldAt: new Date(),
      });
      await h.send(input as Parameters<typeof h.send>[0], { chatId, channel: 'zalo' });
      const out = await h.db
        .select()
        .from(outboundMessages)
        .where(eq(outboundMessages.chatId, chatId))
        .orderBy(outboundMessages.id);
      expect(out.map((r) => (r.payload as { text: string }).text.split('\n')[0])).toEqual([
        'Anh/chị có 1 thông báo mới của xã:',
        '📢 Cảnh báo lũ',
      ]);
    }
    // "Hủy nhận thông báo" is not a reason to send what was held, nor is a later message after unsubscribing.
    {
      const chatId = 'zalo-held-stop';
      const s2 = await subscribe(h.db, {
        communeId: h.commune.id,
        channel: 'zalo',
        chatId,
        userId: chatId,
        hamletId: null,
        topicIds: [],
      });
      await h.db.insert(noticeDeliveries).values({
        noticeId: notice.id,
        subscriptionId: s2.id,
        communeId: h.commune.id,
        channel: 'zalo',
        chatId,
        outboundId: null,
        heldAt: new Date(),
      });
      await h.send('hủy nhận thông báo', { chatId, channel: 'zalo' });
      await h.send('làm giấy khai sinh', { chatId, channel: 'zalo' });
      const out = await h.db.select().from(outboundMessages).where(eq(outboundMessages.chatId, chatId));
      expect(out.map((r) => (r.payload as { text: string }).text)).not.toContainEqual(expect.stringContaining('Cảnh báo lũ'));
      expect(out.map((r) => (r.payload as { text: string }).text)).not.toContainEqual(
        expect.stringContaining('thông báo mới của xã'),
      );
    }
    // Telegram has no window: nothing is ever held there, and nothing is queued by writing.
    await h.send('làm giấy khai sinh', { chatId: 'tg-1', channel: 'telegram' });
    expect(await h.db.select().from(outboundMessages).where(eq(outboundMessages.chatId, 'tg-1'))).toEqual([]);
  });

  it('a typed hamlet that is not on the list is asked again', async () => {
    await h.send('đăng ký nhận thông báo', { chatId: 'x' });
    const [reply] = await h.send('Ấp Không Có', { chatId: 'x' });
    expect(reply.text).toContain('vui lòng chọn một ấp');
    expect(h.stateOf('x').flow).toBe('notices:subscribe');
  });
});
