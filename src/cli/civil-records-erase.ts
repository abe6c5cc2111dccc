import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { eraseExpiredRequestData, RETENTION_DAYS } from '../features/civil-records/service.js';

/**
 * `npm run civil-records:erase [-- --days 90]`: erase the personal data of
 * civil-record copy requests closed more than the retention period ago
 * (default 90 days). Run it daily (cron, a systemd timer, or a scheduled
 * `docker compose run --rm bot npm run civil-records:erase`).
 */
const args = process.argv.slice(2);
const daysArg = args.includes('--days') ? Number(args[args.indexOf('--days') + 1]) : RETENTION_DAYS;
if (!Number.isInteger(daysArg) || daysArg < 1 || daysArg > 3650) {
  console.error('Cách dùng / usage: npm run civil-records:erase -- [--days <1–3650>]');
  process.exit(2);
}
const config = loadConfig();
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
try {
  await database.migrate();
  const n = await eraseExpiredRequestData(database.db, { days: daysArg });
  console.log(`Đã xóa dữ liệu cá nhân của ${n} yêu cầu / erased the personal data of ${n} request(s).`);
} finally {
  await database.close();
}
