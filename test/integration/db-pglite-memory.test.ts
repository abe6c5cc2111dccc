import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, execRows, PGLITE_SHARED_BUFFERS } from '../../src/db/client.js';
import { communes } from '../../src/db/schema/index.js';

// The embedded engine's memory settings (src/db/client.ts). Always PGlite, whatever TEST_DATABASE_URL says.
describe('embedded PGlite memory settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglite-memory-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs with the smaller buffer pool, on a new data directory and when it is opened again, and keeps the data', async () => {
    const first = await createDatabase({ dataDir: dir });
    await first.migrate();
    const [before] = await execRows<{ sb: string }>(first.db, sql`select current_setting('shared_buffers') as sb`);
    expect(before.sb).toBe(PGLITE_SHARED_BUFFERS);
    expect(PGLITE_SHARED_BUFFERS).toBe('16MB');
    await first.db.insert(communes).values({ slug: 'xa-bo-nho', name: 'Xã Bộ Nhớ' });
    await first.close();

    const second = await createDatabase({ dataDir: dir });
    try {
      await second.migrate();
      const [after] = await execRows<{ sb: string }>(second.db, sql`select current_setting('shared_buffers') as sb`);
      expect(after.sb).toBe(PGLITE_SHARED_BUFFERS);
      const rows = await execRows<{ name: string }>(second.db, sql`select name from communes where slug = 'xa-bo-nho'`);
      expect(rows.map((r) => r.name)).toEqual(['Xã Bộ Nhớ']);
    } finally {
      await second.close();
    }
  });
});
