import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client.js';
import {
  auditLog,
  communes,
  conversations,
  dossierVerificationAttempts,
  inboundMessages,
  inquiries,
  inquiryNotes,
  noticeSubscriptions,
  outboundMessages,
  reports,
} from '../../../src/db/schema/index.js';
import { eraseResident } from '../../../src/features/privacy/erase.js';
import { DEFAULT_RETENTION, ERASED_TEXT } from '../../../src/features/privacy/policy.js';
import { createRetentionJob, runRetention } from '../../../src/features/privacy/retention.js';
import { createTestDatabase } from '../../helpers/db.js';

/**
 * What the assistant keeps of residents, and for how long (issue 20 item 5):
 * the scheduled retention erases contents past their period and nothing
 * younger, waiting or open; a resident's erasure request erases their chat
 * and nobody else's. Synthetic residents only.
 */
let database: Database;
let communeId: number;
let otherCommuneId: number;
const NOW = new Date('2026-12-06T03:00:00Z');
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);

beforeAll(async () => {
  database = await createTestDatabase();
  const rows = await database.db
    .insert(communes)
    .values([
      { slug: 'xa-luu-tru', name: 'Xã Lưu Trữ' },
      { slug: 'xa-ben-canh', name: 'Xã Bên Cạnh' },
    ])
    .returning({ id: communes.id });
  [communeId, otherCommuneId] = rows.map((r) => r.id);
});
afterAll(() => database.close());

/** One chat with a message, a reply, a form in progress, a question for staff and a report, `age` days old. */
async function seedChat(commune: number, chatId: string, age: number, opts: { open?: boolean } = {}) {
  const at = daysAgo(age);
  const db = database.db;
  const [conv] = await db
    .insert(conversations)
    .values({
      communeId: commune,
      channel: 'telegram',
      chatId,
      userId: chatId,
      flow: 'reports:new',
      data: { phone: '0900000111' },
      updatedAt: at,
    })
    .returning({ id: conversations.id });
  await db.insert(inboundMessages).values({
    communeId: commune,
    channel: 'telegram',
    externalId: `${chatId}-${age}`,
    conversationId: conv.id,
    chatId,
    userId: chatId,
    text: 'Tôi là Nguyễn Văn Thử, số điện thoại 0900000111',
    payload: { contact: { phone: '0900000111' } },
    status: 'processed',
    requestId: 'req',
    receivedAt: at,
  });
  await db.insert(outboundMessages).values([
    {
      communeId: commune,
      channel: 'telegram',
      chatId,
      userId: chatId,
      payload: { text: 'Hồ sơ của ông Thử đã xong' },
      status: 'sent',
      createdAt: at,
    },
    {
      communeId: commune,
      channel: 'telegram',
      chatId,
      userId: chatId,
      payload: { text: 'Đang chờ gửi' },
      status: 'pending',
      createdAt: at,
    },
  ]);
  const [inq] = await db
    .insert(inquiries)
    .values({
      communeId: commune,
      code: `HD-${chatId.slice(-5).toUpperCase()}`,
      channel: 'telegram',
      chatId,
      userId: chatId,
      question: 'Nhà tôi ở số 5 ngõ 3, xin hỏi về đất',
      status: opts.open ? 'open' : 'answered',
      answer: opts.open ? null : 'Ông Thử mang sổ đỏ đến',
      createdAt: at,
      answeredAt: opts.open ? null : at,
      rating: opts.open ? null : 5,
      ratingComment: opts.open ? null : 'Cảm ơn chị Lan',
    })
    .returning({ id: inquiries.id });
  await db.insert(inquiryNotes).values({ inquiryId: inq.id, text: 'Đã gọi 0900000111' });
  await db.insert(reports).values({
    communeId: commune,
    code: `PA-${chatId.slice(-6).toUpperCase()}`,
    channel: 'telegram',
    chatId,
    userId: chatId,
    category: 'streetlight',
    description: 'Đèn trước nhà ông Thử hỏng',
    address: 'Số 5 ngõ 3',
    latitude: 10.5,
    longitude: 106.5,
    status: opts.open ? 'received' : 'done',
    updatedAt: at,
  });
  await db
    .insert(dossierVerificationAttempts)
    .values({ communeId: commune, code: 'X', channel: 'telegram', userId: chatId, success: false, at });
  await db.insert(noticeSubscriptions).values({ communeId: commune, channel: 'telegram', chatId, userId: chatId });
}

const ofChat = (chatId: string) => ({
  inbound: () => database.db.select().from(inboundMessages).where(eq(inboundMessages.chatId, chatId)),
  outbound: () => database.db.select().from(outboundMessages).where(eq(outboundMessages.chatId, chatId)),
  conversation: () => database.db.select().from(conversations).where(eq(conversations.chatId, chatId)),
  inquiry: () => database.db.select().from(inquiries).where(eq(inquiries.chatId, chatId)),
  report: () => database.db.select().from(reports).where(eq(reports.chatId, chatId)),
  attempts: () => database.db.select().from(dossierVerificationAttempts).where(eq(dossierVerificationAttempts.userId, chatId)),
  subscription: () => database.db.select().from(noticeSubscriptions).where(eq(noticeSubscriptions.chatId, chatId)),
});

describe('scheduled retention', () => {
  it('erases contents past their period, keeps the rows, and leaves anything younger, waiting or open', async () => {
    await seedChat(communeId, 'chat-old-400', 400);
    await seedChat(communeId, 'chat-old-open', 400, { open: true });
    await seedChat(communeId, 'chat-recent-10', 10);

    const run = await runRetention(database.db, DEFAULT_RETENTION, NOW);
    expect(run).toMatchObject({
      inboundMessages: 2,
      outboundMessages: 2,
      conversationStates: 2,
      inquiries: 1,
      reports: 1,
      verificationAttempts: 2,
    });

    const old = ofChat('chat-old-400');
    const [msg] = await old.inbound();
    expect(msg.text).toBeNull();
    expect(msg.payload).toEqual({});
    expect(msg.externalId).toBe('chat-old-400-400'); // kept: a redelivered webhook is still recognised
    const replies = await old.outbound();
    expect(replies.find((r) => r.status === 'sent')!.payload).toEqual({ text: '' });
    expect(replies.find((r) => r.status === 'pending')!.payload).toEqual({ text: 'Đang chờ gửi' });
    expect((await old.conversation())[0]).toMatchObject({ flow: null, data: {} });
    const [inq] = await old.inquiry();
    expect(inq).toMatchObject({ question: ERASED_TEXT, answer: ERASED_TEXT, ratingComment: null, rating: 5 });
    expect(await database.db.select().from(inquiryNotes).where(eq(inquiryNotes.inquiryId, inq.id))).toEqual([]);
    expect((await old.report())[0]).toMatchObject({ description: ERASED_TEXT, address: null, latitude: null, status: 'done' });
    expect(await old.attempts()).toEqual([]);

    // An open question and an open report wait for staff: their words stay.
    const open = ofChat('chat-old-open');
    expect((await open.inquiry())[0].question).toContain('xin hỏi về đất');
    expect((await open.report())[0].description).toContain('Đèn trước nhà');

    // Ten days old: everything stays.
    const recent = ofChat('chat-recent-10');
    expect((await recent.inbound())[0].text).toContain('Nguyễn Văn Thử');
    expect((await recent.outbound()).every((r) => r.payload.text !== '')).toBe(true);
    expect((await recent.conversation())[0].flow).toBe('reports:new');
    expect((await recent.inquiry())[0].answer).toContain('sổ đỏ');
    expect(await recent.attempts()).toHaveLength(1);

    const [audit] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.retention'));
    expect(audit.details).toMatchObject({ inboundMessages: 2, inquiries: 1 });
    expect(JSON.stringify(audit.details)).not.toMatch(/Thử|0900000111|chat-/);

    // A second run finds nothing left to erase and writes no audit entry.
    const again = await runRetention(database.db, DEFAULT_RETENTION, NOW);
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
    expect(await database.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.retention'))).toHaveLength(1);
  });
});

describe("a resident's request to erase their data", () => {
  it("erases that chat's contents in that commune only, closes its open question, and says so once", async () => {
    await seedChat(communeId, 'chat-erase-me', 3, { open: true });
    await seedChat(communeId, 'chat-neighbour', 3);
    await seedChat(otherCommuneId, 'chat-erase-me', 3); // the same platform chat with another commune

    const erasure = await eraseResident(database.db, { communeId, channel: 'telegram', chatId: 'chat-erase-me' }, 'admin');
    expect(erasure).toMatchObject({
      messages: 1,
      replies: 1,
      conversations: 1,
      inquiries: 1,
      reports: 1,
      subscriptions: 1,
      verificationAttempts: 1,
    });
    const mine = await database.db
      .select()
      .from(inquiries)
      .where(and(eq(inquiries.chatId, 'chat-erase-me'), eq(inquiries.communeId, communeId)));
    expect(mine[0]).toMatchObject({ question: ERASED_TEXT, status: 'closed' });
    expect(mine[0].closedAt).not.toBeNull();
    const [sub] = await database.db
      .select()
      .from(noticeSubscriptions)
      .where(and(eq(noticeSubscriptions.chatId, 'chat-erase-me'), eq(noticeSubscriptions.communeId, communeId)));
    expect(sub.unsubscribedAt).not.toBeNull();
    const [msg] = await database.db
      .select()
      .from(inboundMessages)
      .where(and(eq(inboundMessages.chatId, 'chat-erase-me'), eq(inboundMessages.communeId, communeId)));
    expect(msg.text).toBeNull();

    // The neighbour, and the same chat with the other commune, keep everything.
    expect((await ofChat('chat-neighbour').inbound())[0].text).toContain('Nguyễn Văn Thử');
    const elsewhere = await database.db
      .select()
      .from(inquiries)
      .where(and(eq(inquiries.chatId, 'chat-erase-me'), eq(inquiries.communeId, otherCommuneId)));
    expect(elsewhere[0].question).toContain('xin hỏi về đất');

    const [audit] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'privacy.resident-erased'));
    expect(audit).toMatchObject({ communeId, actor: 'admin', subject: 'telegram' });

    const again = await eraseResident(database.db, { communeId, channel: 'telegram', chatId: 'chat-erase-me' }, 'admin');
    expect(Object.values(again).every((n) => n === 0)).toBe(true);
  });
});

describe('the retention job of the server', () => {
  it('runs on its own after start, logs counts only, and stops cleanly', async () => {
    await seedChat(communeId, 'chat-job-200', 200);
    const lines: { obj: object; msg: string }[] = [];
    const log = {
      info: (obj: object, msg: string) => lines.push({ obj, msg }),
      error: (obj: object, msg: string) => lines.push({ obj, msg }),
    };
    const job = createRetentionJob({ db: database.db, policy: DEFAULT_RETENTION, log, firstRunMs: 1, intervalMs: 60_000 });
    job.start();
    const deadline = Date.now() + 30_000;
    while (!lines.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await job.stop();
    expect(lines[0]?.msg).toBe('retention: expired personal data erased');
    expect(JSON.stringify(lines)).not.toMatch(/Thử|0900000111|chat-job/);
    expect((await ofChat('chat-job-200').inbound())[0].text).toBeNull();
  });
});
