import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createDatabase, execRows, postgresTarget } from '../../src/db/client.js';

describe('postgresTarget', () => {
  it('passes a libpq socket directory (?host=/dir) as the host, keeping every other part of the URL', () => {
    expect(postgresTarget('postgres://app:pw@localhost:5433/troly?host=/run/postgresql&application_name=bot')).toEqual({
      url: 'postgres://app:pw@localhost:5433/troly?application_name=bot',
      host: '/run/postgresql',
      ssl: false,
    });
  });

  it('leaves a TCP URL, and a host parameter that is not a path, alone', () => {
    expect(postgresTarget('postgres://app@db.example:5432/troly')).toEqual({ url: 'postgres://app@db.example:5432/troly' });
    expect(postgresTarget('postgres://app@db/troly?host=db2')).toEqual({ url: 'postgres://app@db/troly?host=db2' });
  });

  it('never rewrites what comes before the query: several hosts, escaped passwords, IPv6', () => {
    for (const url of [
      'postgres://u:p@h1:5432,h2:5433/troly',
      'postgres://u:p%40ss%2Fw%20d@db/troly?sslmode=require',
      'postgres://u@[::1]:5432/troly',
    ]) {
      expect(postgresTarget(url)).toEqual({ url });
    }
    expect(postgresTarget('postgres://u:p%40ss@localhost/troly?host=/run/postgresql')).toEqual({
      url: 'postgres://u:p%40ss@localhost/troly',
      host: '/run/postgresql',
      ssl: false,
    });
  });

  it('turns TLS off on a socket, as libpq ignores sslmode there', () => {
    expect(postgresTarget('postgres://u@localhost/troly?sslmode=require&host=/run/postgresql')).toEqual({
      url: 'postgres://u@localhost/troly',
      host: '/run/postgresql',
      ssl: false,
    });
  });
});

// The PostgreSQL leg of the suite, where the server also listens on its Unix socket (as Debian's does).
const base = process.env.TEST_DATABASE_URL;
const socketDir = '/var/run/postgresql';
const local = base && ['127.0.0.1', 'localhost'].includes(new URL(base).hostname);
const port = base ? new URL(base).port || '5432' : '5432';

describe.runIf(local && existsSync(`${socketDir}/.s.PGSQL.${port}`))('DATABASE_URL with ?host=<socket directory>', () => {
  it('connects and migrates through the Unix socket, not TCP, even with sslmode set', async () => {
    const u = new URL(base!);
    u.searchParams.set('host', socketDir);
    u.searchParams.set('sslmode', 'require');
    const database = await createDatabase({ url: u.toString(), poolMax: 1 });
    try {
      await database.migrate(); // its own connection, under the migration lock
      const [row] = await execRows<{ addr: string | null }>(database.db, sql`select inet_server_addr()::text as addr`);
      expect(row.addr).toBeNull(); // a TCP connection would report 127.0.0.1
    } finally {
      await database.close();
    }
  });
});
