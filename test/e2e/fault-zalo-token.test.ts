import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZaloTokenStore } from '../../src/channels/zalo/index.js';
import { createDbZaloTokenRepo } from '../../src/channels/zalo/token-repo.js';
import type { ZaloTokenRepo } from '../../src/channels/zalo/tokens.js';
import { channelAccounts, communes } from '../../src/db/schema/index.js';
import { startFakeZalo, type FakeZalo } from '../fakes/zalo-server.js';
import { createTestDatabase, onPostgres } from '../helpers/db.js';

/**
 * Issue 19: a Zalo refresh token is single-use, so a rotated pair must stay in
 * memory until the transaction that stores it has committed. Here the commit
 * is lost: the real repository's transaction rolls back after the save (as
 * when the connection drops at COMMIT), which is the window the old code got
 * wrong by forgetting the pair as soon as the UPDATE returned.
 */
const OA = {
  oaId: '3662729500000000911',
  appId: '2553928400000000911',
  appSecret: 'app-secret-fault-0911',
  accessToken: 'AT_fault_initial',
  refreshToken: 'RT_fault_initial',
};

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let fake: FakeZalo;

beforeAll(async () => {
  database = await createTestDatabase();
  fake = await startFakeZalo({ oas: [OA] });
  const [c] = await database.db
    .insert(communes)
    .values({ slug: 'xa-thu-token', name: 'Xã Thử Token' })
    .returning({ id: communes.id });
  await database.db.insert(channelAccounts).values({
    communeId: c.id,
    channel: 'zalo',
    accountKey: OA.oaId,
    accessToken: OA.accessToken,
    refreshToken: OA.refreshToken,
    tokenExpiresAt: new Date(Date.now() - 1000),
  });
}, 60_000);

afterAll(async () => {
  await database?.close();
  await fake?.close();
});

async function stored() {
  const [row] = await database.db
    .select({ accessToken: channelAccounts.accessToken, refreshToken: channelAccounts.refreshToken })
    .from(channelAccounts)
    .where(eq(channelAccounts.accountKey, OA.oaId));
  return row;
}

describe(`Zalo token rotation when the commit is lost (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('keeps the rotated pair until it is committed, and stores it on the next refresh', async () => {
    const real = createDbZaloTokenRepo(database.db, OA.oaId);
    let loseCommit = true;
    const repo: ZaloTokenRepo = {
      ...real,
      // The real transaction, rolled back after everything in it succeeded.
      withLock: (fn) =>
        real.withLock(async (locked) => {
          const result = await fn(locked);
          if (loseCommit) throw new Error('connection lost at COMMIT (synthetic)');
          return result;
        }),
    };
    const store = createZaloTokenStore({ repo, appId: OA.appId, appSecret: OA.appSecret, oauthBase: fake.oauthBase });

    await expect(store.get()).rejects.toMatchObject({ code: 'zalo_token_persist_failed' });
    // The platform rotated the tokens; the database still has the spent pair.
    const live = fake.tokensOf(OA.oaId)!;
    expect(live.refreshToken).not.toBe(OA.refreshToken);
    expect((await stored()).refreshToken).toBe(OA.refreshToken);
    // Memory still holds the live pair and hands it out.
    expect((await store.get()).accessToken).toBe(live.accessToken);

    loseCommit = false;
    // A later refresh first stores the kept pair, then rotates with its (live) refresh token.
    const next = await store.refresh();
    expect(next.refreshToken).toBe(fake.tokensOf(OA.oaId)!.refreshToken);
    expect(await stored()).toEqual({ accessToken: next.accessToken, refreshToken: next.refreshToken });
    // Two rotations, both accepted: the spent token was never offered again.
    expect(fake.refreshCalls().map((r) => (r.response as { error?: number }).error ?? 0)).toEqual([0, 0]);
  });
});
