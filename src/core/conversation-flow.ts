import { defineStateSlice, FLOW_PROGRESS_KEY, isJsonObject } from './conversation-state.js';
import { NEXT, type BaseContext, type Handler, type HandlerResult } from './router.js';
import { foldPhrase } from './text-input.js';
import type { Reply, ReplyButton } from './types.js';

/**
 * What a step makes of the resident's message:
 * - `next`: accepted; the value is kept and the next step asked (or the flow completed);
 * - `retry`: not valid; the same question again, saying politely what is expected;
 * - `leave`: not an answer at all (a new question, a greeting): the flow ends and
 *   the message is routed as if no flow were active;
 * - `done`: the step settled the outcome itself (verified, locked out…): the flow
 *   ends with this result, unless the step started a flow of its own meanwhile.
 */
export type StepOutcome =
  | { kind: 'next'; value: unknown }
  | { kind: 'retry'; text: string }
  | { kind: 'leave' }
  | { kind: 'done'; result: HandlerResult };

export const step = {
  next: (value: unknown = true): StepOutcome => ({ kind: 'next', value }),
  retry: (text: string): StepOutcome => ({ kind: 'retry', text }),
  leave: (): StepOutcome => ({ kind: 'leave' }),
  done: (result: HandlerResult): StepOutcome => ({ kind: 'done', result }),
};

/** One question of a flow. Values are JSON: they are persisted between messages. */
export interface FlowStep<C extends BaseContext> {
  id: string;
  /** The question. */
  ask(ctx: C, values: Record<string, unknown>): Reply;
  /** Read the answer in `ctx` (text, shared contact). May use the database. */
  answer(ctx: C, values: Record<string, unknown>): StepOutcome | Promise<StepOutcome>;
  /**
   * An optional step: a typed "bỏ qua" (skip) is its answer, read by `answer`, instead of
   * ending the whole flow as it does at any other step.
   */
  skippable?: boolean;
}

export interface FlowDefinition<C extends BaseContext> {
  /** Stored in `state.flow` while the flow is active, namespaced like actions (`dossier:verify`). */
  name: string;
  steps: FlowStep<C>[];
  /** Without an answer for this long the flow is over and the next message is routed normally. Default 30 minutes. */
  idleMs?: number;
  /** Shown under every question and re-prompt; its action should cancel the flow too. */
  cancelButton?: ReplyButton;
  /** The answer to a typed "hủy" at any step. The flow has already ended. */
  cancelled(ctx: C): HandlerResult | Promise<HandlerResult>;
  /** Every step answered. The flow has already ended. */
  complete?(ctx: C, values: Record<string, unknown>): HandlerResult | Promise<HandlerResult>;
  /** Called whenever the flow ends (completed, cancelled, left, expired): clear the feature's own pending data. */
  onEnd?(ctx: C): void;
}

/** A multi-step chat form, driven by the router: register `handle` with `router.flow(flow.name, flow.handle)`. */
export interface ConversationFlow<C extends BaseContext> {
  readonly name: string;
  /** Enter the flow at its first step (or `opts.step`); returns the question, or `opts.reply` in its place. */
  start(ctx: C, opts?: { step?: string; values?: Record<string, unknown>; reply?: Reply }): Reply;
  /** The step handler. */
  handle: Handler<C>;
  /** Leave the flow now (and run `onEnd`); does nothing when another flow is active. */
  end(ctx: C): void;
  isActive(ctx: C): boolean;
}

/** Where the active flow stands; one flow is active at a time, so one slice serves them all. */
interface FlowProgress {
  flow: string;
  step: string;
  values: Record<string, unknown>;
  /** When the resident was last asked (ISO): the idle clock. */
  at: string;
}

const progress = defineStateSlice<FlowProgress>(FLOW_PROGRESS_KEY, {
  // Checked in place: the flow compares the stored object's identity to see whether a step restarted it.
  parse: (raw) => {
    if (!isJsonObject(raw) || typeof raw.flow !== 'string' || typeof raw.step !== 'string' || typeof raw.at !== 'string')
      return undefined;
    if (!isJsonObject(raw.values)) raw.values = {};
    return raw as unknown as FlowProgress;
  },
  empty: () => ({ flow: '', step: '', values: {}, at: new Date(0).toISOString() }),
});

/** Typed on its own at any step, these end the flow ("hủy", "thôi", "dừng lại"…). Compared folded. */
// Not a bare "dung": folded, it is also "đúng" (yes), an answer.
const CANCEL_PHRASES = new Set(['huy', 'huy bo', 'huy tra cuu', 'thoi', 'thoi khong', 'dung lai', 'cancel', 'bo qua']);
/** Cancel phrases that answer a skippable step instead ("bỏ qua": skip this one). */
const SKIP_PHRASES = new Set(['bo qua']);

export function isCancelPhrase(text: string): boolean {
  return CANCEL_PHRASES.has(foldPhrase(text));
}

/** Whether the text is "bỏ qua" (skip), typed on its own. */
export function isSkipPhrase(text: string): boolean {
  return SKIP_PHRASES.has(foldPhrase(text));
}

export const DEFAULT_FLOW_IDLE_MS = 30 * 60_000;

/**
 * A multi-step chat form: ask, validate with a polite re-prompt, cancel at any
 * step, expire after an idle time, resume after a restart. Everything it keeps
 * is in the persisted conversation state (`state.flow` and one slice), so a
 * restart between two messages changes nothing. "Gặp cán bộ" and the menu stay
 * reachable because the router tries global phrases before any flow step.
 *
 * A flow entered by an older version (`state.flow` set, no progress slice) is
 * resumed at its first step with no values and no idle clock: it continues
 * instead of dropping what the resident was asked.
 */
export function createFlow<C extends BaseContext>(def: FlowDefinition<C>): ConversationFlow<C> {
  if (def.steps.length === 0) throw new Error(`flow ${def.name} has no steps`);
  const idleMs = def.idleMs ?? DEFAULT_FLOW_IDLE_MS;
  const stepById = new Map(def.steps.map((s) => [s.id, s]));

  const withCancel = (reply: Reply): Reply =>
    def.cancelButton && !reply.buttons ? { ...reply, buttons: [def.cancelButton] } : reply;

  function isActive(ctx: C): boolean {
    return ctx.state.flow === def.name;
  }

  function current(ctx: C): FlowProgress | undefined {
    const p = progress.read(ctx.state);
    return p && p.flow === def.name ? p : undefined;
  }

  function end(ctx: C): void {
    if (!isActive(ctx)) return;
    ctx.state.flow = null;
    progress.clear(ctx.state);
    def.onEnd?.(ctx);
  }

  function enter(ctx: C, stepId: string, values: Record<string, unknown>): FlowProgress {
    ctx.state.flow = def.name;
    const p: FlowProgress = { flow: def.name, step: stepId, values, at: ctx.now.toISOString() };
    progress.set(ctx.state, p);
    return p;
  }

  function start(ctx: C, opts: { step?: string; values?: Record<string, unknown>; reply?: Reply } = {}): Reply {
    const s = stepById.get(opts.step ?? def.steps[0].id);
    if (!s) throw new Error(`flow ${def.name} has no step ${opts.step}`);
    const values = { ...(opts.values ?? {}) };
    enter(ctx, s.id, values);
    return withCancel(opts.reply ?? s.ask(ctx, values));
  }

  async function handle(ctx: C): Promise<HandlerResult> {
    if (!isActive(ctx)) return NEXT;
    const p = current(ctx);
    if (p && ctx.now.getTime() - new Date(p.at).getTime() > idleMs) {
      end(ctx);
      return NEXT;
    }
    const s = (p && stepById.get(p.step)) ?? def.steps[0];
    if (ctx.text && isCancelPhrase(ctx.text) && !(s.skippable && isSkipPhrase(ctx.text))) {
      end(ctx);
      return def.cancelled(ctx);
    }
    const values = p?.values ?? {};
    const before = p ?? enter(ctx, s.id, values);
    const outcome = await s.answer(ctx, values);
    // A step may start a flow itself (a new code typed mid-flow): then that flow is the active one.
    const restarted = ctx.state.flow !== def.name || progress.read(ctx.state) !== before;
    switch (outcome.kind) {
      case 'retry':
        if (!restarted) before.at = ctx.now.toISOString();
        return withCancel({ text: outcome.text });
      case 'leave':
        if (!restarted) end(ctx);
        return NEXT;
      case 'done':
        if (!restarted) end(ctx);
        return outcome.result;
      case 'next': {
        values[s.id] = outcome.value;
        const following = def.steps[def.steps.indexOf(s) + 1];
        if (following) {
          enter(ctx, following.id, values);
          return withCancel(following.ask(ctx, values));
        }
        end(ctx);
        return def.complete?.(ctx, values);
      }
    }
  }

  return { name: def.name, start, handle, end, isActive };
}
