import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { execRows, type Database } from '../../../src/db/client.js';
import { civilRecords, communes } from '../../../src/db/schema/index.js';
import { DEMO_RECORD_ROWS } from '../../../src/features/civil-records/demo-records.js';
import { formatRowError, importRecordFile } from '../../../src/features/civil-records/import.js';
import { createTestDatabase } from '../../helpers/db.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/civil-records/${name}`, import.meta.url), 'utf8');

describe('civil records import (all or nothing)', () => {
  let database: Database;
  let communeId: number;
  const count = async () =>
    (
      await execRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from civil_records where commune_id = ${communeId}`,
      )
    )[0].n;

  beforeAll(async () => {
    database = await createTestDatabase();
    [{ id: communeId }] = await database.db.insert(communes).values({ slug: 'xa-thu', name: 'Xã Thử' }).returning();
  });
  afterAll(() => database.close());

  it('imports a valid CSV export and the synthetic demo set', async () => {
    expect(await importRecordFile(database.db, communeId, fixture('registrations.csv'), 'csv')).toEqual({
      ok: true,
      inserted: 3,
    });
    expect(await importRecordFile(database.db, communeId, JSON.stringify(DEMO_RECORD_ROWS), 'json')).toEqual({
      ok: true,
      inserted: DEMO_RECORD_ROWS.length,
    });
    const [marriage] = await database.db.select().from(civilRecords).where(eq(civilRecords.number, '31'));
    expect(marriage.persons.map((p) => p.role)).toEqual(['husband', 'wife']);
    expect(marriage.registeredOn).toBe('2019-10-20');
  });

  it('writes nothing when one row is bad, and names each bad row with its line', async () => {
    const before = await count();
    const outcome = await importRecordFile(database.db, communeId, fixture('registrations-bad.csv'), 'csv');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    const report = outcome.errors.map(formatRowError);
    expect(report).toContain(
      'Dòng 3 / line 3 (kind): loại phải là khai sinh, kết hôn hoặc khai tử / kind must be birth, marriage or death',
    );
    expect(report.some((l) => l.startsWith('Dòng 4 / line 4 (registered_on)'))).toBe(true);
    expect(report.some((l) => l.startsWith('Dòng 4 / line 4 (id_number)'))).toBe(true);
    expect(report.some((l) => l.startsWith('Dòng 5 / line 5 (number): trùng loại, quyển số và số với dòng 2'))).toBe(true);
    // Line 2 alone was valid, and still is not written.
    expect(await count()).toBe(before);
  });

  it('refuses a file repeating registrations already imported, naming the lines', async () => {
    const before = await count();
    const outcome = await importRecordFile(database.db, communeId, fixture('registrations.csv'), 'csv');
    expect(outcome).toMatchObject({ ok: false });
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => e.line)).toEqual([2, 3, 4]);
    expect(outcome.errors[0].en).toBe('this registration (kind, book, number) is already in the database');
    expect(await count()).toBe(before);
  });

  it('reports a file that is not JSON instead of failing', async () => {
    const outcome = await importRecordFile(database.db, communeId, '{not json', 'json');
    expect(outcome).toMatchObject({ ok: false, errors: [expect.objectContaining({ line: 0 })] });
  });
});

describe('npm run civil-records:import', () => {
  it('imports into the embedded database and refuses a bad file with the line numbers', async () => {
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/civil-import-`);
    const run = (args: string[]) =>
      promisify(execFile)('npx', ['tsx', 'src/cli/civil-records-import.ts', ...args], {
        env: {
          ...process.env,
          DATA_DIR: dir,
          DATABASE_URL: '',
          LOG_LEVEL: 'silent',
          COMMUNE_SLUG: 'xa-thu',
          COMMUNE_NAME: 'Xã Thử',
        },
      }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
      );
    const ok = await run(['test/fixtures/civil-records/registrations.csv']);
    expect(ok.out).toContain('Đã nhập 3 đăng ký hộ tịch / imported 3 registrations.');
    const bad = await run(['test/fixtures/civil-records/registrations-bad.csv']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('Dòng 3 / line 3 (kind)');
    expect(bad.err).toContain('Không nhập gì');
    // No personal data in the report.
    expect(bad.err).not.toContain('Đặng Văn');
  }, 120_000);
});
