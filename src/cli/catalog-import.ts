/**
 * npm run catalog:import -- <folder>            upsert a crawl folder into the database
 * npm run catalog:snapshot -- <folder> [out]     write data/catalog/procedures.json.gz instead
 *   --date YYYY-MM-DD   the day the catalog was read (default: today); a snapshot with a later date
 *                       updates installations on upgrade, and an import records it so an older
 *                       shipped snapshot never replaces it
 *
 * The database comes from the app configuration (DATABASE_URL, else embedded PGlite in DATA_DIR).
 */
import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { writeCatalogDate } from '../features/procedures/repo.js';
import { createDatabase } from '../db/client.js';
import {
  defaultSnapshotPath,
  importCatalogFolder,
  readCatalogFolder,
  writeSnapshot,
  type RecordProblem,
} from '../features/procedures/importer/import.js';

function usage(): never {
  console.error(
    'usage: catalog-import [--date YYYY-MM-DD] <folder>\n       catalog-import --snapshot [--date YYYY-MM-DD] <folder> [out.json.gz]',
  );
  process.exit(2);
}

function printProblems(label: string, problems: RecordProblem[], max = 30): void {
  if (problems.length === 0) return;
  console.log(`${label}:`);
  for (const p of problems.slice(0, max)) console.log(`  ${p.file}: ${p.reason}`);
  if (problems.length > max) console.log(`  … and ${problems.length - max} more`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const snapshot = args.includes('--snapshot');
  const dateAt = args.indexOf('--date');
  const catalogDate = dateAt >= 0 ? args[dateAt + 1] : new Date().toISOString().slice(0, 10);
  if (!catalogDate || !/^\d{4}-\d{2}-\d{2}$/.test(catalogDate)) usage();
  const positional = args.filter((a, i) => !a.startsWith('--') && !(dateAt >= 0 && i === dateAt + 1));
  const folder = positional[0];
  if (!folder) usage();

  if (snapshot) {
    const out = resolve(positional[1] ?? defaultSnapshotPath());
    const read = readCatalogFolder(resolve(folder));
    const { bytes, count } = writeSnapshot(read.procedures, out, catalogDate);
    console.log(`snapshot ${out}: ${count} procedures, ${(bytes / 1024 / 1024).toFixed(2)} MB`);
    console.log(`skipped as noise: ${read.skipped.length}, failed: ${read.failed.length}`);
    printProblems('skipped', read.skipped);
    printProblems('failed', read.failed);
    return;
  }

  const config = loadConfig();
  const database = await createDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
  try {
    await database.migrate();
    const report = await importCatalogFolder(database.db, resolve(folder));
    await writeCatalogDate(database.db, catalogDate);
    console.log(
      `added ${report.added}, changed ${report.changed}, unchanged ${report.unchanged}, ` +
        `skipped as noise ${report.skipped}, failed ${report.failed}`,
    );
    printProblems('skipped', report.problems.skipped);
    printProblems('failed', report.problems.failed);
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
