import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { communes } from '../../../src/db/schema/index.js';
import { readCatalogFolder } from '../../../src/features/procedures/importer/import.js';
import {
  createProcedureReader,
  ensureCatalogLoaded,
  getProcedure,
  saveLocalProcedure,
  setOverride,
} from '../../../src/features/procedures/service.js';
import { createTestDatabase } from '../../helpers/db.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/catalog', import.meta.url));
const KHAI_SINH = '1.001193';
const CHUNG_THUC = '2.000635';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;
let otherCommuneId: number;

/** Staff edits made behind the reader's back (another instance, or psql). */
async function setAddressDirectly(commune: number, code: string, address: string) {
  await database.db.execute(
    sql`update procedure_overrides set reception_address = ${address} where commune_id = ${commune} and code = ${code}`,
  );
}

function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const rows = await database.db
    .insert(communes)
    .values([
      { slug: 'xa-doc', name: 'Xã Đọc' },
      { slug: 'xa-ben', name: 'Xã Bên' },
    ])
    .returning();
  communeId = rows[0].id;
  otherCommuneId = rows[1].id;
  await ensureCatalogLoaded(database.db, { procedures: readCatalogFolder(FIXTURES).procedures });
  await setOverride(database.db, {
    communeId,
    code: KHAI_SINH,
    input: { fee: 'Miễn lệ phí khi đăng ký đúng hạn', receptionAddress: 'Tầng 1, UBND xã Đọc' },
  });
  await setOverride(database.db, {
    communeId,
    code: CHUNG_THUC,
    input: { receptionAddress: 'Bộ phận một cửa xã Đọc' },
  });
});
afterAll(async () => database?.close());

describe('procedure reader', () => {
  it("returns the national record as the commune presents it, with that commune's override", async () => {
    const reader = createProcedureReader();
    const p = await reader.get(database.db, communeId, KHAI_SINH);
    expect(p).toEqual(await getProcedure(database.db, communeId, KHAI_SINH));
    expect(p?.code).toBe(KHAI_SINH);
    expect(p?.shortName).toBe('Đăng ký khai sinh');
    expect(p?.origin).toBe('national');
    expect(p?.receptionAddress).toBe('Tầng 1, UBND xã Đọc');
    expect(p?.override).toMatchObject({ fee: 'Miễn lệ phí khi đăng ký đúng hạn', receptionAddress: 'Tầng 1, UBND xã Đọc' });
    expect(p?.channels.length).toBeGreaterThan(0);
    expect(
      p?.channels.every((c) => c.feeText === 'Miễn lệ phí khi đăng ký đúng hạn' && c.free && c.feeAmounts.length === 0),
    ).toBe(true);

    const elsewhere = await reader.get(database.db, otherCommuneId, KHAI_SINH);
    expect(elsewhere?.override).toBeUndefined();
    expect(elsewhere?.receptionAddress).toBe('');
  });

  it('returns undefined for a code the commune does not know', async () => {
    const reader = createProcedureReader();
    expect(await reader.get(database.db, communeId, '9.999999')).toBeUndefined();
    expect(await reader.get(database.db, communeId, 'local.khong-co')).toBeUndefined();
  });

  it('answers a repeated read within the TTL from memory, without the database', async () => {
    const clock = manualClock();
    const reader = createProcedureReader({ ttlMs: 30_000, now: clock.now });
    expect((await reader.get(database.db, communeId, CHUNG_THUC))?.receptionAddress).toBe('Bộ phận một cửa xã Đọc');
    await setAddressDirectly(communeId, CHUNG_THUC, 'Nhà văn hóa thôn 2');
    clock.advance(29_999);
    expect((await reader.get(database.db, communeId, CHUNG_THUC))?.receptionAddress).toBe('Bộ phận một cửa xã Đọc');
    // A fresh reader (another instance) sees the database as it is.
    expect((await createProcedureReader().get(database.db, communeId, CHUNG_THUC))?.receptionAddress).toBe('Nhà văn hóa thôn 2');
    await setAddressDirectly(communeId, CHUNG_THUC, 'Bộ phận một cửa xã Đọc');
  });

  it("shows a staff change at once after invalidate(communeId), and only that commune's entries are forgotten", async () => {
    const reader = createProcedureReader({ ttlMs: 60_000, now: manualClock().now });
    await setOverride(database.db, { communeId: otherCommuneId, code: KHAI_SINH, input: { receptionAddress: 'UBND xã Bên' } });
    expect((await reader.get(database.db, communeId, KHAI_SINH))?.receptionAddress).toBe('Tầng 1, UBND xã Đọc');
    expect((await reader.get(database.db, otherCommuneId, KHAI_SINH))?.receptionAddress).toBe('UBND xã Bên');

    await setAddressDirectly(communeId, KHAI_SINH, 'Tầng 2, UBND xã Đọc');
    await setAddressDirectly(otherCommuneId, KHAI_SINH, 'Nhà văn hóa xã Bên');
    reader.invalidate(communeId);

    expect((await reader.get(database.db, communeId, KHAI_SINH))?.receptionAddress).toBe('Tầng 2, UBND xã Đọc');
    expect((await reader.get(database.db, otherCommuneId, KHAI_SINH))?.receptionAddress).toBe('UBND xã Bên');
    reader.invalidate();
    expect((await reader.get(database.db, otherCommuneId, KHAI_SINH))?.receptionAddress).toBe('Nhà văn hóa xã Bên');
    await setAddressDirectly(communeId, KHAI_SINH, 'Tầng 1, UBND xã Đọc');
  });

  it('reads the database again once an entry is older than the TTL', async () => {
    const clock = manualClock();
    const reader = createProcedureReader({ ttlMs: 30_000, now: clock.now });
    expect((await reader.get(database.db, communeId, CHUNG_THUC))?.receptionAddress).toBe('Bộ phận một cửa xã Đọc');
    await setAddressDirectly(communeId, CHUNG_THUC, 'Điểm tiếp dân thôn 3');
    clock.advance(30_000);
    expect((await reader.get(database.db, communeId, CHUNG_THUC))?.receptionAddress).toBe('Điểm tiếp dân thôn 3');
    await setAddressDirectly(communeId, CHUNG_THUC, 'Bộ phận một cửa xã Đọc');
  });

  it("keeps a commune's local procedures apart and forgets them on invalidate", async () => {
    const reader = createProcedureReader({ now: manualClock().now });
    const { procedure } = await saveLocalProcedure(database.db, communeId, {
      name: 'Xác nhận hộ nghèo',
      field: 'Bảo trợ xã hội',
    });
    expect((await reader.get(database.db, communeId, procedure.code))?.origin).toBe('local');
    expect(await reader.get(database.db, otherCommuneId, procedure.code)).toBeUndefined();

    await saveLocalProcedure(database.db, communeId, {
      slug: 'xac-nhan-ho-ngheo',
      name: 'Xác nhận hộ nghèo, cận nghèo',
      field: 'Bảo trợ xã hội',
    });
    expect((await reader.get(database.db, communeId, procedure.code))?.name).toBe('Xác nhận hộ nghèo');
    reader.invalidate(communeId);
    expect((await reader.get(database.db, communeId, procedure.code))?.name).toBe('Xác nhận hộ nghèo, cận nghèo');
  });

  it('remembers that a code is unknown only until invalidated', async () => {
    const reader = createProcedureReader({ now: manualClock().now });
    expect(await reader.get(database.db, communeId, 'local.giay-phep-cho-nuoi')).toBeUndefined();
    await saveLocalProcedure(database.db, communeId, { slug: 'giay-phep-cho-nuoi', name: 'Đăng ký chó nuôi' });
    expect(await reader.get(database.db, communeId, 'local.giay-phep-cho-nuoi')).toBeUndefined();
    reader.invalidate(communeId);
    expect((await reader.get(database.db, communeId, 'local.giay-phep-cho-nuoi'))?.name).toBe('Đăng ký chó nuôi');
  });
});
