import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, execRows, PGLITE_SHARED_BUFFERS, type Database } from '../../../src/db/client.js';
import { communes } from '../../../src/db/schema/index.js';

// Every fs.fsyncSync that src/db/client.ts makes, by path (Linux: /proc/self/fd).
const synced = vi.hoisted(() => ({ paths: [] as string[] }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    fsyncSync: (fd: number) => {
      let path = `fd:${fd}`;
      try {
        path = fs.readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        // not Linux: the count is still checked
      }
      synced.paths.push(path);
      fs.fsyncSync(fd);
    },
  };
});

async function settings(database: Database) {
  const [row] = await execRows<{ fsync: string; method: string; sb: string }>(
    database.db,
    sql`select current_setting('fsync') as fsync, current_setting('wal_sync_method') as method,
               current_setting('shared_buffers') as sb`,
  );
  return row;
}

// The embedded engine's durability (src/db/client.ts). Always PGlite, whatever TEST_DATABASE_URL says.
describe('embedded PGlite durability', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglite-durability-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'with a data directory: fsync on, a new directory synced whole, and every commit syncs the WAL to disk',
    { timeout: 90_000 },
    async () => {
      synced.paths.length = 0;
      const first = await createDatabase({ dataDir: dir });
      try {
        // initdb's files, copied in by PGlite without a sync, are synced once.
        expect(synced.paths).toContain(join(dir, 'PG_VERSION'));
        expect(synced.paths).toContain(join(dir, 'global', 'pg_control'));
        await first.migrate();
        expect(await settings(first)).toEqual({ fsync: 'on', method: 'fsync', sb: PGLITE_SHARED_BUFFERS });

        for (const slug of ['xa-ben-vung-1', 'xa-ben-vung-2']) {
          synced.paths.length = 0;
          await first.db.insert(communes).values({ slug, name: 'Xã Bền Vững' });
          // The commit returned after its WAL segment was fsynced.
          expect(synced.paths.filter((p) => p.includes(`${join(dir, 'pg_wal')}/`))).toHaveLength(1);
        }
        synced.paths.length = 0;
        await execRows(first.db, sql`checkpoint`);
        // A checkpoint syncs the table files it wrote, as a PostgreSQL server does.
        expect(synced.paths.some((p) => p.startsWith(join(dir, 'base') + '/'))).toBe(true);
      } finally {
        await first.close();
      }

      synced.paths.length = 0;
      const second = await createDatabase({ dataDir: dir });
      try {
        expect(synced.paths).not.toContain(join(dir, 'PG_VERSION')); // an existing directory is not synced whole again
        expect(await settings(second)).toEqual({ fsync: 'on', method: 'fsync', sb: PGLITE_SHARED_BUFFERS });
        const rows = await execRows<{ n: number }>(
          second.db,
          sql`select count(*)::int as n from communes where name = 'Xã Bền Vững'`,
        );
        expect(rows[0].n).toBe(2);
      } finally {
        await second.close();
      }
    },
  );

  it('in memory: PGlite defaults (fsync off), nothing synced', async () => {
    synced.paths.length = 0;
    const memory = await createDatabase({});
    try {
      await memory.migrate();
      await memory.db.insert(communes).values({ slug: 'xa-bo-nho-tam', name: 'Xã Bộ Nhớ Tạm' });
      expect((await settings(memory)).fsync).toBe('off');
      expect(synced.paths).toEqual([]);
    } finally {
      await memory.close();
    }
  });
});
