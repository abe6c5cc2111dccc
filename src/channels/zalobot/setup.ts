import { z } from 'zod';
import { errInfo } from '../../core/log-error.js';
import type { WebhookRequest } from '../../server/webhooks.js';
import { publicBase, type ChannelEnv, type ChannelModule } from '../setup-types.js';
import { createZaloBotAdapter, zaloBotAccountKey, type ZaloBotAdapter } from './index.js';

/** Settings of one Zalo Bot Platform bot, stored in channel_accounts.config. */
export const zaloBotAccountSchema = z.object({
  token: z.string().min(1),
  secret: z.string().optional(),
  apiBase: z.string().optional(),
});
type ZaloBotAccountConfig = z.infer<typeof zaloBotAccountSchema>;

/**
 * Zalo Bot Platform bots: found by the account key in the webhook URL (the
 * bare `/webhooks/zalobot` is the default commune's). Webhook only (see
 * createZaloBotAdapter), registered at start like Telegram's.
 */
export function createZaloBotChannel(env: ChannelEnv): ChannelModule {
  const { config, log } = env;
  const byKey = new Map<string, { adapter: ZaloBotAdapter; communeId: number; cfg: ZaloBotAccountConfig }>();
  const resolved = (b: { adapter: ZaloBotAdapter; communeId: number } | undefined) =>
    b ? { adapter: b.adapter, communeId: b.communeId } : undefined;

  return {
    channel: 'zalobot',
    accountFromEnv(cfg) {
      if (!cfg.ZALOBOT_TOKEN) return undefined;
      const account: ZaloBotAccountConfig = {
        token: cfg.ZALOBOT_TOKEN,
        secret: cfg.ZALOBOT_WEBHOOK_SECRET,
        apiBase: cfg.ZALOBOT_API_BASE,
      };
      return { accountKey: zaloBotAccountKey(cfg.ZALOBOT_TOKEN), config: { ...account } };
    },
    async open(row) {
      const parsed = zaloBotAccountSchema.safeParse(row.config);
      if (!parsed.success) return undefined;
      const cfg = parsed.data;
      const adapter = createZaloBotAdapter({
        token: cfg.token,
        secret: cfg.secret,
        apiBase: cfg.apiBase ?? config.ZALOBOT_API_BASE,
        timeoutMs: config.PLATFORM_TIMEOUT_MS,
        render: { webChatUrl: await env.webChatUrlOf(row.communeId) },
      });
      byKey.set(row.accountKey, { adapter, communeId: row.communeId, cfg });
      return adapter;
    },
    webhooks: (hooks) => [
      {
        path: '/webhooks/zalobot',
        resolve: async () => resolved([...byKey.values()].find((b) => b.communeId === env.defaultCommuneId)),
        ...hooks,
      },
      {
        path: '/webhooks/zalobot/:accountKey',
        resolve: async (req: WebhookRequest) => resolved(byKey.get(String(req.params.accountKey))),
        ...hooks,
      },
    ],
    async start() {
      for (const [accountKey, b] of byKey) {
        if (!publicBase(config) || !b.cfg.secret) continue;
        const url = `${publicBase(config)}/webhooks/zalobot/${accountKey}`;
        try {
          await b.adapter.setWebhook(url, b.cfg.secret);
          log.info({ accountKey }, 'zalobot webhook set');
        } catch (error) {
          log.error({ accountKey, err: errInfo(error) }, 'zalobot setWebhook failed');
        }
      }
    },
    async stop() {},
  };
}
