import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { syncDataDir } from './client.js';

/**
 * Backups of the two engines, each in its own native form:
 * - the embedded database (PGlite) as a gzipped tarball of its data directory,
 *   taken by PGlite itself (`dumpDataDir`) while the server is stopped, and
 *   restored by PGlite into an empty directory (`loadDataDir`);
 * - PostgreSQL with its own tools: `pg_dump --format=custom` and
 *   `pg_restore --clean --if-exists --no-owner`, which must be on PATH (the
 *   postgresql-client package; with docker compose, run them in the db container).
 */

/** A failure the command explains to the operator (no stack trace). */
export class BackupError extends Error {}

const EXTENSIONS = { pg_trgm, unaccent };

/** Whether a directory is absent or empty (a restore never overwrites a database). */
function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Dump the embedded database in `dataDir` to `file` (gzipped tar). Returns the bytes written. */
export async function backupEmbedded(dataDir: string, file: string): Promise<number> {
  if (isEmptyDir(dataDir)) throw new BackupError(`No embedded database in ${dataDir} (DATA_DIR).`);
  const client = await PGlite.create(dataDir, { extensions: EXTENSIONS });
  try {
    const blob = await client.dumpDataDir('gzip');
    const bytes = Buffer.from(await blob.arrayBuffer());
    await writeFile(file, bytes, { mode: 0o600 });
    return bytes.length;
  } finally {
    await client.close();
  }
}

/** Restore a dump made by `backupEmbedded` into `dataDir`, which must be absent or empty. */
export async function restoreEmbedded(file: string, dataDir: string): Promise<void> {
  if (!isEmptyDir(dataDir)) {
    throw new BackupError(`${dataDir} (DATA_DIR) is not empty: restore into an empty directory, then point DATA_DIR at it.`);
  }
  const bytes = await readFile(file);
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new BackupError(`${file} is not a backup of the embedded database (a .tar.gz made by db:backup).`);
  }
  const client = await PGlite.create(dataDir, {
    extensions: EXTENSIONS,
    loadDataDir: new Blob([new Uint8Array(bytes)], { type: 'application/x-gzip' }),
  });
  try {
    await client.query('select 1');
  } finally {
    await client.close();
  }
  // PGlite's own writes never reach the disk (see syncDataDir): the restored files do, before the restore reports success.
  syncDataDir(dataDir);
}

/** Run a PostgreSQL client tool; its own message explains a failure. */
function runTool(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new BackupError(
          error.code === 'ENOENT'
            ? `${tool} was not found: install the postgresql-client package (or run it in the database container).`
            : `${tool} could not start: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${tool} failed (exit ${code}): ${stderr.trim().slice(-2000)}`)),
    );
  });
}

/** `pg_dump --format=custom` of the database at `url` into `file`. */
export function backupPostgres(url: string, file: string): Promise<void> {
  return runTool('pg_dump', ['--format=custom', '--no-owner', '--file', file, '--dbname', url]);
}

/** `pg_restore` of `file` into the database at `url`, replacing what it holds of the dump's objects. */
export function restorePostgres(file: string, url: string): Promise<void> {
  return runTool('pg_restore', ['--clean', '--if-exists', '--no-owner', '--exit-on-error', '--dbname', url, file]);
}
