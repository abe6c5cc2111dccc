import { capabilitiesOf } from '../../src/channels/capabilities.js';
import { numberedChoices } from '../../src/channels/shared/numbered.js';
import type { FeatureModule } from '../../src/core/feature.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CommuneInfo } from '../../src/core/commune.js';
import { Router, type Handler } from '../../src/core/router.js';
import type { ChannelName, InboundMessage, Reply } from '../../src/core/types.js';
import type { Db } from '../../src/db/client.js';
import { communes } from '../../src/db/schema/index.js';
import { createContextBuilder, type AppContext, type InboundRow } from '../../src/pipeline/context.js';
import { createTestDatabase } from './db.js';

/** What a resident sends: typed text, a button tap, a shared contact or a platform event. */
export type HarnessInput =
  | string
  | {
      text?: string;
      action?: string;
      contact?: InboundMessage['contact'];
      attachments?: InboundMessage['attachments'];
      event?: InboundMessage['event'];
    };

export interface HandlerHarness {
  /** The migrated test database (PGlite, or a throwaway PostgreSQL database under TEST_DATABASE_URL). */
  db: Db;
  commune: CommuneInfo;
  /**
   * One message from `chatId` through the modules' handlers, in its own transaction, as the
   * dispatcher's processing does it; the conversation state is kept between messages of a chat.
   */
  send(input: HarnessInput, opts?: { chatId?: string; channel?: ChannelName }): Promise<Reply[]>;
  /** The saved conversation state of a chat (what the next message will see). */
  stateOf(chatId?: string, channel?: ChannelName): { flow: string | null; data: Record<string, unknown> };
  close(): Promise<void>;
}

/**
 * Feature handlers on a migrated database, without HTTP, channels or the outbox:
 * the modules are registered in the given order, as `buildRouter` does with
 * `MODULES`, and each message gets the context the dispatcher builds
 * (`createContextBuilder`), numbered-button memory included. Milliseconds per message.
 */
export async function createHandlerHarness<D>(opts: {
  modules: readonly FeatureModule<AppContext, D>[];
  deps?: D;
  fallback?: Handler<AppContext>;
  now?: () => Date;
}): Promise<HandlerHarness> {
  const database = await createTestDatabase();
  const [row] = await database.db
    .insert(communes)
    .values({
      slug: 'xa-thu',
      name: 'Xã Thử',
      province: 'Tỉnh Thử',
      address: 'Trung tâm Phục vụ hành chính công xã Thử',
      phone: '0237 000 000',
      hoursText: 'Thứ Hai – Thứ Sáu, 7:30–11:30 và 13:30–17:00',
    })
    .returning();
  const commune: CommuneInfo = {
    id: row.id,
    slug: row.slug,
    name: row.name,
    province: row.province,
    address: row.address,
    phone: row.phone,
    hoursText: row.hoursText,
  };
  const router = new Router<AppContext>();
  for (const module of opts.modules) module.register?.(router, opts.deps as D);
  if (opts.fallback) router.fallback(opts.fallback);
  const context = createContextBuilder({
    log: silentLogger,
    now: opts.now ?? (() => new Date()),
    numberedActions: (channel, replies) =>
      capabilitiesOf(channel).buttons === 'numbered' ? numberedChoices(replies.at(-1)?.buttons) : undefined,
  });
  const conversations = new Map<string, { flow: string | null; data: Record<string, unknown> }>();
  let seq = 0;

  return {
    db: database.db,
    commune,
    async send(input, o = {}) {
      const chatId = o.chatId ?? 'chat-1';
      const channel = o.channel ?? 'telegram';
      const key = `${channel}:${chatId}`;
      const m = typeof input === 'string' ? { text: input } : input;
      seq += 1;
      const inbound = {
        id: seq,
        communeId: commune.id,
        channel,
        externalId: `m${seq}`,
        conversationId: 0,
        chatId,
        userId: chatId,
        text: m.text ?? null,
        action: m.action ?? null,
        payload: { attachments: m.attachments, contact: m.contact, event: m.event },
        status: 'received',
        attempts: 0,
        requestId: `req-${seq}`,
        errorCode: null,
        receivedAt: new Date(),
        processedAt: null,
      } satisfies InboundRow;
      return database.db.transaction(async (tx) => {
        const conv = conversations.get(key) ?? { flow: null, data: {} };
        const { ctx, state } = context.contextFor(inbound, conv, commune, tx as unknown as Db);
        const replies = await router.handle(ctx);
        context.rememberNumbered(channel, replies, state);
        // Stored as JSON, as the processing's statement does.
        conversations.set(key, { flow: state.flow ?? null, data: JSON.parse(JSON.stringify(state.data)) });
        return replies;
      });
    },
    stateOf(chatId = 'chat-1', channel = 'telegram') {
      return conversations.get(`${channel}:${chatId}`) ?? { flow: null, data: {} };
    },
    close: () => database.close(),
  };
}
