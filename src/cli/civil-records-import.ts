import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../config.js';
import { createDatabase } from '../db/client.js';
import { communes } from '../db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../features/civil-records/demo-records.js';
import { formatRowError, importRecordFile } from '../features/civil-records/import.js';
import { ensureDefaultCommune } from '../runtime.js';

/**
 * `npm run civil-records:import -- <file.csv|file.json> [--commune <slug>]`
 * `npm run civil-records:import -- --demo [--commune <slug>]`  (the clearly synthetic demo registrations)
 *
 * Imports the commune's civil-status registrations all or nothing: every bad
 * row is reported with its line, in Vietnamese and English, and then nothing
 * is written. Names and numbers are never printed.
 */
const args = process.argv.slice(2);
const slugArg = args.includes('--commune') ? args[args.indexOf('--commune') + 1] : undefined;
const demo = args.includes('--demo');
const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--commune');
if (!file && !demo) {
  console.error('Cách dùng / usage: npm run civil-records:import -- <tệp.csv|tệp.json> [--commune <slug>] | --demo');
  process.exit(2);
}

const config = loadConfig();
let content: string;
let format: 'csv' | 'json';
if (file) {
  try {
    content = readFileSync(file, 'utf8');
  } catch {
    console.error(`Không đọc được tệp / cannot read the file: ${file}`);
    process.exit(2);
  }
  format = extname(file).toLowerCase() === '.json' ? 'json' : 'csv';
} else {
  content = JSON.stringify(DEMO_RECORD_ROWS);
  format = 'json';
}

const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
let exitCode = 0;
try {
  await database.migrate();
  const slug = slugArg ?? (await ensureDefaultCommune(database, config)).slug;
  const [commune] = await database.db.select().from(communes).where(eq(communes.slug, slug));
  if (!commune) {
    console.error(`Không có xã "${slug}" / no commune "${slug}".`);
    exitCode = 2;
  } else {
    const outcome = await importRecordFile(database.db, commune.id, content, format);
    if (outcome.ok) {
      console.log(`Đã nhập ${outcome.inserted} đăng ký hộ tịch / imported ${outcome.inserted} registrations.`);
    } else {
      for (const e of outcome.errors) console.error(formatRowError(e));
      console.error(`Không nhập gì: ${outcome.errors.length} lỗi / nothing imported: ${outcome.errors.length} error(s).`);
      exitCode = 1;
    }
  }
} finally {
  await database.close();
}
process.exit(exitCode);
