import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { eraseExpiredRequestData } from '../features/civil-records/service.js';

/**
 * `npm run civil-records:erase [-- --days N]`: erase now the personal data of
 * civil-record copy requests closed more than CIVIL_RECORD_RETENTION_DAYS
 * (default 90) ago, or N days with `--days`. The server's retention job does
 * this by itself every six hours; this command is for a one-off run.
 */
const args = process.argv.slice(2);
const config = loadConfig();
const daysArg = args.includes('--days') ? Number(args[args.indexOf('--days') + 1]) : config.CIVIL_RECORD_RETENTION_DAYS;
if (!Number.isInteger(daysArg) || daysArg < 1 || daysArg > 3650) {
  console.error('Cách dùng / usage: npm run civil-records:erase -- [--days <1–3650>]');
  process.exit(2);
}
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await database.migrate();
  const n = await eraseExpiredRequestData(database.db, { days: daysArg });
  console.log(`Đã xóa dữ liệu cá nhân của ${n} yêu cầu / erased the personal data of ${n} request(s).`);
} finally {
  await database.close();
}
