import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communes } from '../../../src/db/schema/index.js';
import { readCatalogFolder } from '../../../src/features/procedures/importer/import.js';
import { ensureCatalogLoaded, saveLocalProcedure } from '../../../src/features/procedures/service.js';
import { createProcedureSearchService } from '../../../src/features/procedures/search-service.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createTestDatabase } from '../../helpers/db.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/catalog', import.meta.url));
const QUESTION = 'xin giấy phép nuôi chim bồ câu';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let communeId: number;

beforeAll(async () => {
  database = await createTestDatabase();
  const rows = await database.db
    .insert(communes)
    .values([{ slug: 'xa-bo-cau', name: 'Xã Bồ Câu' }])
    .returning();
  communeId = rows[0].id;
  await ensureCatalogLoaded(database.db, { procedures: readCatalogFolder(FIXTURES).procedures });
  // The commune has its own index already: answers before and after the rebuild share one memory.
  await saveLocalProcedure(database.db, communeId, { slug: 'cho-nuoi', name: 'Đăng ký chó nuôi', field: 'Nông nghiệp' });
  // Enough records for a build of several slices (the fixture catalog is small).
  for (let i = 1; i <= 50; i++)
    await saveLocalProcedure(database.db, communeId, { slug: `thu-tuc-thu-${i}`, name: `Thủ tục thử số ${i}`, field: 'Khác' });
}, 60_000);
afterAll(async () => database?.close());

describe("rebuilding a commune's search index while residents ask", () => {
  it(
    'answers from the old index during the build and from the new one after it, never from a stale memory',
    { timeout: 30_000 },
    async () => {
      const search = createProcedureSearchService({ db: database.db, log: silentLogger, examples: [] });
      await search.init([communeId]);
      const codesOf = () => search.search(communeId, QUESTION).results.map((r) => r.code);
      expect(codesOf()).not.toContain('local.bo-cau-dua-thu');

      const { procedure } = await saveLocalProcedure(database.db, communeId, {
        slug: 'bo-cau-dua-thu',
        name: 'Cấp giấy phép nuôi chim bồ câu',
        field: 'Nông nghiệp',
      });
      const rebuilt = search.refreshCommune(communeId);
      let askedDuringBuild = 0;
      let sawNewDuringBuild = false;
      let finished = false;
      void rebuilt.then(() => (finished = true));
      // Residents keep asking while the index is built: each answer comes at once, from the index in place.
      while (!finished) {
        sawNewDuringBuild ||= codesOf().includes(procedure.code);
        askedDuringBuild++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await rebuilt;
      expect(askedDuringBuild).toBeGreaterThan(1);
      expect(sawNewDuringBuild).toBe(false);
      expect(codesOf()[0]).toBe(procedure.code);
    },
  );

  it("builds one commune's index at a time, and edits waiting for a build share it", { timeout: 30_000 }, async () => {
    const [other] = await database.db
      .insert(communes)
      .values([{ slug: 'xa-ben-do', name: 'Xã Bến Đò' }])
      .returning();
    await saveLocalProcedure(database.db, other.id, { slug: 'do-ngang', name: 'Đăng ký đò ngang', field: 'Giao thông' });
    const events: string[] = [];
    const search = createProcedureSearchService({
      db: database.db,
      log: silentLogger,
      examples: [],
      onBuild: (id, phase) => events.push(`${phase} ${id === communeId ? 'a' : 'b'}`),
    });
    await search.init([]);
    const builds = [search.refreshCommune(communeId), search.refreshCommune(other.id), search.refreshCommune(other.id)];
    expect(builds[1]).toBe(builds[2]);
    await Promise.all(builds);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(search.search(other.id, 'đăng ký đò ngang').results[0]?.code).toBe('local.do-ngang');
  });

  it(
    'an edit during start-up waits for the start-up build, so the newer index is the one kept',
    { timeout: 30_000 },
    async () => {
      const events: string[] = [];
      const search = createProcedureSearchService({
        db: database.db,
        log: silentLogger,
        examples: [],
        onBuild: (id, phase) => events.push(`${phase} ${id === communeId ? 'a' : 'other'}`),
      });
      const started = search.init([communeId]);
      const edited = search.refreshCommune(communeId);
      await Promise.all([started, edited]);
      expect(events).toEqual(['start a', 'end a', 'start a', 'end a']);
    },
  );
});
