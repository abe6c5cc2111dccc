import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communes } from '../../../src/db/schema/index.js';
import {
  importCatalogFolder,
  readCatalogFolder,
  readSnapshot,
  writeSnapshot,
} from '../../../src/features/procedures/importer/import.js';
import {
  ensureCatalogLoaded,
  getProcedure,
  importOverrides,
  listProceduresForIndex,
  saveLocalProcedure,
  setOverride,
} from '../../../src/features/procedures/service.js';
import { listNationalProcedures, mapNationalProcedures } from '../../../src/features/procedures/repo.js';
import { createTestDatabase } from '../../helpers/db.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/catalog', import.meta.url));

describe('national catalog import', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let work: string;
  let communeId: number;
  let otherCommuneId: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    work = mkdtempSync(join(tmpdir(), 'catalog-'));
    cpSync(FIXTURES, work, { recursive: true });
    const rows = await database.db
      .insert(communes)
      .values([
        { slug: 'xa-an-binh', name: 'Xã An Bình' },
        { slug: 'xa-hoa-loc', name: 'Xã Hòa Lộc' },
      ])
      .returning();
    communeId = rows[0].id;
    otherCommuneId = rows[1].id;
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await database?.close();
  });

  it('adds every real record, skips crawl noise, and fails none', async () => {
    const report = await importCatalogFolder(database.db, work);
    expect(report).toMatchObject({ added: 13, changed: 0, unchanged: 0, skipped: 2, failed: 0 });
    expect(report.problems.skipped.map((p) => p.file).sort()).toEqual(['bo-cong-an/1.014208.json', 'bo-cong-an/2.001428.json']);
  });

  it('reads the national records a page at a time, every one once, in code order', async () => {
    const whole = (await listNationalProcedures(database.db)).map((p) => `${p.code} ${p.name}`);
    expect(whole.length).toBeGreaterThan(3);
    for (const pageSize of [1, 2, 3, whole.length, 1000]) {
      expect(await mapNationalProcedures(database.db, (p) => `${p.code} ${p.name}`, pageSize)).toEqual(whole);
    }
  });

  it('is idempotent: a second import reports everything unchanged', async () => {
    const report = await importCatalogFolder(database.db, work);
    expect(report).toMatchObject({ added: 0, changed: 0, unchanged: 13, skipped: 2, failed: 0 });
  });

  it('reports a modified record as changed, and a broken file as failed without aborting', async () => {
    const file = join(work, 'bo-tu-phap/2.000635.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.cach_thuc_thuc_hien = record.cach_thuc_thuc_hien.replaceAll('8,000 VNĐ', '10,000 VNĐ');
    writeFileSync(file, JSON.stringify(record));
    writeFileSync(join(work, 'bo-tu-phap/9.999999.json'), '{ not json');

    const report = await importCatalogFolder(database.db, work);
    expect(report).toMatchObject({ added: 0, changed: 1, unchanged: 12, skipped: 2, failed: 1 });
    expect(report.problems.failed[0].file).toBe('bo-tu-phap/9.999999.json');
    const copy = await getProcedure(database.db, communeId, '2.000635');
    expect(copy?.channels[0].feeAmounts).toEqual([10000]);
  });

  it("keeps a commune's override through a re-import of the national catalog", async () => {
    await setOverride(database.db, {
      communeId,
      code: '1.001193',
      input: {
        fee: 'Miễn lệ phí khi đăng ký đúng hạn',
        note: 'Mang theo Giấy chứng sinh bản chính.',
        receptionAddress: 'Tầng 1, UBND xã An Bình',
      },
    });
    const file = join(work, 'bo-tu-phap/1.001193.json');
    const record = JSON.parse(readFileSync(file, 'utf8'));
    record.so_quyet_dinh = '999/QĐ-BTP';
    writeFileSync(file, JSON.stringify(record));

    const report = await importCatalogFolder(database.db, work);
    expect(report.changed).toBe(1);

    const p = await getProcedure(database.db, communeId, '1.001193');
    expect(p?.decision).toBe('999/QĐ-BTP');
    expect(p?.origin).toBe('national');
    expect(p?.override).toMatchObject({ note: 'Mang theo Giấy chứng sinh bản chính.', fee: 'Miễn lệ phí khi đăng ký đúng hạn' });
    expect(p?.receptionAddress).toBe('Tầng 1, UBND xã An Bình');
    expect(p?.channels.every((c) => c.feeText === 'Miễn lệ phí khi đăng ký đúng hạn' && c.free)).toBe(true);

    const elsewhere = await getProcedure(database.db, otherCommuneId, '1.001193');
    expect(elsewhere?.override).toBeUndefined();
    expect(elsewhere?.receptionAddress).toBe('');
  });

  it('lists national and local procedures with overrides applied for the search index', async () => {
    const { procedure } = await saveLocalProcedure(database.db, communeId, {
      name: 'Trợ cấp xã hội hằng tháng cho người cao tuổi',
      field: 'Bảo trợ xã hội',
      steps: ['Nộp tờ khai tại xã.'],
    });
    expect(procedure.code).toBe('local.tro-cap-xa-hoi-hang-thang-cho-nguoi-cao');
    await setOverride(database.db, { communeId, code: procedure.code, input: { phone: '0203 123 456' } });

    const all = await listProceduresForIndex(database.db, communeId);
    expect(all).toHaveLength(14);
    expect(all.find((p) => p.code === '1.001193')?.override?.note).toBe('Mang theo Giấy chứng sinh bản chính.');
    expect(all.find((p) => p.code === procedure.code)).toMatchObject({
      origin: 'local',
      levels: ['xã'],
      override: { phone: '0203 123 456' },
    });
    expect(await listProceduresForIndex(database.db, otherCommuneId)).toHaveLength(13);
  });

  it('imports overrides all-or-nothing: an unknown code changes nothing', async () => {
    const result = await importOverrides(database.db, {
      communeId: otherCommuneId,
      rows: [
        { code: '2.000635', fee: '8.000 đồng/bản sao' },
        { code: '9.000000', fee: '1 đồng' },
      ],
    });
    expect(result).toEqual({ created: 0, updated: 0, unknownCodes: ['9.000000'] });
    expect((await getProcedure(database.db, otherCommuneId, '2.000635'))?.override).toBeUndefined();
  });
});

describe('shipped snapshot', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('round-trips through the gzip file and loads only into an empty table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snap-'));
    try {
      const read = readCatalogFolder(FIXTURES);
      const path = join(dir, 'procedures.json.gz');
      expect(writeSnapshot(read.procedures, path).count).toBe(13);
      const back = readSnapshot(path);
      expect(back.map((p) => p.code)).toEqual([...read.procedures.map((p) => p.code)].sort());
      expect(back.every((p) => p.raw.raw_text === undefined)).toBe(true);

      expect(await ensureCatalogLoaded(database.db, { snapshotPath: path })).toMatchObject({ loaded: 13, updated: 0 });
      expect(await ensureCatalogLoaded(database.db, { snapshotPath: path })).toMatchObject({ loaded: 0, updated: 0 });
      // The same records from the crawl folder are recognised as unchanged.
      expect(await importCatalogFolder(database.db, FIXTURES)).toMatchObject({ added: 0, changed: 0, unchanged: 13 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a newer snapshot in an upgrade updates the changed procedures, keeps overrides, and never downgrades', async () => {
    const db = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'snap-up-'));
    try {
      const [commune] = await db.db.insert(communes).values({ slug: 'xa-nang-cap', name: 'Xã Nâng Cấp' }).returning();
      const read = readCatalogFolder(FIXTURES);
      const path = join(dir, 'procedures.json.gz');
      writeSnapshot(read.procedures, path, '2026-01-15');
      expect(await ensureCatalogLoaded(db.db, { snapshotPath: path })).toEqual({
        loaded: 13,
        updated: 0,
        catalogDate: '2026-01-15',
      });
      const code = read.procedures[0].code;
      await setOverride(db.db, { communeId: commune.id, code, input: { fee: '8.000 đồng' } });

      const renamed = read.procedures.map((p) => (p.code === code ? { ...p, name: `${p.name} (sửa đổi 2026)` } : p));
      writeSnapshot(renamed, path, '2026-07-20');
      expect(await ensureCatalogLoaded(db.db, { snapshotPath: path })).toEqual({
        loaded: 0,
        updated: 1,
        catalogDate: '2026-07-20',
      });
      const after = await getProcedure(db.db, commune.id, code);
      expect(after?.name).toMatch(/sửa đổi 2026/);
      expect(after?.override?.fee).toBe('8.000 đồng');
      expect(after?.catalogDate).toBe('2026-07-20');

      // An older snapshot (or the same one again) changes nothing.
      writeSnapshot(read.procedures, path, '2026-03-01');
      expect(await ensureCatalogLoaded(db.db, { snapshotPath: path })).toEqual({
        loaded: 0,
        updated: 0,
        catalogDate: '2026-07-20',
      });
      expect((await getProcedure(db.db, commune.id, code))?.name).toMatch(/sửa đổi 2026/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await db.close();
    }
  });

  it('the repository snapshot holds the whole catalog without page dumps', () => {
    const all = readSnapshot();
    expect(all.length).toBeGreaterThan(2600);
    const khaiSinh = all.find((p) => p.code === '1.001193');
    expect(khaiSinh?.shortName).toBe('Đăng ký khai sinh');
    expect(khaiSinh?.raw.raw_text).toBeUndefined();
    expect(all.filter((p) => p.levels.includes('xã')).length).toBeGreaterThan(550);
  });
});
