import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { and, eq } from 'drizzle-orm';
import type { Reply } from '../../../src/core/types.js';
import { auditLog, conversations } from '../../../src/db/schema/index.js';
import { verifyDossierAccess } from '../../../src/features/dossiers/service.js';
import { ADMIN_KEY, CODE, dossierBody, PHONE_KEY, startHarness } from './harness.js';

// Counts constant-time comparisons (the digits check makes one whether or not the code exists).
const compared = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.count++;
      return crypto.timingSafeEqual(a, b);
    },
  };
});

let h: Awaited<ReturnType<typeof startHarness>>;
const MINUTE = 60_000;
beforeAll(async () => {
  h = await startHarness();
  await h.api('PUT', `/api/v1/dossiers/${CODE}`, dossierBody());
  await h.api('PUT', '/api/v1/dossiers/000.33.12.H56-260715-0008', dossierBody({ applicantPhone: '0988000111' }));
  await h.api('PUT', `/api/v1/dossiers/${VOUCHED}`, dossierBody({ applicantPhone: '0977000999' }));
  await h.api('PUT', `/api/v1/dossiers/${UNLOCKED}`, dossierBody({ applicantPhone: '0966000222' }));
  await h.api('PUT', `/api/v1/dossiers/${EARLIER}`, dossierBody({ applicantPhone: '0955000333' }));
  await h.api('PUT', '/api/v1/dossiers/000.33.12.H56-260715-0012', dossierBody({ applicantPhone: '0944000444' }));
});
const VOUCHED = '000.33.12.H56-260715-0009';
const UNLOCKED = '000.33.12.H56-260715-0010';
const EARLIER = '000.33.12.H56-260715-0011';
afterAll(async () => h?.close());

const advance = (ms: number) => {
  h.clock.now = new Date(h.clock.now.getTime() + ms);
};
const texts = (replies: Reply[]) => replies.map((r) => r.text).join('\n');
const disclosures = (userId: string, channel = 'telegram') =>
  h.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'dossier.disclosed'), eq(auditLog.actor, `resident:${channel}:${userId}`)));

/** Five strangers, each from a web chat session of their own, guess wrong digits for `code`. */
async function strangersGuess(code: string, prefix: string) {
  for (let i = 0; i < 5; i++) {
    const who = { chatId: `${prefix}-${i}`, channel: 'web' as const };
    await h.say(who, { text: code });
    await h.say(who, { text: String(3000 + i) });
  }
}

describe('looking a dossier up in the chat', () => {
  it('asks for the last 4 phone digits before showing anything', async () => {
    const replies = await h.say({ chatId: 'an' }, { text: `Cho em hỏi hồ sơ ${CODE} tới đâu rồi ạ` });
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toContain('4 số cuối');
    expect(replies[0].text).not.toContain('Đăng ký khai sinh');
    expect(replies[0].text).not.toContain('Đang xử lý');
    expect(await disclosures('an')).toHaveLength(0);
  });

  it('shows procedure, status, next step and promised date once the digits match, and audits it', async () => {
    const replies = await h.say({ chatId: 'an' }, { text: '5678' });
    const text = texts(replies);
    expect(text).toContain('Đăng ký khai sinh (mã 1.001193)');
    expect(text).toContain('Hồ sơ đang được cán bộ giải quyết.');
    expect(text).toContain('Ngày hẹn trả: 17:00 ngày 20/07/2026 (còn 2 ngày làm việc)');
    expect(text).toContain('Việc cần làm');
    expect(replies[0].buttons?.map((b) => b.action)).toContain(`dossier:follow:${CODE}`);
    const audits = await disclosures('an');
    expect(audits).toHaveLength(1);
    expect(audits[0].subject).toBe(CODE);
    expect(JSON.stringify(audits[0].details)).not.toMatch(/Nguyễn|0912/);
  });

  it('shows the dossier again without the digits for 30 minutes, then asks again', async () => {
    advance(20 * MINUTE);
    expect(texts(await h.say({ chatId: 'an' }, { text: CODE }))).toContain('Đăng ký khai sinh');
    advance(11 * MINUTE);
    const again = await h.say({ chatId: 'an' }, { text: CODE });
    expect(again[0].text).toContain('4 số cuối');
  });

  it('accepts the whole phone number instead of the last 4 digits, and the short code form', async () => {
    const ask = await h.say({ chatId: 'binh' }, { text: 'tra giúp hồ sơ 260715-0008' });
    expect(ask[0].text).toContain('000.33.12.H56-260715-0008');
    expect(texts(await h.say({ chatId: 'binh' }, { text: '0988 000 111' }))).toContain('Đăng ký khai sinh');
  });

  it('gives exactly the same reply for a code that does not exist and for wrong digits', async () => {
    const askReal = await h.say({ chatId: 'cuong' }, { text: CODE });
    const askFake = await h.say({ chatId: 'dung' }, { text: '000.33.12.H56-260715-0999' });
    expect(askReal[0].text.replace(CODE, 'X')).toBe(askFake[0].text.replace('000.33.12.H56-260715-0999', 'X'));
    expect(askReal[0].buttons).toEqual(askFake[0].buttons);

    const wrong = await h.say({ chatId: 'cuong' }, { text: '1111' });
    const noSuch = await h.say({ chatId: 'dung' }, { text: '5678' });
    expect(wrong).toEqual(noSuch);
    expect(wrong[0].text).toContain('chưa khớp');
  });

  it('lets a resident leave the question for something else', async () => {
    await h.say({ chatId: 'em' }, { text: CODE });
    const r = await h.say({ chatId: 'em' }, { text: 'thôi, cho hỏi giờ làm việc' });
    expect(r[0].text).toBe('fallback');
    const [conv] = await h.db.select().from(conversations).where(eq(conversations.chatId, 'em'));
    expect(conv.flow).toBeNull();
  });
});

describe('the verification flow', () => {
  it('is cancelled by a typed "hủy" at the digits question', async () => {
    const who = { chatId: 'khanh' };
    await h.say(who, { text: CODE });
    const r = await h.say(who, { text: 'hủy' });
    expect(r[0].text).toBe('Đã hủy tra cứu. Anh/chị cần gì thêm cứ nhắn cho tôi nhé.');
    const [conv] = await h.db.select().from(conversations).where(eq(conversations.chatId, 'khanh'));
    expect(conv.flow).toBeNull();
    expect(await h.say(who, { text: '5678' })).toEqual([{ text: 'fallback' }]);
  });

  it('expires after 30 minutes without an answer: late digits are not taken as an answer', async () => {
    const who = { chatId: 'long' };
    await h.say(who, { text: CODE });
    advance(31 * MINUTE);
    expect(await h.say(who, { text: '5678' })).toEqual([{ text: 'fallback' }]);
    expect(await disclosures('long')).toHaveLength(0);
  });

  it('goes on from a state saved before flows kept their progress (no idle clock yet)', async () => {
    const who = { chatId: 'minh' };
    await h.say(who, { text: 'xin chào' });
    await h.db
      .update(conversations)
      .set({ flow: 'dossier:verify', data: { dossier: { pending: CODE } } })
      .where(eq(conversations.chatId, 'minh'));
    expect(texts(await h.say(who, { text: '5678' }))).toContain('Đăng ký khai sinh');
  });
});

describe('protection against guessing', () => {
  it('locks a resident out after 5 wrong verifications in an hour, even for the right digits, across restarts', async () => {
    const who = { chatId: 'giang' };
    for (let i = 0; i < 5; i++) {
      await h.say(who, { text: `000.33.12.H56-260716-${String(100 + i).padStart(4, '0')}` });
      const r = await h.say(who, { text: '4321' });
      if (i < 4) expect(r[0].text).toContain(`còn ${4 - i} lần thử`);
      else expect(r[0].text).toContain('tạm khóa');
    }
    h.restart();
    const ask = await h.say(who, { text: CODE });
    expect(ask[0].text).toContain('tạm khóa');
    expect(await h.say(who, { text: '5678' })).toEqual([{ text: 'fallback' }]); // not in the flow any more
    expect(await disclosures('giang')).toHaveLength(0);

    advance(61 * MINUTE);
    await h.say(who, { text: CODE });
    expect(texts(await h.say(who, { text: '5678' }))).toContain('Đăng ký khai sinh');
  });

  it('locks a dossier for a day after 5 wrong verifications by anyone, existing or not', async () => {
    const code = '000.33.12.H56-260715-0008';
    for (let i = 0; i < 5; i++) {
      const who = { chatId: `guesser-${i}` };
      await h.say(who, { text: code });
      await h.say(who, { text: String(1000 + i) });
    }
    // A resident who can only type the digits (the web chat has no contact sharing) waits, or calls staff.
    const owner = { chatId: 'owner-8', channel: 'web' as const };
    expect((await h.say(owner, { text: code }))[0].text).toContain('tạm khóa');
    expect(await disclosures('owner-8', 'web')).toHaveLength(0);

    const fake = '000.33.12.H56-260715-0777';
    for (let i = 0; i < 5; i++) {
      const who = { chatId: `fake-guesser-${i}` };
      await h.say(who, { text: fake });
      await h.say(who, { text: String(2000 + i) });
    }
    expect((await h.say({ chatId: 'someone', channel: 'web' }, { text: fake }))[0].text).toContain('tạm khóa');

    advance(24 * 60 * MINUTE + MINUTE);
    await h.say(owner, { text: code });
    expect(texts(await h.say(owner, { text: '0111' }))).toContain('Đăng ký khai sinh');
  });

  it('asks again for 4 digits when the answer is not 4 digits, without counting it', async () => {
    const who = { chatId: 'hoa' };
    await h.say(who, { text: CODE });
    const r = await h.say(who, { text: '12 3' });
    expect(r[0].text).toContain('đúng 4 chữ số');
    expect(texts(await h.say(who, { text: '5678' }))).toContain('Đăng ký khai sinh');
  });
});

describe('locks that cannot be turned against residents', () => {
  it("a stranger's five wrong guesses do not lock out the resident whose phone the platform vouches for", async () => {
    await strangersGuess(VOUCHED, 'vouched-stranger');
    // Typed digits are locked for everyone...
    const stranger = { chatId: 'vouched-stranger-0', channel: 'web' as const };
    expect((await h.say(stranger, { text: VOUCHED }))[0].text).toContain('tạm khóa');
    // ...but the resident on Telegram is asked to share the account's own number, and that is enough.
    const resident = { chatId: 'vouched-owner' };
    const ask = await h.say(resident, { text: VOUCHED });
    expect(ask[0].text).toContain('chia sẻ số điện thoại');
    expect(ask[0].requestContact).toBe(true);
    const typed = await h.say(resident, { text: '0999' });
    expect(typed[0].text).toContain('chia sẻ số điện thoại'); // the digits are not tried while the code is locked
    const shown = await h.say(resident, { contact: { phone: '+84977000999', verified: true } });
    expect(texts(shown)).toContain('Đăng ký khai sinh');
    expect(await disclosures('vouched-owner')).toHaveLength(1);
  });

  it('a shared contact that does not match, or that the platform does not vouch for, discloses nothing', async () => {
    await strangersGuess(VOUCHED, 'vouched-stranger-2');
    const other = { chatId: 'vouched-other' };
    await h.say(other, { text: VOUCHED });
    const forwarded = await h.say(other, { contact: { phone: '0977000999', verified: false } });
    expect(forwarded[0].text).toContain('chính tài khoản');
    const wrong = await h.say(other, { contact: { phone: '+84911222333', verified: true } });
    expect(wrong[0].text).toContain('chưa khớp');
    expect(await disclosures('vouched-other')).toHaveLength(0);
  });

  it('a resident who verified a code before is not locked out of it by later guesses', async () => {
    const resident = { chatId: 'earlier-owner', channel: 'web' as const };
    await h.say(resident, { text: EARLIER });
    expect(texts(await h.say(resident, { text: '0333' }))).toContain('Đăng ký khai sinh');
    advance(31 * MINUTE); // the 30-minute access is over: the digits are asked again
    await strangersGuess(EARLIER, 'earlier-stranger');
    expect((await h.say(resident, { text: EARLIER }))[0].text).toContain('4 số cuối');
    expect(texts(await h.say(resident, { text: '0333' }))).toContain('Đăng ký khai sinh');
  });

  it('staff lift a lock through the API; the unlock is audited and earlier guesses stop counting', async () => {
    await strangersGuess(UNLOCKED, 'unlock-stranger');
    const owner = { chatId: 'unlock-owner', channel: 'web' as const };
    expect((await h.say(owner, { text: UNLOCKED }))[0].text).toContain('tạm khóa');

    expect((await h.api('POST', `/api/v1/dossiers/${UNLOCKED}/verification/unlock`, {}, null)).status).toBe(401);
    const missing = await h.api('POST', '/api/v1/dossiers/000.33.12.H56-260715-0999/verification/unlock', {}, ADMIN_KEY);
    expect(missing.status).toBe(404);
    const res = await h.api('POST', `/api/v1/dossiers/${UNLOCKED}/verification/unlock`, {}, ADMIN_KEY);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ code: UNLOCKED, cleared: 5, wasLocked: true });
    const audits = await h.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'dossier.verification_unlocked'), eq(auditLog.subject, UNLOCKED)));
    expect(audits).toHaveLength(1);
    expect(audits[0].actor).toBe('admin');
    expect(audits[0].details).toEqual({ cleared: 5, wasLocked: true });

    await h.say(owner, { text: UNLOCKED });
    expect(texts(await h.say(owner, { text: '0222' }))).toContain('Đăng ký khai sinh');
    // The strangers' own limits are untouched by the unlock, and new guesses count from zero.
    const again = await h.say({ chatId: 'unlock-stranger-late', channel: 'web' }, { text: UNLOCKED });
    expect(again[0].text).toContain('4 số cuối');
  });

  it('a missing code and a wrong guess on an existing one run the same statements and comparison, and get the same reply', async () => {
    const session = (h.db as unknown as { session: { prepareQuery: (...args: unknown[]) => unknown } }).session;
    const original = session.prepareQuery;
    const statements: string[] = [];
    session.prepareQuery = function (this: unknown, ...args: unknown[]) {
      statements.push((args[0] as { sql: string }).sql.replace(/\$\d+/g, '?'));
      return original.apply(this, args);
    };
    const attempt = async (code: string, userId: string) => {
      statements.length = 0;
      compared.count = 0;
      const result = await verifyDossierAccess(
        h.db,
        { communeId: h.communeId, channel: 'web', userId, code, digits: '4444', now: h.clock.now },
        { phoneKey: PHONE_KEY },
      );
      return { result, statements: [...statements], comparisons: compared.count };
    };
    try {
      const wrong = await attempt('000.33.12.H56-260715-0012', 'timing-a');
      const missing = await attempt('000.33.12.H56-260715-0555', 'timing-b');
      expect(wrong.result).toEqual(missing.result);
      expect(wrong.statements.length).toBeGreaterThan(0);
      expect(wrong.statements).toEqual(missing.statements);
      expect(wrong.comparisons).toBe(1);
      expect(missing.comparisons).toBe(1);
    } finally {
      session.prepareQuery = original;
    }
  });
});
