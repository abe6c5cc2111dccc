import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { appSettings } from '../db/schema/index.js';

const KEY = 'data_secret';

/**
 * The key for hashing verification data (the last phone digits of dossiers).
 * DATA_SECRET when configured; otherwise a random key generated once per
 * installation and kept in the database, so the two-command start works and
 * every process of one installation agrees. Changing it invalidates stored
 * hashes until the one-stop system resends phone numbers.
 */
export async function resolveDataSecret(database: Database, config: Config): Promise<string> {
  if (config.DATA_SECRET) return config.DATA_SECRET;
  await database.db
    .insert(appSettings)
    .values({ key: KEY, value: randomBytes(32).toString('hex') })
    .onConflictDoNothing();
  const [row] = await database.db.select().from(appSettings).where(eq(appSettings.key, KEY));
  return row.value;
}
