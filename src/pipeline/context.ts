import type { Logger } from '../core/logger.js';
import type { CommuneInfo } from '../core/commune.js';
import type { BaseContext } from '../core/router.js';
import { capabilitiesOf } from '../channels/capabilities.js';
import type { ChannelCapabilities, ConversationState, InboundMessage, Reply } from '../core/types.js';
import type { Db } from '../db/client.js';
import type { inboundMessages } from '../db/schema/index.js';

/** What every handler gets: the neutral context plus the transaction-bound database handle. */
export interface AppContext extends BaseContext {
  /** What the resident's platform can do (numbered buttons, contact sharing…): ask this, never the channel's name. */
  capabilities: ChannelCapabilities;
  /**
   * The transaction of this message. Handlers must use it (never the root
   * handle): writes commit together with the state and the replies, and on
   * PGlite (one connection) the root handle would wait for this transaction.
   */
  db: Db;
}

/** A recorded inbound message as the processing reads it. */
export type InboundRow = typeof inboundMessages.$inferSelect;

/** Builds what a handler sees from a recorded message and its conversation's state. */
export interface ContextBuilder {
  /** The handler context of a recorded message; a bare number taps the numbered button it names (Zalo). */
  contextFor(
    row: InboundRow,
    conv: { flow: string | null; data: Record<string, unknown> | null },
    commune: CommuneInfo,
    tx: Db,
  ): { ctx: AppContext; state: ConversationState };
  /** Keep the actions of a reply's numbered buttons in the state, for a later bare number. */
  rememberNumbered(channel: string, replies: Reply[], state: ConversationState): void;
}

/** The handler context and the numbered-button memory, shared by single and batch processing. */
export function createContextBuilder(deps: {
  log: Logger;
  now: () => Date;
  numberedActions?: (channel: string, replies: Reply[]) => string[] | undefined;
}): ContextBuilder {
  const { log, now } = deps;

  function contextFor(
    row: InboundRow,
    conv: { flow: string | null; data: Record<string, unknown> | null },
    commune: CommuneInfo,
    tx: Db,
  ): { ctx: AppContext; state: ConversationState } {
    // A deep copy: a handler that changes a nested value in place (a flow step's values) must show as a change.
    const state: ConversationState = { flow: conv.flow, data: structuredClone(conv.data ?? {}) };
    const payload = (row.payload ?? {}) as Record<string, unknown>;
    let action = row.action ?? undefined;
    let text = row.text ?? '';
    const numbered = state.data.numberedActions as string[] | undefined;
    const digit = /^\s*(\d{1,2})\s*$/.exec(text);
    if (!action && digit && numbered && numbered[Number(digit[1]) - 1]) {
      action = numbered[Number(digit[1]) - 1];
      text = '';
    }
    const msg: InboundMessage = {
      channel: row.channel as InboundMessage['channel'],
      communeId: row.communeId,
      chatId: row.chatId,
      userId: row.userId,
      externalId: row.externalId,
      text: text || undefined,
      action,
      attachments: payload.attachments as InboundMessage['attachments'],
      contact: payload.contact as InboundMessage['contact'],
      event: payload.event as InboundMessage['event'],
    };
    const ctx: AppContext = {
      msg,
      commune,
      state,
      text,
      actionArgs: [],
      commandArg: '',
      requestId: row.requestId,
      now: now(),
      log: log.child({ requestId: row.requestId, channel: row.channel, communeId: row.communeId }),
      db: tx,
      capabilities: capabilitiesOf(row.channel),
    };
    return { ctx, state };
  }

  function rememberNumbered(channel: string, replies: Reply[], state: ConversationState): void {
    if (!deps.numberedActions) return;
    const list = replies.length ? deps.numberedActions(channel, replies) : undefined;
    if (list && list.length) state.data.numberedActions = list;
    else if (replies.length) delete state.data.numberedActions;
  }

  return { contextFor, rememberNumbered };
}
