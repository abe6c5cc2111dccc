import { describe, expect, it } from 'vitest';
import { NEXT, Router, type BaseContext } from '../../../src/core/router.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { InboundMessage } from '../../../src/core/types.js';

function ctxFor(msg: Partial<InboundMessage>, flow: string | null = null): BaseContext {
  return {
    msg: { channel: 'web', communeId: 1, chatId: 'c', userId: 'u', externalId: 'e', ...msg },
    commune: { id: 1, slug: 'x', name: 'Xã Thử', province: '', address: '', phone: '', hoursText: '' },
    state: { flow, data: {} },
    text: msg.text ?? '',
    actionArgs: [],
    commandArg: '',
    requestId: 'r',
    now: new Date(),
    log: silentLogger,
  };
}

function makeRouter() {
  const r = new Router<BaseContext>();
  r.command('start', (ctx) => ({ text: `start:${ctx.commandArg}` }));
  r.global(/^menu$/i, () => ({ text: 'menu' }));
  r.action('proc:detail', (ctx) => ({ text: `detail:${ctx.actionArgs.join('|')}` }));
  r.action('proc:detail:steps', (ctx) => ({ text: `steps:${ctx.actionArgs.join('|')}` }));
  r.flow('ask:name', (ctx) => (ctx.text === 'skip' ? NEXT : { text: `name:${ctx.text}` }));
  r.hears(/khai sinh/, () => ({ text: 'khai-sinh' }));
  r.hears(/skip/, () => ({ text: 'phrase-skip' }));
  r.fallback(() => ({ text: 'fallback' }));
  return r;
}

describe('router', () => {
  const r = makeRouter();
  it.each([
    [{ text: '/start' }, null, 'start:'],
    [{ text: '/start p_1_001193' }, null, 'start:p_1_001193'],
    [{ text: '/START@tro_ly_bot' }, null, 'start:'],
    [{ action: 'proc:detail:1.001193' }, null, 'detail:1.001193'],
    [{ action: 'proc:detail' }, null, 'detail:'],
    [{ action: 'proc:detail:steps:1.001193' }, null, 'steps:1.001193'],
    [{ action: 'proc:detailx' }, null, 'fallback'],
    [{ text: 'menu' }, 'ask:name', 'menu'],
    [{ text: 'Nguyễn' }, 'ask:name', 'name:Nguyễn'],
    [{ text: 'skip' }, 'ask:name', 'phrase-skip'],
    [{ text: 'làm khai sinh' }, null, 'khai-sinh'],
    [{ text: 'xin chào' }, null, 'fallback'],
    [{ text: '' }, null, 'fallback'],
  ] as const)('routes %j (flow %s) to %s', async (msg, flow, expected) => {
    const replies = await r.handle(ctxFor(msg as Partial<InboundMessage>, flow));
    expect(replies.map((x) => x.text)).toEqual([expected]);
  });

  it('flow names with a suffix reach the flow handler', async () => {
    const replies = await r.handle(ctxFor({ text: 'An' }, 'ask:name:step2'));
    expect(replies[0].text).toBe('name:An');
  });

  it('handlers returning nothing produce no replies', async () => {
    const r2 = new Router<BaseContext>();
    r2.hears(/x/, () => undefined);
    expect(await r2.handle(ctxFor({ text: 'x' }))).toEqual([]);
  });
});
