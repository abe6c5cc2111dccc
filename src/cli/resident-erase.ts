import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { eraseResident } from '../features/privacy/index.js';
import { createCommuneDirectory, ensureDefaultCommune } from '../wiring/communes.js';

/**
 * `npm run resident:erase -- --channel <telegram|zalo|zalobot|web> --chat <chat id> [--commune <slug>]`
 *
 * Erases what one resident's chat left with a commune, at their request
 * (Law 91/2025/QH15), and prints what was erased (counts only). The chat id is
 * the one the console shows for their question, report or request. Works on
 * the embedded database while the server is stopped, and on PostgreSQL at any
 * time. Audited as `privacy.resident-erased` by `admin:cli`.
 */
const USAGE = 'Usage: npm run resident:erase -- --channel <telegram|zalo|zalobot|web> --chat <chat id> [--commune <slug>]';
const CHANNELS = new Set(['telegram', 'zalo', 'zalobot', 'web']);

let values: { channel?: string; chat?: string; commune?: string };
try {
  ({ values } = parseArgs({ options: { channel: { type: 'string' }, chat: { type: 'string' }, commune: { type: 'string' } } }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (!values.channel || !CHANNELS.has(values.channel) || !values.chat) {
  console.error(USAGE);
  process.exit(2);
}

const config = loadConfig();
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
let exitCode = 0;
try {
  await database.migrate();
  const commune = values.commune
    ? await createCommuneDirectory(database).bySlug(values.commune)
    : await ensureDefaultCommune(database, config);
  if (!commune) {
    console.error(`No commune with the slug "${values.commune}".`);
    exitCode = 1;
  } else {
    const erased = await eraseResident(
      database.db,
      { communeId: commune.id, channel: values.channel, chatId: values.chat },
      'admin:cli',
    );
    const total = Object.values(erased).reduce((a, n) => a + n, 0);
    console.log(total === 0 ? 'Nothing left to erase for this chat.' : 'Erased for this chat:');
    for (const [what, n] of Object.entries(erased)) if (n > 0) console.log(`  ${what}: ${n}`);
  }
} finally {
  await database.close();
}
process.exit(exitCode);
