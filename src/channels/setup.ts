import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { ChannelAdapter, InboundMessage } from '../core/types.js';
import type { Database } from '../db/client.js';
import { channelAccounts } from '../db/schema/index.js';
import type { CommuneDirectory } from '../core/commune.js';
import type { Dispatcher, IngestResult } from '../pipeline/dispatcher.js';
import type { WebhookRoute } from '../server/webhooks.js';
import type { ChannelEnv, ChannelHooks, ChannelModule } from './setup-types.js';
import { createTelegramChannel } from './telegram/setup.js';
import { webChatUrlFor } from './web/index.js';
import { setupWebChatSecurity } from './web/setup.js';
import type { WebChatSecurity } from './web/session.js';
import { createZaloChannel } from './zalo/setup.js';
import { createZaloBotChannel } from './zalobot/setup.js';

/** The platforms with accounts of their own, in the order their webhook routes are tried. */
const CHANNEL_MODULES: ((env: ChannelEnv) => ChannelModule)[] = [createTelegramChannel, createZaloChannel, createZaloBotChannel];

export interface ChannelSetup {
  /** Adapters keyed `${communeId}:${channel}` for the delivery worker. */
  adapters: Map<string, ChannelAdapter>;
  webhooks: WebhookRoute[];
  /** The web chat's session key and limits (configured, or generated once and kept in the database). */
  webChat: WebChatSecurity;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Channel accounts from the environment (the configured commune's bot and OA)
 * are upserted into channel_accounts; every account row becomes an adapter, so
 * a province platform adds communes' bots as rows. What each platform needs
 * (its settings, webhook routes, start and stop) is in its own folder's
 * setup.ts; this only runs them.
 */
export async function setupChannels(deps: {
  config: Config;
  database: Database;
  defaultCommuneId: number;
  /** The runtime's commune directory (cached): a commune's slug for its web chat link. */
  communes: CommuneDirectory;
  dispatcher: Dispatcher;
  /** Schedules processing of recorded messages (batched). */
  process: (conversationId: number, communeId: number) => void;
  log: Logger;
}): Promise<ChannelSetup> {
  const { config, database, log, dispatcher } = deps;
  const db = database.db;
  const env: ChannelEnv = {
    config,
    db,
    log,
    defaultCommuneId: deps.defaultCommuneId,
    // Each commune's own web chat (the default commune's is the bare root).
    webChatUrlOf: async (communeId) =>
      webChatUrlFor(
        config.PUBLIC_URL,
        communeId === deps.defaultCommuneId ? undefined : (await deps.communes.get(communeId))?.slug,
      ),
  };
  const modules = CHANNEL_MODULES.map((create) => create(env));

  for (const module of modules) {
    const account = module.accountFromEnv(config);
    if (!account) continue;
    await db
      .insert(channelAccounts)
      .values({
        communeId: deps.defaultCommuneId,
        channel: module.channel,
        accountKey: account.accountKey,
        config: account.config,
      })
      .onConflictDoUpdate({ target: [channelAccounts.channel, channelAccounts.accountKey], set: { config: account.config } });
    await module.afterUpsert?.(account.accountKey);
  }

  const adapters = new Map<string, ChannelAdapter>();
  for (const row of await db.select().from(channelAccounts)) {
    const module = modules.find((m) => m.channel === row.channel);
    const adapter = await module?.open(row);
    if (adapter) adapters.set(`${row.communeId}:${row.channel}`, adapter);
  }

  // The web chat has no account: only its session key (configured, or generated once) and its limits.
  const webChat = await setupWebChatSecurity(db, config);

  const hooks: ChannelHooks = {
    // One webhook may carry several messages; they are recorded together (and in order).
    ingest: (messages: InboundMessage[]): Promise<IngestResult[]> => Promise.all(messages.map((m) => dispatcher.ingest(m))),
    // What is scheduled here is already durable: the processor batches it, recovery covers a crash. A
    // redelivered copy schedules its conversation too: the first delivery may have been answered 503 although
    // its statement committed later (a stalled recording), and processing takes only what is unprocessed.
    afterAck(messages, recorded) {
      for (const r of recorded as IngestResult[]) deps.process(r.conversationId, r.communeId);
      for (const m of messages) {
        if (!m.action) continue;
        void adapters.get(`${m.communeId}:${m.channel}`)?.acknowledge?.(m);
      }
    },
  };

  return {
    adapters,
    webChat,
    webhooks: modules.flatMap((m) => m.webhooks(hooks)),
    async start() {
      for (const m of modules) await m.start(hooks);
    },
    async stop() {
      await Promise.all(modules.map((m) => m.stop()));
    },
  };
}
