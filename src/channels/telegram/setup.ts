import { z } from 'zod';
import { errInfo } from '../../core/log-error.js';
import type { WebhookRequest } from '../../server/webhooks.js';
import { publicBase, type ChannelEnv, type ChannelModule } from '../setup-types.js';
import { createTelegramAdapter, TELEGRAM_UPDATE_TYPES, type TelegramAdapter } from './index.js';

/** Settings of one bot, stored in channel_accounts.config. */
export const telegramAccountSchema = z.object({
  token: z.string().min(1),
  secret: z.string().optional(),
  username: z.string().optional(),
  apiRoot: z.string().optional(),
});
type TelegramAccountConfig = z.infer<typeof telegramAccountSchema>;

/**
 * Telegram bots: one per commune on a shared platform, found by the account
 * key in the webhook URL (the bot id); the bare `/webhooks/telegram` is the
 * default commune's. At start the webhook is registered, or long polling
 * started (TELEGRAM_MODE=polling, local development), for the update types
 * parse.ts reads (a resident blocking the bot included).
 */
export function createTelegramChannel(env: ChannelEnv): ChannelModule {
  const { config, log } = env;
  const byKey = new Map<string, { adapter: TelegramAdapter; communeId: number; cfg: TelegramAccountConfig }>();
  const pollers: { stop(): Promise<void> | void }[] = [];
  const resolved = (t: { adapter: TelegramAdapter; communeId: number } | undefined) =>
    t ? { adapter: t.adapter, communeId: t.communeId } : undefined;

  return {
    channel: 'telegram',
    accountFromEnv(cfg) {
      if (!cfg.TELEGRAM_BOT_TOKEN) return undefined;
      const account: TelegramAccountConfig = {
        token: cfg.TELEGRAM_BOT_TOKEN,
        secret: cfg.TELEGRAM_WEBHOOK_SECRET,
        username: cfg.TELEGRAM_BOT_USERNAME,
        apiRoot: cfg.TELEGRAM_API_ROOT,
      };
      return { accountKey: cfg.TELEGRAM_BOT_TOKEN.split(':')[0], config: { ...account } };
    },
    async open(row) {
      const parsed = telegramAccountSchema.safeParse(row.config);
      if (!parsed.success) return undefined;
      const cfg = parsed.data;
      const adapter = createTelegramAdapter({
        token: cfg.token,
        secret: cfg.secret,
        apiRoot: cfg.apiRoot ?? config.TELEGRAM_API_ROOT,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
      });
      byKey.set(row.accountKey, { adapter, communeId: row.communeId, cfg });
      return adapter;
    },
    webhooks: (hooks) => [
      {
        path: '/webhooks/telegram',
        resolve: async () => resolved([...byKey.values()].find((t) => t.communeId === env.defaultCommuneId)),
        ...hooks,
      },
      {
        path: '/webhooks/telegram/:accountKey',
        resolve: async (req: WebhookRequest) => resolved(byKey.get(String(req.params.accountKey))),
        ...hooks,
      },
    ],
    async start(hooks) {
      for (const [accountKey, t] of byKey) {
        if (config.TELEGRAM_MODE === 'polling') {
          const polling = t.adapter.startPolling(
            async (update) => {
              const messages = t.adapter.parse(update, t.communeId);
              const recorded = await hooks.ingest(messages);
              hooks.afterAck(messages, recorded);
            },
            {
              allowedUpdates: TELEGRAM_UPDATE_TYPES,
              onError: (error: unknown) => log.warn({ err: errInfo(error) }, 'telegram polling error'),
            },
          );
          pollers.push(polling);
          log.info({ accountKey }, 'telegram long polling started');
        } else if (publicBase(config) && t.cfg.secret) {
          const url = `${publicBase(config)}/webhooks/telegram/${accountKey}`;
          try {
            await t.adapter.setWebhook(url, t.cfg.secret, { allowedUpdates: TELEGRAM_UPDATE_TYPES });
            log.info({ accountKey }, 'telegram webhook set');
          } catch (error) {
            log.error({ accountKey, err: errInfo(error) }, 'telegram setWebhook failed');
          }
        }
      }
    },
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
    },
  };
}
