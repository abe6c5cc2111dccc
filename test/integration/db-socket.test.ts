import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDatabase, execRows, postgresTarget } from '../../src/db/client.js';

describe('postgresTarget', () => {
  it('passes a libpq socket directory (?host=/dir) as the host, keeping every other part of the URL', () => {
    expect(postgresTarget('postgres://app:pw@localhost:5433/troly?host=/run/postgresql&application_name=bot')).toEqual({
      url: 'postgres://app:pw@localhost:5433/troly?application_name=bot',
      host: '/run/postgresql',
    });
  });

  it('leaves a TCP URL, and a host parameter that is not a path, alone', () => {
    expect(postgresTarget('postgres://app@db.example:5432/troly')).toEqual({ url: 'postgres://app@db.example:5432/troly' });
    expect(postgresTarget('postgres://app@db/troly?host=db2')).toEqual({ url: 'postgres://app@db/troly?host=db2' });
  });
});

// The PostgreSQL leg of the suite, where the server also listens on its Unix socket (as Debian's does).
const base = process.env.TEST_DATABASE_URL;
const socketDir = '/var/run/postgresql';
const local = base && ['127.0.0.1', 'localhost'].includes(new URL(base).hostname);
const port = base ? new URL(base).port || '5432' : '5432';

describe.runIf(local && existsSync(`${socketDir}/.s.PGSQL.${port}`))('DATABASE_URL with ?host=<socket directory>', () => {
  it('connects through the Unix socket, not TCP', async () => {
    const u = new URL(base!);
    u.searchParams.set('host', socketDir);
    const database = await createDatabase({ url: u.toString(), poolMax: 1 });
    try {
      const [row] = await execRows<{ addr: string | null }>(database.db, sql`select inet_server_addr()::text as addr`);
      expect(row.addr).toBeNull(); // a TCP connection would report 127.0.0.1
    } finally {
      await database.close();
    }
  });
});
