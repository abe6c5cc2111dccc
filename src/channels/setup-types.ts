import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { ChannelAdapter, ChannelName, InboundMessage } from '../core/types.js';
import type { Db } from '../db/client.js';
import type { WebhookRoute } from '../server/webhooks.js';

/** What a channel's setup gets from the application. */
export interface ChannelEnv {
  config: Config;
  db: Db;
  log: Logger;
  defaultCommuneId: number;
  /** A commune's web chat address (where a platform without files sends the resident). */
  webChatUrlOf(communeId: number): Promise<string | undefined>;
}

/** How a channel hands recorded messages to the pipeline, the same for webhooks and polling. */
export interface ChannelHooks {
  /** Durably record messages (resolves once they are committed). */
  ingest(messages: InboundMessage[]): Promise<unknown>;
  /** After the acknowledgement: schedule processing, tell the platform (see ChannelAdapter.acknowledge). */
  afterAck(messages: InboundMessage[], recorded: unknown): void;
}

/** One stored account row of `channel_accounts`. */
export interface ChannelAccountRow {
  communeId: number;
  accountKey: string;
  config: unknown;
}

/**
 * Everything about one platform that is not parsing and rendering: its
 * account settings (validated when read back from the database), the account
 * the environment configures, the adapter of each stored account, its
 * webhook routes, and what runs at start and stop (webhook registration,
 * polling). One per channel folder; `channels/setup.ts` lists them.
 */
export interface ChannelModule {
  readonly channel: ChannelName;
  /** The account the environment configures for the default commune (upserted at start), if any. */
  accountFromEnv(config: Config): { accountKey: string; config: Record<string, unknown> } | undefined;
  /** After the environment's account is stored (Zalo OA: seed the first token pair). */
  afterUpsert?(accountKey: string): Promise<void>;
  /** Open a stored account: its adapter, or undefined when its settings are unusable. */
  open(row: ChannelAccountRow): Promise<ChannelAdapter | undefined>;
  webhooks(hooks: ChannelHooks): WebhookRoute[];
  start(hooks: ChannelHooks): Promise<void>;
  stop(): Promise<void>;
}

/** The public base URL without trailing slashes, for webhook registration. */
export function publicBase(config: Config): string | undefined {
  return config.PUBLIC_URL?.replace(/\/+$/, '');
}
