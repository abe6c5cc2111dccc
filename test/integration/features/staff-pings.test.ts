import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, communes, outboundMessages, staffAccounts, staffPingLinks } from '../../../src/db/schema/index.js';
import { assistantModule, fallback } from '../../../src/features/assistant/index.js';
import { openInquiry } from '../../../src/features/inquiries/index.js';
import { newLinkCode, pingWaitingQuestions, staffPingsModule } from '../../../src/features/staff-pings/index.js';
import { createStaffAccount } from '../../../src/staff/accounts.js';
import { createHandlerHarness, type HandlerHarness } from '../../helpers/handler-harness.js';

/**
 * Staff pings (issue 15): a staff member links their own chat with a one-time
 * code from the console, and the bot tells them when residents' questions
 * wait, at most every five minutes, never about another commune's questions.
 */
let h: HandlerHarness;
let officer: number;
let leader: number;
let otherCommune: number;
const CONSOLE = 'https://xa-thu.example.vn';
const question = (chatId: string, communeId = h.commune.id) =>
  openInquiry(h.db, { communeId, channel: 'web', chatId, userId: chatId, question: 'Cho hỏi làm giấy khai sinh' });
const pingsTo = (chatId: string) => h.db.select().from(outboundMessages).where(eq(outboundMessages.chatId, chatId));

beforeAll(async () => {
  h = await createHandlerHarness({ modules: [assistantModule, staffPingsModule], fallback });
  const mk = (username: string, role: string) =>
    createStaffAccount(h.db, {
      username,
      password: 'Mat-khau-thu-nghiem-1',
      role,
      communeId: h.commune.id,
      displayName: `Cán bộ ${username}`,
    });
  officer = (await mk('motcua', 'officer')).id;
  leader = (await mk('lanhdao', 'leader')).id;
  [{ id: otherCommune }] = await h.db
    .insert(communes)
    .values({ slug: 'xa-khac', name: 'Xã Khác' })
    .returning({ id: communes.id });
});
afterAll(() => h.close());

describe('linking a staff member’s own chat', () => {
  it('links the chat that sends a fresh code, once; a wrong, used or expired code gets one answer', async () => {
    const code = await newLinkCode(h.db, { staffId: officer, communeId: h.commune.id });
    const [wrong] = await h.send('/lienket ABCDEFGH', { chatId: 'tg-officer' });
    expect(wrong.text).toContain('không đúng hoặc đã hết hạn');

    const [ok] = await h.send(`/lienket ${code.toLowerCase()}`, { chatId: 'tg-officer' });
    expect(ok.text).toContain('Đã liên kết với tài khoản cán bộ Cán bộ motcua');
    const [link] = await h.db.select().from(staffPingLinks).where(eq(staffPingLinks.staffId, officer));
    expect(link).toMatchObject({ channel: 'telegram', chatId: 'tg-officer', codeHash: null });
    expect((await h.db.select().from(auditLog).where(eq(auditLog.action, 'staff.ping-linked'))).length).toBe(1);

    const [again] = await h.send(`/lienket ${code}`, { chatId: 'tg-stranger' });
    expect(again.text).toContain('không đúng hoặc đã hết hạn');

    const stale = await newLinkCode(h.db, { staffId: leader, communeId: h.commune.id, now: new Date(Date.now() - 11 * 60_000) });
    const [expired] = await h.send(`liên kết ${stale}`, { chatId: 'tg-leader' });
    expect(expired.text).toContain('không đúng hoặc đã hết hạn');
  });

  it('is refused in the web chat, which the bot cannot message on its own', async () => {
    const code = await newLinkCode(h.db, { staffId: leader, communeId: h.commune.id });
    const [reply] = await h.send(`/lienket ${code}`, { chatId: 'web-leader', channel: 'web' });
    expect(reply.text).toContain('chỉ dùng được trong Telegram hoặc Zalo');
  });
});

describe('the ping', () => {
  it('tells linked staff which questions wait, at most every five minutes, and only their commune’s', async () => {
    await question('resident-1');
    await question('resident-elsewhere', otherCommune);
    // The leader links too, but leaders do not answer questions: no ping for them.
    const code = await newLinkCode(h.db, { staffId: leader, communeId: h.commune.id });
    await h.send(`/lienket ${code}`, { chatId: 'tg-leader' });

    const ids = await pingWaitingQuestions(h.db, { consoleUrl: CONSOLE });
    expect(ids).toHaveLength(1);
    const [ping] = await pingsTo('tg-officer');
    expect(ping.payload.text).toMatch(/Có câu hỏi mới của người dân đang chờ trong Hộp thư: HD-\w{5}\./);
    expect(ping.payload.text).toContain(`${CONSOLE}/console/inbox`);
    expect(ping.payload.text).not.toContain('khai sinh'); // the code only, not what the resident wrote
    expect(await pingsTo('tg-leader')).toEqual([]);

    // A new question a minute later waits for the five minutes to pass.
    await question('resident-2');
    expect(await pingWaitingQuestions(h.db, { consoleUrl: CONSOLE, now: new Date(Date.now() + 60_000) })).toEqual([]);
    const later = await pingWaitingQuestions(h.db, { consoleUrl: CONSOLE, now: new Date(Date.now() + 6 * 60_000) });
    expect(later).toHaveLength(1);
    const texts = (await pingsTo('tg-officer')).map((p) => p.payload.text);
    expect(texts).toHaveLength(2);
    // Nothing new since: no third ping.
    expect(await pingWaitingQuestions(h.db, { consoleUrl: CONSOLE, now: new Date(Date.now() + 20 * 60_000) })).toEqual([]);
  });

  it('stops for a disabled account', async () => {
    await h.db.update(staffAccounts).set({ disabledAt: new Date() }).where(eq(staffAccounts.id, officer));
    await question('resident-3');
    expect(await pingWaitingQuestions(h.db, { consoleUrl: CONSOLE, now: new Date(Date.now() + 60 * 60_000) })).toEqual([]);
  });
});
