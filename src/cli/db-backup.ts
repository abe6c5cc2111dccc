import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { BackupError, backupEmbedded, backupPostgres, restoreEmbedded, restorePostgres } from '../db/backup.js';

/**
 * `npm run db:backup -- --out <file>` and `npm run db:restore -- --from <file>`.
 *
 * The embedded database (no DATABASE_URL): stop the server first (PGlite has
 * one owner); the backup is a .tar.gz of DATA_DIR made by PGlite, and a restore
 * writes it into DATA_DIR, which must be absent or empty (point DATA_DIR at a
 * new directory, restore, start).
 * PostgreSQL (DATABASE_URL): pg_dump's custom format and pg_restore, at any
 * time; the tools come from the postgresql-client package.
 */
const USAGE = 'Usage: npm run db:backup -- --out <file>   |   npm run db:restore -- --from <file>';

let values: { out?: string; from?: string; restore?: boolean };
try {
  ({ values } = parseArgs({
    options: { out: { type: 'string' }, from: { type: 'string' }, restore: { type: 'boolean' } },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const restoring = values.restore === true;
const file = restoring ? values.from : values.out;
if (!file) {
  console.error(USAGE);
  process.exit(2);
}

const config = loadConfig();
const dataDir = resolve(config.DATA_DIR);
try {
  if (config.DATABASE_URL) {
    if (restoring) await restorePostgres(resolve(file), config.DATABASE_URL);
    else await backupPostgres(config.DATABASE_URL, resolve(file));
    console.log(restoring ? `Restored PostgreSQL from ${file}.` : `PostgreSQL backed up to ${file} (pg_dump custom format).`);
  } else if (restoring) {
    await restoreEmbedded(resolve(file), dataDir);
    console.log(`Embedded database restored into ${dataDir}. Start the server with DATA_DIR=${dataDir}.`);
  } else {
    const bytes = await backupEmbedded(dataDir, resolve(file));
    console.log(`Embedded database (${dataDir}) backed up to ${file}: ${Math.ceil(bytes / 1024)} KB.`);
  }
} catch (error) {
  console.error(error instanceof BackupError ? error.message : error);
  process.exit(1);
}
