import { describe, expect, it } from 'vitest';
import { createFlow, isCancelPhrase, step } from '../../../src/core/conversation-flow.js';
import { defineStateSlice } from '../../../src/core/conversation-state.js';
import { silentLogger } from '../../../src/core/logger.js';
import { Router, type BaseContext } from '../../../src/core/router.js';
import type { ConversationState, InboundMessage, Reply } from '../../../src/core/types.js';

const MINUTE = 60_000;
const START = new Date('2026-07-16T10:00:00+07:00');

/** A two-step form (name, then a 4-digit year), "gặp cán bộ" as a global, and a fallback. */
function makeBot(idleMs?: number) {
  const router = new Router<BaseContext>();
  const ended: string[] = [];
  const form = createFlow<BaseContext>({
    name: 'test:form',
    idleMs,
    cancelButton: { label: 'Hủy', action: 'form:cancel' },
    steps: [
      {
        id: 'name',
        ask: () => ({ text: 'Anh/chị tên là gì?' }),
        answer: (ctx) => (ctx.text.length >= 2 ? step.next(ctx.text) : step.retry('Anh/chị vui lòng nhập họ tên.')),
      },
      {
        id: 'year',
        skippable: true,
        ask: (_ctx, values) => ({ text: `Chào ${values.name}, anh/chị sinh năm nào?` }),
        answer: (ctx) => {
          if (/^bỏ qua$/i.test(ctx.text)) return step.next(null);
          if (/^\d{4}$/.test(ctx.text)) return step.next(Number(ctx.text));
          if (!/\d/.test(ctx.text)) return step.leave();
          return step.retry('Anh/chị vui lòng nhập năm sinh gồm 4 chữ số, ví dụ 1985.');
        },
      },
    ],
    cancelled: () => ({ text: 'Đã hủy.' }),
    complete: (_ctx, values) => ({ text: `Xong: ${values.name}, ${values.year}` }),
    onEnd: () => ended.push('end'),
  });
  router.global(/^gặp cán bộ$/i, () => ({ text: 'cán bộ' }));
  router.global(/^menu$/i, (ctx) => {
    ctx.state.flow = null; // the menu takes over, as the assistant's does
    return { text: 'menu' };
  });
  router.action('form:start', (ctx) => form.start(ctx));
  router.flow(form.name, form.handle);
  router.fallback(() => ({ text: 'fallback' }));

  // The conversation state goes through JSON between messages, as it does through the database.
  let stored = JSON.stringify({ flow: null, data: {} } satisfies ConversationState);
  let now = START;
  async function say(input: Partial<InboundMessage>): Promise<Reply[]> {
    const state = JSON.parse(stored) as ConversationState;
    const ctx: BaseContext = {
      msg: { channel: 'web', communeId: 1, chatId: 'c', userId: 'u', externalId: 'e', ...input },
      commune: { id: 1, slug: 'x', name: 'Xã Thử', province: '', address: '', phone: '', hoursText: '' },
      state,
      text: input.text ?? '',
      actionArgs: [],
      commandArg: '',
      requestId: 'r',
      now,
      log: silentLogger,
    };
    const replies = await router.handle(ctx);
    stored = JSON.stringify(state);
    return replies;
  }
  return {
    say,
    ended,
    state: () => JSON.parse(stored) as ConversationState,
    setState: (s: ConversationState) => (stored = JSON.stringify(s)),
    wait: (ms: number) => (now = new Date(now.getTime() + ms)),
  };
}

type Turn = [input: Partial<InboundMessage> | { wait: number }, expected: string | RegExp];

const cancelButtons = [{ label: 'Hủy', action: 'form:cancel' }];

describe('conversation flow', () => {
  it.each<[string, Turn[]]>([
    [
      'asks each step and completes with the values',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'Lan' }, 'Chào Lan, anh/chị sinh năm nào?'],
        [{ text: '1985' }, 'Xong: Lan, 1985'],
        [{ text: '1985' }, 'fallback'],
      ],
    ],
    [
      're-prompts politely on an invalid answer and stays on the step',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'Lan' }, /sinh năm nào/],
        [{ text: '85' }, 'Anh/chị vui lòng nhập năm sinh gồm 4 chữ số, ví dụ 1985.'],
        [{ text: '1985' }, 'Xong: Lan, 1985'],
      ],
    ],
    [
      'cancels at any step on "hủy"',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'Lan' }, /sinh năm nào/],
        [{ text: 'Hủy' }, 'Đã hủy.'],
        [{ text: '1985' }, 'fallback'],
      ],
    ],
    [
      'cancels on "thôi" too, before any answer',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'thôi' }, 'Đã hủy.'],
      ],
    ],
    [
      'lets "gặp cán bộ" through in the middle of a flow, which then goes on',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'gặp cán bộ' }, 'cán bộ'],
        [{ text: 'Lan' }, /sinh năm nào/],
      ],
    ],
    [
      'leaves the flow on something that is not an answer, routing it normally',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'Lan' }, /sinh năm nào/],
        [{ text: 'giờ làm việc?' }, 'fallback'],
        [{ text: '1985' }, 'fallback'],
      ],
    ],
    [
      'expires after the idle time: the late answer is routed as a new message',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ wait: 31 * MINUTE }, ''],
        [{ text: 'Lan' }, 'fallback'],
      ],
    ],
    [
      'does not expire while the resident keeps answering, even wrongly',
      [
        [{ action: 'form:start' }, 'Anh/chị tên là gì?'],
        [{ text: 'Lan' }, /sinh năm nào/],
        [{ wait: 20 * MINUTE }, ''],
        [{ text: '85' }, /4 chữ số/],
        [{ wait: 20 * MINUTE }, ''],
        [{ text: '1985' }, 'Xong: Lan, 1985'],
      ],
    ],
  ])('%s', async (_name, turns) => {
    const bot = makeBot();
    for (const [input, expected] of turns) {
      if ('wait' in input) {
        bot.wait(input.wait as number);
        continue;
      }
      const replies = await bot.say(input);
      expect(replies).toHaveLength(1);
      if (typeof expected === 'string') expect(replies[0].text).toBe(expected);
      else expect(replies[0].text).toMatch(expected);
    }
  });

  it('lets a skippable step read "bỏ qua", which ends the flow at any other step', async () => {
    const bot = makeBot();
    await bot.say({ action: 'form:start' });
    expect((await bot.say({ text: 'Bỏ qua' }))[0].text).toBe('Đã hủy.');
    await bot.say({ action: 'form:start' });
    await bot.say({ text: 'Nguyễn Văn Thử' });
    expect((await bot.say({ text: 'bỏ qua' }))[0].text).toBe('Xong: Nguyễn Văn Thử, null');
    await bot.say({ action: 'form:start' });
    await bot.say({ text: 'Nguyễn Văn Thử' });
    expect((await bot.say({ text: 'hủy' }))[0].text).toBe('Đã hủy.');
  });

  it('puts the cancel button under questions and re-prompts', async () => {
    const bot = makeBot();
    expect(await bot.say({ action: 'form:start' })).toEqual([{ text: 'Anh/chị tên là gì?', buttons: cancelButtons }]);
    expect(await bot.say({ text: 'L' })).toEqual([{ text: 'Anh/chị vui lòng nhập họ tên.', buttons: cancelButtons }]);
  });

  it('keeps its progress in the persisted state only, and clears it with the flow', async () => {
    const bot = makeBot();
    await bot.say({ action: 'form:start' });
    await bot.say({ text: 'Lan' });
    expect(bot.state()).toEqual({
      flow: 'test:form',
      data: { flowStep: { flow: 'test:form', step: 'year', values: { name: 'Lan' }, at: START.toISOString() } },
    });
    await bot.say({ text: '1985' });
    expect(bot.state()).toEqual({ flow: null, data: {} });
    expect(bot.ended).toEqual(['end']);
  });

  it('honours a configured idle time', async () => {
    const bot = makeBot(5 * MINUTE);
    await bot.say({ action: 'form:start' });
    bot.wait(6 * MINUTE);
    expect((await bot.say({ text: 'Lan' }))[0].text).toBe('fallback');
    expect(bot.state().flow).toBeNull();
  });

  it('resumes a flow stored by an older version (no progress slice) at its first step', async () => {
    const bot = makeBot();
    bot.setState({ flow: 'test:form', data: {} });
    expect((await bot.say({ text: 'Lan' }))[0].text).toBe('Chào Lan, anh/chị sinh năm nào?');
  });

  it.each([
    ['hủy', true],
    ['Hủy.', true],
    ['huỷ bỏ', true],
    ['thôi', true],
    ['dừng lại', true],
    ['đúng', false],
    ['thôi, cho hỏi giờ làm việc', false],
    ['hủy đăng ký kết hôn', false],
  ])('"%s" is a cancel phrase: %s', (text, expected) => {
    expect(isCancelPhrase(text)).toBe(expected);
  });
});

describe('conversation state slices', () => {
  const slice = defineStateSlice<{ count?: number }>('test-slice', {
    parse: (raw) => (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as { count?: number }) : undefined),
    empty: () => ({}),
  });

  it('creates the slice on first use and leaves the other keys alone', () => {
    const state: ConversationState = { flow: null, data: { other: 1 } };
    slice.get(state).count = 2;
    expect(state.data).toEqual({ other: 1, 'test-slice': { count: 2 } });
  });

  it('drops a stored value it cannot read', () => {
    const state: ConversationState = { flow: null, data: { 'test-slice': 'garbage' } };
    expect(slice.read(state)).toBeUndefined();
    expect(state.data).toEqual({});
  });

  it('refuses a second claim on the same key', () => {
    expect(() => defineStateSlice('test-slice', { parse: () => undefined, empty: () => ({}) })).toThrow(/already claimed/);
  });

  it('drops the answers of a flow something else took over (nothing personal stays in the stored state)', async () => {
    const bot = makeBot();
    await bot.say({ action: 'form:start' });
    await bot.say({ text: 'Nguyễn Văn Lan' });
    expect(JSON.stringify(bot.state().data)).toContain('Nguyễn Văn Lan');
    expect(await bot.say({ text: 'menu' })).toEqual([{ text: 'menu' }]);
    expect(bot.state().flow).toBeNull();
    expect(JSON.stringify(bot.state().data)).not.toContain('Nguyễn Văn Lan');
  });
});
