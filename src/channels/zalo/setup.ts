import { z } from 'zod';
import type { ChannelAdapter } from '../../core/types.js';
import type { WebhookRequest } from '../../server/webhooks.js';
import type { ChannelEnv, ChannelModule } from '../setup-types.js';
import { createZaloAdapter, zaloOaIdOf } from './index.js';
import { createDbZaloTokenRepo } from './token-repo.js';
import { ZALO_SIGNATURE_HEADER } from './verify.js';

/** Settings of one Official Account, stored in channel_accounts.config (its tokens have their own columns). */
export const zaloAccountSchema = z.object({
  appId: z.string().min(1),
  appSecret: z.string(),
  oaSecretKey: z.string().optional(),
  apiBase: z.string().optional(),
  oauthBase: z.string().optional(),
});
type ZaloAccountConfig = z.infer<typeof zaloAccountSchema>;

/**
 * Zalo Official Accounts: one webhook for all, the account found by the OA id
 * in the event (or the only one). Tokens rotate in the database (token-repo.ts).
 */
export function createZaloChannel(env: ChannelEnv): ChannelModule {
  const { config, db, log } = env;
  const byKey = new Map<string, { adapter: ChannelAdapter; communeId: number }>();

  return {
    channel: 'zalo',
    accountFromEnv(cfg) {
      if (!(cfg.ZALO_APP_ID && cfg.ZALO_APP_SECRET && (cfg.ZALO_OA_ACCESS_TOKEN || cfg.ZALO_OA_REFRESH_TOKEN))) return undefined;
      const account: ZaloAccountConfig = {
        appId: cfg.ZALO_APP_ID,
        appSecret: cfg.ZALO_APP_SECRET,
        oaSecretKey: cfg.ZALO_OA_SECRET_KEY,
        apiBase: cfg.ZALO_API_BASE,
        oauthBase: cfg.ZALO_OAUTH_BASE,
      };
      return { accountKey: cfg.ZALO_OA_ID ?? cfg.ZALO_APP_ID, config: { ...account } };
    },
    async afterUpsert(accountKey) {
      // First run only: later runs keep the rotated pair already in the database.
      await createDbZaloTokenRepo(db, accountKey).seedIfEmpty({
        accessToken: config.ZALO_OA_ACCESS_TOKEN ?? '',
        refreshToken: config.ZALO_OA_REFRESH_TOKEN ?? '',
        expiresAt: new Date(0),
      });
    },
    async open(row) {
      const parsed = zaloAccountSchema.safeParse(row.config);
      if (!parsed.success) return undefined;
      const cfg = parsed.data;
      const adapter = createZaloAdapter({
        communeId: row.communeId,
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
      byKey.set(row.accountKey, { adapter, communeId: row.communeId });
      return adapter;
    },
    webhooks: (hooks) => [
      {
        path: '/webhooks/zalo',
        resolve: async (req: WebhookRequest) => {
          // The body is parsed only when there is more than one OA to choose from and the request carries a
          // well-formed signature; otherwise the adapter's check refuses it before anything is parsed (issue 19).
          const only = byKey.size === 1 ? [...byKey.values()][0] : undefined;
          const signature = String(req.headers[ZALO_SIGNATURE_HEADER] ?? '').trim();
          if (only || !/^(?:mac=)?[0-9a-f]{64}$/i.test(signature)) {
            const z = only ?? [...byKey.values()][0];
            return z ? { adapter: z.adapter, communeId: z.communeId } : undefined;
          }
          let oaId: string | undefined;
          try {
            oaId = zaloOaIdOf(JSON.parse(req.rawBody.toString('utf8')));
          } catch {
            return undefined;
          }
          const z = (oaId && byKey.get(oaId)) || (byKey.size === 1 ? [...byKey.values()][0] : undefined);
          return z ? { adapter: z.adapter, communeId: z.communeId } : undefined;
        },
        ...hooks,
      },
    ],
    async start() {},
    async stop() {},
  };
}
