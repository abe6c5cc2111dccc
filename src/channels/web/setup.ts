import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import { appSettings } from '../../db/schema/index.js';
import { createWebSessions, type WebChatSecurity } from './session.js';

/** Where a generated session key is kept (the installation's settings table, next to the data secret). */
const SESSION_KEY_SETTING = 'web_session_secret';

/**
 * The key that signs web chat sessions: WEB_SESSION_SECRET when configured;
 * otherwise a random key generated once and kept in `app_settings`. That
 * table is the installation's own settings store on both engines (with the
 * embedded database it lives under DATA_DIR with everything else), so every
 * process of an installation agrees, a restart keeps residents' sessions, and
 * no engine-specific branch or extra file is needed.
 */
export async function resolveWebSessionKey(db: Db, config: Pick<Config, 'WEB_SESSION_SECRET'>): Promise<string> {
  if (config.WEB_SESSION_SECRET) return config.WEB_SESSION_SECRET;
  await db
    .insert(appSettings)
    .values({ key: SESSION_KEY_SETTING, value: randomBytes(32).toString('base64url') })
    .onConflictDoNothing();
  const [row] = await db.select().from(appSettings).where(eq(appSettings.key, SESSION_KEY_SETTING));
  return row.value;
}

/**
 * The web chat's security from the configuration and the database: the
 * session key (configured, or generated once) and the per-address limits.
 * `setupChannels` returns it; the composition root passes it to the web
 * chat's routes and adapter.
 */
export async function setupWebChatSecurity(
  db: Db,
  config: Pick<Config, 'WEB_SESSION_SECRET' | 'WEB_CHAT_SESSIONS_PER_HOUR_PER_IP' | 'WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP'>,
): Promise<WebChatSecurity> {
  const security: WebChatSecurity = {
    sessions: createWebSessions(await resolveWebSessionKey(db, config)),
    sessionsPerHourPerIp: config.WEB_CHAT_SESSIONS_PER_HOUR_PER_IP,
    verificationsPerHourPerIp: config.WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP,
  };
  return security;
}
