import { sweepAbandonedFlow } from './conversation-state.js';
import type { ConversationState, InboundMessage, Reply } from './types.js';
import type { CommuneInfo } from './commune.js';
import type { Logger } from './logger.js';

/**
 * What a handler sees. `state` is the persisted conversation state: mutate it
 * and the dispatcher saves it in the same transaction as the handler's writes.
 * `T` carries app-specific extras (the transaction-bound database handle).
 */
export interface BaseContext {
  msg: InboundMessage;
  commune: CommuneInfo;
  state: ConversationState;
  /** Cleaned text (NFC, no control chars, trimmed). Empty when the message is a button tap. */
  text: string;
  /** Regex match for `hears` with a RegExp. */
  match?: RegExpMatchArray | null;
  /** Parts after the action prefix: `proc:detail:1.001193` routed by `proc:detail` gives ["1.001193"]. */
  actionArgs: string[];
  /** Command argument: `/start proc_1.001193` gives "proc_1.001193". */
  commandArg: string;
  requestId: string;
  now: Date;
  log: Logger;
}

export type HandlerResult = Reply | Reply[] | void | typeof NEXT;
export type Handler<C extends BaseContext> = (ctx: C) => HandlerResult | Promise<HandlerResult>;

/** Return this from a handler to let the next matching route try. */
export const NEXT = Symbol('router.next');

type TextMatcher = RegExp | ((text: string, ctx: BaseContext) => boolean);

interface HearsRoute<C extends BaseContext> {
  matcher: TextMatcher;
  handler: Handler<C>;
}

/**
 * A small router in the spirit of grammY's Composer, but handlers return
 * replies instead of sending them. Order of routing:
 * 0. platform events (follow, unfollow), every feature's handler in turn,
 * 1. button actions (exact id or id prefix followed by `:`),
 * 2. commands (`/start`, `/menu`),
 * 3. global phrases that work even inside a flow (menu, talk to staff),
 * 4. the active flow's step handler (if any),
 * 5. phrases (`hears`) in registration order,
 * 6. the fallback.
 * A handler returning NEXT passes to the next candidate.
 */
export class Router<C extends BaseContext> {
  private actions: { id: string; handler: Handler<C> }[] = [];
  private commands = new Map<string, Handler<C>>();
  private globals: HearsRoute<C>[] = [];
  private hooks: Array<(ctx: C) => Promise<void> | void> = [];
  private flows = new Map<string, Handler<C>>();
  private phrases: HearsRoute<C>[] = [];
  private events: { name: NonNullable<InboundMessage['event']>; handler: Handler<C> }[] = [];
  private fallbackHandler: Handler<C> = () => undefined;

  /**
   * A platform event (a Zalo OA follow or unfollow). Every feature's handler
   * for it runs, in registration order (each may record something of its own);
   * the first reply ends the turn, and with none the fallback answers.
   */
  event(name: NonNullable<InboundMessage['event']>, handler: Handler<C>): this {
    this.events.push({ name, handler });
    return this;
  }

  action(id: string, handler: Handler<C>): this {
    this.actions.push({ id, handler });
    // Longest prefix first so `proc:detail:steps` beats `proc:detail`.
    this.actions.sort((a, b) => b.id.length - a.id.length);
    return this;
  }

  command(name: string | string[], handler: Handler<C>): this {
    for (const n of Array.isArray(name) ? name : [name]) this.commands.set(n.toLowerCase(), handler);
    return this;
  }

  /**
   * Work every message from a resident starts, whoever answers it (a tap, a command, "menu", a photo): it
   * runs before the routes and claims nothing. Platform events (follow, unfollow) do not run it.
   */
  before(hook: (ctx: C) => Promise<void> | void): this {
    this.hooks.push(hook);
    return this;
  }

  /** Phrases that interrupt any flow (menu, talk to staff, cancel). */
  global(matcher: TextMatcher, handler: Handler<C>): this {
    this.globals.push({ matcher, handler });
    return this;
  }

  /** The step handler of a multi-step flow, active while `state.flow === name` (or starts with `name:`). */
  flow(name: string, handler: Handler<C>): this {
    this.flows.set(name, handler);
    return this;
  }

  hears(matcher: TextMatcher, handler: Handler<C>): this {
    this.phrases.push({ matcher, handler });
    return this;
  }

  fallback(handler: Handler<C>): this {
    this.fallbackHandler = handler;
    return this;
  }

  /** Route one message. Returns the replies (possibly empty). */
  async handle(ctx: C): Promise<Reply[]> {
    try {
      if (!ctx.msg.event) for (const hook of this.hooks) await hook(ctx);
      for (const candidate of this.candidates(ctx)) {
        const result = await candidate();
        if (result === NEXT) continue;
        return normalizeResult(result);
      }
      return normalizeResult(await this.fallbackHandler(ctx));
    } finally {
      sweepAbandonedFlow(ctx.state);
    }
  }

  private *candidates(ctx: C): Generator<() => HandlerResult | Promise<HandlerResult>> {
    const event = ctx.msg.event;
    if (event) {
      for (const route of this.events) {
        if (route.name === event)
          yield async () => {
            const result = await route.handler(ctx);
            return result ? result : NEXT;
          };
      }
    }
    const action = ctx.msg.action;
    if (action) {
      for (const route of this.actions) {
        if (action === route.id || action.startsWith(route.id + ':')) {
          yield () => {
            ctx.actionArgs = action === route.id ? [] : action.slice(route.id.length + 1).split(':');
            return route.handler(ctx);
          };
        }
      }
    }
    const text = ctx.text;
    const cmd = /^\/([a-zA-Z0-9_]+)(?:@\w+)?(?:\s+(.*))?$/.exec(text);
    if (cmd) {
      const handler = this.commands.get(cmd[1].toLowerCase());
      if (handler) {
        yield () => {
          ctx.commandArg = (cmd[2] ?? '').trim();
          return handler(ctx);
        };
      }
    }
    if (!text && !action) {
      // Nothing to match on (sticker, image without caption): only flows and fallback.
    }
    for (const route of this.globals) {
      if (text && matches(route.matcher, text, ctx)) yield () => route.handler(ctx);
    }
    const flow = ctx.state.flow;
    if (flow) {
      const handler = this.flows.get(flow) ?? this.flows.get(flow.split(':').slice(0, 2).join(':'));
      if (handler) yield () => handler(ctx);
    }
    for (const route of this.phrases) {
      if (text && matches(route.matcher, text, ctx)) yield () => route.handler(ctx);
    }
  }
}

function matches(matcher: TextMatcher, text: string, ctx: BaseContext): boolean {
  if (typeof matcher === 'function') return matcher(text, ctx);
  const m = matcher.exec(text);
  if (m) ctx.match = m;
  return m !== null;
}

function normalizeResult(result: HandlerResult): Reply[] {
  if (!result || result === NEXT) return [];
  return Array.isArray(result) ? result : [result];
}
