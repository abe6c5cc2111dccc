import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { errInfo } from '../../../src/core/log-error.js';
import { createDatabase } from '../../../src/db/client.js';

describe('errInfo', () => {
  it('keeps no query parameters of a failed database query', async () => {
    const db = await createDatabase({});
    try {
      const secret = 'Nguyễn Văn Bímật 0912345678';
      const error = await db.db.execute(sql`select ${secret}::int`).catch((e: unknown) => e);
      const logged = JSON.stringify(errInfo(error));
      expect(logged).not.toContain('0912345678');
      expect(logged).not.toContain('Bímật');
      expect(logged).toContain('database query failed');
      expect(logged).toContain('22P02');
    } finally {
      await db.close();
    }
  });

  it('keeps the message of ordinary errors', () => {
    expect(errInfo(new Error('boom')).message).toBe('boom');
  });
});
