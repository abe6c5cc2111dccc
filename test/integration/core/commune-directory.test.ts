import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communes } from '../../../src/db/schema/index.js';
import { createCommuneDirectory } from '../../../src/runtime.js';
import { createTestDatabase } from '../../helpers/db.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insert(communes).values({ slug: 'xa-dau', name: 'Xã Đầu' });
});
afterAll(async () => database?.close());

describe('commune directory', () => {
  it('finds a commune added while it runs, by slug and by id', async () => {
    const directory = createCommuneDirectory(database);
    expect((await directory.bySlug('xa-dau'))?.name).toBe('Xã Đầu');
    const [added] = await database.db.insert(communes).values({ slug: 'xa-moi', name: 'Xã Mới' }).returning();
    expect((await directory.bySlug('xa-moi'))?.id).toBe(added.id);
    expect((await directory.get(added.id))?.slug).toBe('xa-moi');
  });

  it('answers made-up slugs with nothing, many at once', async () => {
    const directory = createCommuneDirectory(database);
    const found = await Promise.all(Array.from({ length: 50 }, (_, i) => directory.bySlug(`khong-co-${i}`)));
    expect(found.every((f) => f === undefined)).toBe(true);
    expect(await directory.bySlug("x' or 1=1 --")).toBeUndefined();
    expect(await directory.bySlug('')).toBeUndefined();
    // The concurrent misses did not leave the directory unable to find real communes.
    expect((await directory.bySlug('xa-dau'))?.name).toBe('Xã Đầu');
  });
});
