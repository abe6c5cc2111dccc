import { errInfo } from '../core/log-error.js';
import { createTelegramAdapter, type TelegramAdapter } from '../channels/telegram/index.js';
import { createZaloAdapter, zaloOaIdOf } from '../channels/zalo/index.js';
import { createZaloBotAdapter, zaloBotAccountKey, type ZaloBotAdapter } from '../channels/zalobot/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../core/logger.js';
import type { ChannelAdapter, InboundMessage } from '../core/types.js';
import type { Database } from '../db/client.js';
import { channelAccounts } from '../db/schema/index.js';
import { createDbZaloTokenRepo } from '../jobs/zalo-token-repo.js';
import type { CommuneDirectory, Dispatcher, IngestResult } from '../pipeline/dispatcher.js';
import type { WebhookRequest, WebhookRoute } from '../server/webhooks.js';

/** Credentials of one platform account, stored in channel_accounts.config. */
interface TelegramAccountConfig {
  token: string;
  secret?: string;
  username?: string;
  apiRoot?: string;
}
interface ZaloBotAccountConfig {
  token: string;
  secret?: string;
  apiBase?: string;
}
interface ZaloAccountConfig {
  appId: string;
  appSecret: string;
  oaSecretKey?: string;
  apiBase?: string;
  oauthBase?: string;
}

export interface ChannelSetup {
  /** Adapters keyed `${communeId}:${channel}` for the delivery worker. */
  adapters: Map<string, ChannelAdapter>;
  webhooks: WebhookRoute[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The web chat page of a commune: the root for the default commune, `?commune=<slug>` for the others. */
export function webChatUrlFor(publicUrl: string | undefined, slug?: string): string | undefined {
  if (!publicUrl) return undefined;
  const root = `${publicUrl.replace(/\/+$/, '')}/`;
  return slug ? `${root}?commune=${encodeURIComponent(slug)}` : root;
}

/**
 * Channel accounts from the environment (the configured commune's bot and OA)
 * are upserted into channel_accounts; every account row becomes an adapter, so
 * a province platform adds communes' bots as rows. Webhooks resolve the
 * account by URL (Telegram, Zalo Bot Platform) or by the OA id in the event (Zalo).
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

  if (config.TELEGRAM_BOT_TOKEN) {
    const accountKey = config.TELEGRAM_BOT_TOKEN.split(':')[0];
    const cfg: TelegramAccountConfig = {
      token: config.TELEGRAM_BOT_TOKEN,
      secret: config.TELEGRAM_WEBHOOK_SECRET,
      username: config.TELEGRAM_BOT_USERNAME,
      apiRoot: config.TELEGRAM_API_ROOT,
    };
    await db
      .insert(channelAccounts)
      .values({ communeId: deps.defaultCommuneId, channel: 'telegram', accountKey, config: { ...cfg } })
      .onConflictDoUpdate({ target: [channelAccounts.channel, channelAccounts.accountKey], set: { config: { ...cfg } } });
  }
  if (config.ZALO_APP_ID && config.ZALO_APP_SECRET && (config.ZALO_OA_ACCESS_TOKEN || config.ZALO_OA_REFRESH_TOKEN)) {
    const accountKey = config.ZALO_OA_ID ?? config.ZALO_APP_ID;
    const cfg: ZaloAccountConfig = {
      appId: config.ZALO_APP_ID,
      appSecret: config.ZALO_APP_SECRET,
      oaSecretKey: config.ZALO_OA_SECRET_KEY,
      apiBase: config.ZALO_API_BASE,
      oauthBase: config.ZALO_OAUTH_BASE,
    };
    await db
      .insert(channelAccounts)
      .values({ communeId: deps.defaultCommuneId, channel: 'zalo', accountKey, config: { ...cfg } })
      .onConflictDoUpdate({ target: [channelAccounts.channel, channelAccounts.accountKey], set: { config: { ...cfg } } });
    // First run only: later runs keep the rotated pair already in the database.
    const repo = createDbZaloTokenRepo(db, accountKey);
    await repo.seedIfEmpty({
      accessToken: config.ZALO_OA_ACCESS_TOKEN ?? '',
      refreshToken: config.ZALO_OA_REFRESH_TOKEN ?? '',
      expiresAt: new Date(0),
    });
  }

  if (config.ZALOBOT_TOKEN) {
    const accountKey = zaloBotAccountKey(config.ZALOBOT_TOKEN);
    const cfg: ZaloBotAccountConfig = {
      token: config.ZALOBOT_TOKEN,
      secret: config.ZALOBOT_WEBHOOK_SECRET,
      apiBase: config.ZALOBOT_API_BASE,
    };
    await db
      .insert(channelAccounts)
      .values({ communeId: deps.defaultCommuneId, channel: 'zalobot', accountKey, config: { ...cfg } })
      .onConflictDoUpdate({ target: [channelAccounts.channel, channelAccounts.accountKey], set: { config: { ...cfg } } });
  }

  const rows = await db.select().from(channelAccounts);
  const adapters = new Map<string, ChannelAdapter>();
  const telegramByKey = new Map<string, { adapter: TelegramAdapter; communeId: number; cfg: TelegramAccountConfig }>();
  const zaloByKey = new Map<string, { adapter: ChannelAdapter; communeId: number }>();
  const zalobotByKey = new Map<string, { adapter: ZaloBotAdapter; communeId: number; cfg: ZaloBotAccountConfig }>();
  // Each commune's own web chat (the default commune's is the bare root).
  const webChatUrlOf = async (communeId: number) =>
    webChatUrlFor(config.PUBLIC_URL, communeId === deps.defaultCommuneId ? undefined : (await deps.communes.get(communeId))?.slug);
  for (const row of rows) {
    if (row.channel === 'telegram') {
      const cfg = row.config as unknown as TelegramAccountConfig;
      if (!cfg.token) continue;
      const adapter = createTelegramAdapter({
        token: cfg.token,
        secret: cfg.secret,
        apiRoot: cfg.apiRoot ?? config.TELEGRAM_API_ROOT,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
      });
      adapters.set(`${row.communeId}:telegram`, adapter);
      telegramByKey.set(row.accountKey, { adapter, communeId: row.communeId, cfg });
    } else if (row.channel === 'zalo') {
      const cfg = row.config as unknown as ZaloAccountConfig;
      if (!cfg.appId) continue;
      const adapter = createZaloAdapter({
        appId: cfg.appId,
        appSecret: cfg.appSecret,
        oaId: row.accountKey,
        oaSecretKey: cfg.oaSecretKey,
        tokenRepo: createDbZaloTokenRepo(db, row.accountKey),
        apiBase: cfg.apiBase ?? config.ZALO_API_BASE,
        oauthBase: cfg.oauthBase ?? config.ZALO_OAUTH_BASE,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
        log,
        onVerify: (result) => {
          if (result.ok) log.debug({ channel: 'zalo', variant: result.variant }, 'zalo signature verified');
          else log.warn({ channel: 'zalo', reason: (result as { reason?: string }).reason }, 'zalo signature rejected');
        },
      });
      adapters.set(`${row.communeId}:zalo`, adapter);
      zaloByKey.set(row.accountKey, { adapter, communeId: row.communeId });
    } else if (row.channel === 'zalobot') {
      const cfg = row.config as unknown as ZaloBotAccountConfig;
      if (!cfg.token) continue;
      const adapter = createZaloBotAdapter({
        token: cfg.token,
        secret: cfg.secret,
        apiBase: cfg.apiBase ?? config.ZALOBOT_API_BASE,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
        render: { webChatUrl: await webChatUrlOf(row.communeId) },
      });
      adapters.set(`${row.communeId}:zalobot`, adapter);
      zalobotByKey.set(row.accountKey, { adapter, communeId: row.communeId, cfg });
    }
  }

  const ingest = async (messages: InboundMessage[]): Promise<IngestResult[]> => {
    // One webhook may carry several messages; they are recorded together (and in order).
    return Promise.all(messages.map((m) => dispatcher.ingest(m)));
  };
  // What is scheduled here is already durable: the processor batches it, recovery covers a crash.
  const afterAck = (messages: InboundMessage[], recorded: unknown) => {
    const results = recorded as IngestResult[];
    for (const r of results) if (!r.duplicate) deps.process(r.conversationId, r.communeId);
    for (const m of messages) {
      if (!m.action) continue;
      void adapters.get(`${m.communeId}:${m.channel}`)?.acknowledge?.(m);
    }
  };

  const defaultTelegram = () => [...telegramByKey.values()].find((t) => t.communeId === deps.defaultCommuneId);
  const defaultZaloBot = () => [...zalobotByKey.values()].find((b) => b.communeId === deps.defaultCommuneId);
  const webhooks: WebhookRoute[] = [
    {
      path: '/webhooks/telegram',
      resolve: async () => {
        const t = defaultTelegram();
        return t ? { adapter: t.adapter, communeId: t.communeId } : undefined;
      },
      ingest,
      afterAck,
    },
    {
      path: '/webhooks/telegram/:accountKey',
      resolve: async (req: WebhookRequest) => {
        const t = telegramByKey.get(String(req.params.accountKey));
        return t ? { adapter: t.adapter, communeId: t.communeId } : undefined;
      },
      ingest,
      afterAck,
    },
    {
      path: '/webhooks/zalo',
      resolve: async (req: WebhookRequest) => {
        let oaId: string | undefined;
        try {
          oaId = zaloOaIdOf(JSON.parse(req.rawBody.toString('utf8')));
        } catch {
          return undefined;
        }
        const z = (oaId && zaloByKey.get(oaId)) || (zaloByKey.size === 1 ? [...zaloByKey.values()][0] : undefined);
        return z ? { adapter: z.adapter, communeId: z.communeId } : undefined;
      },
      ingest,
      afterAck,
    },
    {
      path: '/webhooks/zalobot',
      resolve: async () => {
        const b = defaultZaloBot();
        return b ? { adapter: b.adapter, communeId: b.communeId } : undefined;
      },
      ingest,
      afterAck,
    },
    {
      path: '/webhooks/zalobot/:accountKey',
      resolve: async (req: WebhookRequest) => {
        const b = zalobotByKey.get(String(req.params.accountKey));
        return b ? { adapter: b.adapter, communeId: b.communeId } : undefined;
      },
      ingest,
      afterAck,
    },
  ];

  const pollers: { stop(): Promise<void> | void }[] = [];
  return {
    adapters,
    webhooks,
    async start() {
      for (const [accountKey, t] of telegramByKey) {
        if (config.TELEGRAM_MODE === 'polling') {
          const polling = t.adapter.startPolling(
            async (update) => {
              const messages = t.adapter.parse(update, t.communeId);
              const recorded = await ingest(messages);
              afterAck(messages, recorded);
            },
            { onError: (error: unknown) => log.warn({ err: errInfo(error) }, 'telegram polling error') },
          );
          pollers.push(polling);
          log.info({ accountKey }, 'telegram long polling started');
        } else if (config.PUBLIC_URL && t.cfg.secret) {
          const url = `${config.PUBLIC_URL.replace(/\/+$/, '')}/webhooks/telegram/${accountKey}`;
          try {
            await t.adapter.setWebhook(url, t.cfg.secret);
            log.info({ accountKey }, 'telegram webhook set');
          } catch (error) {
            log.error({ accountKey, err: errInfo(error) }, 'telegram setWebhook failed');
          }
        }
      }
      // Zalo Bot Platform: webhook only (see createZaloBotAdapter), registered like Telegram's.
      for (const [accountKey, b] of zalobotByKey) {
        if (!config.PUBLIC_URL || !b.cfg.secret) continue;
        const url = `${config.PUBLIC_URL.replace(/\/+$/, '')}/webhooks/zalobot/${accountKey}`;
        try {
          await b.adapter.setWebhook(url, b.cfg.secret);
          log.info({ accountKey }, 'zalobot webhook set');
        } catch (error) {
          log.error({ accountKey, err: errInfo(error) }, 'zalobot setWebhook failed');
        }
      }
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
