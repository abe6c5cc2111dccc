import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../config.js';
import { ValidationError } from '../core/errors.js';
import { createDatabase } from '../db/client.js';
import { communes } from '../db/schema/index.js';
import { upsertDossier } from '../features/dossiers/index.js';
import { ensureDefaultCommune } from '../runtime.js';
import { parseImportFile } from '../features/dossiers/import-format.js';
import { resolveDataSecret } from '../wiring/data-secret.js';

/**
 * `npm run dossiers:import -- <file.csv|file.json> [--commune <slug>] [--dry-run]`
 *
 * Bulk create/update dossiers through the same service as the PUT API, one
 * transaction per record: a bad record is reported (line and field, never
 * its personal data) and the others still go in. Re-importing the same file
 * changes nothing. Status changes notify followers through the outbox; the
 * running server's delivery worker sends them.
 */
class DryRun extends Error {}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--commune');
const slugArg = args.includes('--commune') ? args[args.indexOf('--commune') + 1] : undefined;
const dryRun = args.includes('--dry-run');
if (!file) {
  console.error('Usage: npm run dossiers:import -- <file.csv|file.json> [--commune <slug>] [--dry-run]');
  process.exit(2);
}

const config = loadConfig();

const format = extname(file).toLowerCase() === '.json' ? 'json' : 'csv';
const records = parseImportFile(readFileSync(file, 'utf8'), format);
const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
let failed = 0;
try {
  await database.migrate();
  // The same key the server uses (DATA_SECRET, or the one generated for this installation).
  const phoneKey = await resolveDataSecret(database, config);
  // Without --commune: the configured commune, created if this is a fresh database (as the server does).
  const slug = slugArg ?? (await ensureDefaultCommune(database, config)).slug;
  const [commune] = await database.db.select().from(communes).where(eq(communes.slug, slug));
  if (!commune) {
    console.error(`No commune "${slug}" in the database.`);
    process.exit(2);
  }
  const counts = { created: 0, updated: 0, unchanged: 0, failed: 0, notified: 0 };
  for (const r of records) {
    try {
      if (dryRun) {
        // Validation only: run the service in a transaction that is always rolled back.
        await database.db
          .transaction(async (tx) => {
            await upsertDossier(
              tx as never,
              { communeId: commune.id, code: r.code, body: r.body, source: 'import', actor: 'import' },
              { phoneKey },
            );
            throw new DryRun();
          })
          .catch((e) => {
            if (!(e instanceof DryRun)) throw e;
          });
        counts.unchanged++;
        continue;
      }
      const res = await upsertDossier(
        database.db,
        { communeId: commune.id, code: r.code, body: r.body, source: 'import', actor: 'import' },
        { phoneKey },
      );
      if (res.created) counts.created++;
      else if (res.changed) counts.updated++;
      else counts.unchanged++;
      counts.notified += res.outboxIds.length;
    } catch (error) {
      counts.failed++;
      if (error instanceof ValidationError) {
        const fields = Object.entries(error.fieldErrors)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ');
        console.error(`line ${r.line}: ${error.message}${fields ? ` (${fields})` : ''}`);
      } else {
        console.error(`line ${r.line}: ${(error as Error).message}`);
      }
    }
  }
  failed = counts.failed;
  console.log(
    dryRun
      ? `Dry run: ${records.length - counts.failed} valid, ${counts.failed} invalid.`
      : `Imported ${records.length} records into ${commune.slug}: ${counts.created} created, ${counts.updated} updated, ` +
          `${counts.unchanged} unchanged, ${counts.failed} failed; ${counts.notified} notifications queued.`,
  );
} finally {
  await database.close();
}
process.exit(failed ? 1 : 0);
