import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createDatabase, postgresTarget, type Database } from '../../src/db/client.js';
import { saveLocalProcedure } from '../../src/features/procedures/service.js';
import { ensureDefaultCommune } from '../../src/wiring/communes.js';
import { createTestDatabase, onPostgres, withDatabaseName } from '../helpers/db.js';

/**
 * Backup and restore as an IT officer runs them (issue 20 item 5): `db:backup`
 * of a database that holds something only it knows (a commune's own
 * procedure), `db:restore` into an empty database, and the bot, started on the
 * restored database, answers from it. On the embedded database always; on
 * PostgreSQL (pg_dump / pg_restore) when TEST_DATABASE_URL is set.
 */
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'backup-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOCAL_NAME = 'Cấp phép đặt bảng quảng cáo tạm thời ở chợ phiên';
const QUESTION = 'xin phép đặt bảng quảng cáo ở chợ phiên';

/** A command-line tool of the project, as `npm run` starts it, with its own environment. */
async function cli(file: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file, ...args], {
      env: { ...process.env, SEED_CATALOG: 'false', LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
      timeout: 120_000,
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

/** The commune of the default configuration, with its own procedure. */
async function seed(database: Database): Promise<void> {
  const commune = await ensureDefaultCommune(database, loadConfig({ SEED_CATALOG: 'false' }));
  await saveLocalProcedure(database.db, commune.id, {
    name: LOCAL_NAME,
    receptionAddress: 'Bộ phận một cửa, UBND xã',
    steps: ['Nộp đơn tại bộ phận một cửa', 'Nhận giấy phép sau 2 ngày làm việc'],
  });
}

// The embedded commands run in the PGlite pass; the PostgreSQL pass runs the pg_dump ones.
describe.skipIf(onPostgres)('db:backup and db:restore on the embedded database', () => {
  it('restores a backup into an empty directory, and the bot answers from it', async () => {
    const original = join(dir, 'original');
    const database = await createDatabase({ dataDir: original });
    await database.migrate();
    await seed(database);
    await database.close();

    const file = join(dir, 'embedded.tar.gz');
    const backup = await cli('src/cli/db-backup.ts', ['--out', file], { DATA_DIR: original });
    expect(backup.out).toContain('backed up');
    expect(backup.code).toBe(0);
    expect(existsSync(file)).toBe(true);

    // The answer can only come from the restored data: LOCAL_NAME exists nowhere else.
    const restored = join(dir, 'restored');
    const restore = await cli('src/cli/db-backup.ts', ['--restore', '--from', file], { DATA_DIR: restored });
    expect(restore.code).toBe(0);
    const answer = await cli('src/cli/ask.ts', [QUESTION], { DATA_DIR: restored });
    expect(answer.code).toBe(0);
    expect(answer.out).toContain(LOCAL_NAME);
  }, 300_000);

  it('never restores over a database, and refuses a file that is not a backup', async () => {
    const target = join(dir, 'occupied');
    mkdirSync(target, { recursive: true });
    const database = await createDatabase({ dataDir: target });
    await database.migrate();
    await database.close();
    const before = readdirSync(target).sort();

    const notBackup = join(dir, 'not-a-backup.tar.gz');
    writeFileSync(notBackup, 'xin chào');
    const over = await cli('src/cli/db-backup.ts', ['--restore', '--from', notBackup], { DATA_DIR: target });
    expect(over.code).toBe(1);
    expect(over.out).toContain('is not empty');
    expect(readdirSync(target).sort()).toEqual(before);

    const bad = await cli('src/cli/db-backup.ts', ['--restore', '--from', notBackup], { DATA_DIR: join(dir, 'empty') });
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('is not a backup');

    expect((await cli('src/cli/db-backup.ts', [], { DATA_DIR: target })).code).toBe(2);
  }, 120_000);
});

describe.skipIf(!onPostgres)('db:backup and db:restore on PostgreSQL (pg_dump, pg_restore)', () => {
  it('restores a dump into an empty database, and the bot answers from it', async () => {
    const source = await createTestDatabase();
    const base = process.env.TEST_DATABASE_URL!;
    const { url: adminUrl, ...target } = postgresTarget(base);
    const name = `t_restore_${randomBytes(4).toString('hex')}`;
    const admin = postgres(adminUrl, { ...target, max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    try {
      await seed(source);
      const file = join(dir, 'postgres.dump');
      const backup = await cli('src/cli/db-backup.ts', ['--out', file], { DATABASE_URL: source.url! });
      expect(backup.out).toContain('backed up');
      expect(backup.code).toBe(0);

      const emptyUrl = withDatabaseName(base, name);
      const restore = await cli('src/cli/db-backup.ts', ['--restore', '--from', file], { DATABASE_URL: emptyUrl });
      expect(restore.out).toContain('Restored');
      expect(restore.code).toBe(0);
      const answer = await cli('src/cli/ask.ts', [QUESTION], { DATABASE_URL: emptyUrl });
      expect(answer.code).toBe(0);
      expect(answer.out).toContain(LOCAL_NAME);
    } finally {
      await source.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  }, 300_000);
});
