import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';

/** `npm run db:migrate`: apply drizzle migrations to DATABASE_URL (or the embedded database). */
const config = loadConfig();
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
await database.migrate();
await database.close();
console.log(`Migrations applied (${database.engine}).`);
