import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createZaloTokenStore } from '../../../src/channels/zalo/index.js';
import { createDatabase, type Database } from '../../../src/db/client.js';
import { channelAccounts, communes } from '../../../src/db/schema/index.js';
import { createDbZaloTokenRepo } from '../../../src/channels/zalo/token-repo.js';
import { createTestDatabase, onPostgres } from '../../helpers/db.js';
import { startFakeZalo, type FakeZalo } from '../../fakes/zalo-server.js';

const OA = {
  oaId: '3662729500000000487',
  appId: '2553928400000000079',
  appSecret: 'app-secret',
  accessToken: 'AT_initial',
  refreshToken: 'RT_initial',
};

let database: Database & { url?: string };
/** A second connection pool, as a second process would have (PostgreSQL only; PGlite is one process). */
let other: Database | undefined;
let fake: FakeZalo;

beforeAll(async () => {
  database = await createTestDatabase();
  if (database.url) other = await createDatabase({ url: database.url, poolMax: 2 });
  fake = await startFakeZalo({ oas: [OA] });
  const [c] = await database.db.insert(communes).values({ slug: 'xa-mau', name: 'Xã Mẫu' }).returning({ id: communes.id });
  await database.db.insert(channelAccounts).values({ communeId: c.id, channel: 'zalo', accountKey: OA.oaId });
});

afterAll(async () => {
  await other?.close();
  await database?.close();
  await fake?.close();
});

beforeEach(async () => {
  fake.reset();
  fake.setRefreshDelay(0);
  const current = fake.tokensOf(OA.oaId)!;
  await database.db
    .update(channelAccounts)
    .set({ accessToken: current.accessToken, refreshToken: current.refreshToken, tokenExpiresAt: new Date(Date.now() - 1000) })
    .where(eq(channelAccounts.accountKey, OA.oaId));
});

const store = (db: Database) =>
  createZaloTokenStore({
    repo: createDbZaloTokenRepo(db.db, OA.oaId),
    appId: OA.appId,
    appSecret: OA.appSecret,
    oauthBase: fake.oauthBase,
  });

describe(`zalo tokens on channel_accounts (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('two refreshers at once: exactly one refresh call, both use the new token, the new pair is stored', async () => {
    fake.setRefreshDelay(150);
    const a = store(database);
    const b = store(other ?? database);
    const [pa, pb] = await Promise.all([a.get(), b.get()]);
    expect(fake.refreshCalls()).toHaveLength(1);
    const live = fake.tokensOf(OA.oaId)!;
    expect(pa.accessToken).toBe(live.accessToken);
    expect(pb.accessToken).toBe(live.accessToken);
    const [row] = await database.db.select().from(channelAccounts).where(eq(channelAccounts.accountKey, OA.oaId));
    expect(row).toMatchObject({ accessToken: live.accessToken, refreshToken: live.refreshToken });
    expect(row.tokenExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000);
  });

  it('a process whose token Zalo rejected takes the pair another process already rotated', async () => {
    const a = store(database);
    const b = store(other ?? database);
    const first = await a.get();
    await database.db
      .update(channelAccounts)
      .set({ tokenExpiresAt: new Date(Date.now() + 3600_000) })
      .where(eq(channelAccounts.accountKey, OA.oaId));
    const rotated = await a.refresh(first.accessToken);
    const picked = await b.refresh(first.accessToken);
    expect(picked.accessToken).toBe(rotated.accessToken);
    expect(fake.refreshCalls()).toHaveLength(2); // a.get() (expired) + a.refresh(rejected); b spent nothing
  });

  it('seeds env tokens only once, so a restart cannot overwrite a rotated pair', async () => {
    const repo = createDbZaloTokenRepo(database.db, OA.oaId);
    await database.db
      .update(channelAccounts)
      .set({ accessToken: null, refreshToken: null, tokenExpiresAt: null })
      .where(eq(channelAccounts.accountKey, OA.oaId));
    expect(await repo.load()).toBeNull();
    const seed = { accessToken: 'AT_env', refreshToken: 'RT_env', expiresAt: new Date(0) };
    expect(await repo.seedIfEmpty(seed)).toBe(true);
    expect(await repo.seedIfEmpty({ ...seed, refreshToken: 'RT_env_again' })).toBe(false);
    expect((await repo.load())!.refreshToken).toBe('RT_env');
  });

  it('refuses to save for an OA without a channel account', async () => {
    const repo = createDbZaloTokenRepo(database.db, 'unknown-oa');
    await expect(repo.saveRotated({ accessToken: 'a', refreshToken: 'r', expiresAt: new Date() })).rejects.toThrow(
      /no channel_accounts row/,
    );
  });
});
