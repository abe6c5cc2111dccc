import { sql } from 'drizzle-orm';
import type { ZaloTokenPair, ZaloTokenRepo, ZaloTokenRepoTx } from './tokens.js';
import { execRows, type Db } from '../../db/client.js';

/** Advisory-lock namespace for Zalo token refreshes (second key: hash of the OA). */
const ZALO_TOKEN_LOCK_NS = 727_002;

export interface DbZaloTokenRepo extends ZaloTokenRepo {
  /**
   * Store a pair only when the account has none yet (first start from env
   * values). The env refresh token is single-use: once rotated, restarting
   * with the same env must not overwrite the live pair. Returns true if stored.
   */
  seedIfEmpty(pair: ZaloTokenPair): Promise<boolean>;
}

interface TokenRow {
  access_token: string | null;
  refresh_token: string | null;
  token_expires_at: Date | string | null;
}

/**
 * Zalo OA tokens on the `channel_accounts` row (channel 'zalo', account_key =
 * OA id). `withLock` runs in a transaction holding
 * `pg_advisory_xact_lock(ns, hashtext(oa))` and the row lock (`FOR UPDATE`),
 * so concurrent refreshers in any process queue up and the second re-reads
 * the pair the first one saved. The refresh HTTP call runs inside that
 * transaction (bounded by the client timeout); on PGlite that briefly blocks
 * the single connection, about once a day.
 */
export function createDbZaloTokenRepo(db: Db, accountKey: string): DbZaloTokenRepo {
  const load = async (conn: Db): Promise<ZaloTokenPair | null> => {
    const [row] = await execRows<TokenRow>(
      conn,
      sql`select access_token, refresh_token, token_expires_at from channel_accounts
          where channel = 'zalo' and account_key = ${accountKey}`,
    );
    if (!row?.access_token || !row.refresh_token) return null;
    // No known expiry (seeded by hand): treat as expired so the first use refreshes under the lock.
    const expiresAt = row.token_expires_at ? new Date(row.token_expires_at) : new Date(0);
    return { accessToken: row.access_token, refreshToken: row.refresh_token, expiresAt };
  };

  const save = async (conn: Db, pair: ZaloTokenPair): Promise<void> => {
    const rows = await execRows(
      conn,
      sql`update channel_accounts
          set access_token = ${pair.accessToken}, refresh_token = ${pair.refreshToken},
              token_expires_at = ${pair.expiresAt.toISOString()}::timestamptz, updated_at = now()
          where channel = 'zalo' and account_key = ${accountKey}
          returning id`,
    );
    if (!rows.length) throw new Error(`no channel_accounts row for zalo OA ${accountKey}`);
  };

  return {
    load: () => load(db),
    saveRotated: (pair) => save(db, pair),
    withLock<T>(fn: (locked: ZaloTokenRepoTx) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        const conn = tx as unknown as Db;
        await execRows(conn, sql`select pg_advisory_xact_lock(${ZALO_TOKEN_LOCK_NS}::int, hashtext(${`zalo:${accountKey}`}))`);
        await execRows(
          conn,
          sql`select id from channel_accounts where channel = 'zalo' and account_key = ${accountKey} for update`,
        );
        return fn({ load: () => load(conn), saveRotated: (pair) => save(conn, pair) });
      });
    },
    async seedIfEmpty(pair) {
      const rows = await execRows(
        db,
        sql`update channel_accounts
            set access_token = ${pair.accessToken}, refresh_token = ${pair.refreshToken},
                token_expires_at = ${pair.expiresAt.toISOString()}::timestamptz, updated_at = now()
            where channel = 'zalo' and account_key = ${accountKey} and refresh_token is null
            returning id`,
      );
      return rows.length > 0;
    },
  };
}
