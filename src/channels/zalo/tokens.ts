import { ChannelError } from '../../core/errors.js';
import { countTokenRefresh } from '../../core/metrics.js';
import { joinUrl } from '../../core/url.js';
import type { Logger } from '../../core/logger.js';
import { ZALO_OAUTH_TOKEN_PATH } from './types.js';

/** An OA access token and its single-use refresh token. */
export interface ZaloTokenPair {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
}

/** Token storage seen while holding the lock. */
export interface ZaloTokenRepoTx {
  load(): Promise<ZaloTokenPair | null>;
  /** Persist a freshly rotated pair (the old refresh token is already dead). */
  saveRotated(pair: ZaloTokenPair): Promise<void>;
}

/**
 * Storage port for one OA's tokens. `withLock` serialises refreshes across
 * processes (the database implementation uses a PostgreSQL advisory lock),
 * so a single-use refresh token is never spent twice.
 */
export interface ZaloTokenRepo extends ZaloTokenRepoTx {
  withLock<T>(fn: (locked: ZaloTokenRepoTx) => Promise<T>): Promise<T>;
}

/** In-process repo (tests, or a single process without a database). */
export function createMemoryZaloTokenRepo(initial: ZaloTokenPair | null = null): ZaloTokenRepo {
  let pair = initial;
  let chain: Promise<unknown> = Promise.resolve();
  const tx: ZaloTokenRepoTx = {
    load: async () => (pair ? { ...pair } : null),
    saveRotated: async (p) => {
      pair = { ...p };
    },
  };
  return {
    ...tx,
    withLock<T>(fn: (locked: ZaloTokenRepoTx) => Promise<T>): Promise<T> {
      const run = chain.then(() => fn(tx));
      chain = run.catch(() => undefined);
      return run;
    },
  };
}

export interface ZaloRefreshOptions {
  appId: string;
  /** The app secret, sent as header `secret_key`. */
  appSecret: string;
  /** ZALO_OAUTH_BASE, default https://oauth.zaloapp.com. */
  oauthBase?: string;
  timeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

/**
 * Exchange a refresh token: `POST {oauthBase}/v4/oa/access_token`, form
 * `refresh_token, app_id, grant_type=refresh_token`, header `secret_key`.
 * The answer `{access_token, refresh_token, expires_in:"90000"}` carries a new
 * refresh token; the old one is spent. Throws ChannelError: network/5xx are
 * retryable, a refused refresh token is `zalo_auth` (needs re-authorisation).
 */
export async function refreshZaloAccessToken(refreshToken: string, opts: ZaloRefreshOptions): Promise<ZaloTokenPair> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? Date.now;
  const url = joinUrl(opts.oauthBase ?? 'https://oauth.zaloapp.com', ZALO_OAUTH_TOKEN_PATH);
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', secret_key: opts.appSecret },
      body: new URLSearchParams({ refresh_token: refreshToken, app_id: opts.appId, grant_type: 'refresh_token' }).toString(),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
  } catch (error) {
    const name = (error as Error).name;
    const timeout = name === 'TimeoutError' || name === 'AbortError';
    throw new ChannelError('network', timeout ? 'timeout' : 'network', `Zalo token refresh: ${(error as Error).message}`, true);
  }
  if (res.status === 429) throw new ChannelError('api', 'rate_limited', 'Zalo token refresh: HTTP 429', true, 60_000);
  if (res.status >= 500) throw new ChannelError('api', 'server_error', `Zalo token refresh: HTTP ${res.status}`, true);
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new ChannelError('api', 'server_error', `Zalo token refresh: HTTP ${res.status}, not JSON`, true);
  }
  const accessToken = body.access_token;
  const newRefresh = body.refresh_token;
  if (typeof accessToken !== 'string' || !accessToken || typeof newRefresh !== 'string' || !newRefresh) {
    const detail = [body.error, body.error_name, body.error_description ?? body.message].filter((v) => v !== undefined).join(' ');
    throw new ChannelError('api', 'zalo_auth', `Zalo token refresh refused: ${detail || `HTTP ${res.status}`}`, false);
  }
  const expiresIn = Number(body.expires_in);
  const seconds = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 90_000;
  return { accessToken, refreshToken: newRefresh, expiresAt: new Date(now() + seconds * 1000) };
}

export interface ZaloTokenStoreOptions extends ZaloRefreshOptions {
  repo: ZaloTokenRepo;
  /** Refresh this long before expiry. Default 10 minutes. */
  refreshAheadMs?: number;
  log?: Logger;
  /** The commune whose OA this is: labels the refresh metric (unlabelled without it). */
  communeId?: number;
}

export interface ZaloTokenStore {
  /** A usable pair, refreshed first when it expires within `refreshAheadMs`. Throws ChannelError. */
  get(): Promise<ZaloTokenPair>;
  /** Store a pair obtained elsewhere (OAuth code exchange, env seed). */
  save(pair: ZaloTokenPair): Promise<void>;
  /**
   * Pass the access token Zalo just rejected (-216/-220): if another process
   * has already rotated it, the stored pair is returned without spending the
   * refresh token again. Without an argument: rotate now (manual rotation).
   */
  refresh(rejectedAccessToken?: string): Promise<ZaloTokenPair>;
}

/**
 * Access-token store for one OA. Refreshes are single-flight in this process
 * and serialised across processes by `repo.withLock`; under the lock the
 * stored pair is re-read, so a second refresher sees the first one's result.
 * The new pair is persisted before it is handed out.
 */
export function createZaloTokenStore(opts: ZaloTokenStoreOptions): ZaloTokenStore {
  const now = opts.now ?? Date.now;
  const ahead = opts.refreshAheadMs ?? 10 * 60_000;
  const commune = opts.communeId ?? '';
  let cached: ZaloTokenPair | null = null;
  /** A rotated pair whose save failed: the only copy of the live refresh token. */
  let unsaved: ZaloTokenPair | null = null;
  let inflight: Promise<ZaloTokenPair> | null = null;

  const fresh = (p: ZaloTokenPair) => p.expiresAt.getTime() - now() > ahead;

  /**
   * Under the lock, re-read the stored pair and refresh only if still needed:
   * `stale` = it expires soon; `rejected` = it is the token Zalo refused;
   * `force` = always (manual rotation).
   */
  async function doRefresh(why: { stale?: true; rejected?: string; force?: true }): Promise<ZaloTokenPair> {
    // The pair written in this transaction: it is stored only once the transaction commits.
    const done: { written: ZaloTokenPair | null } = { written: null };
    const write = async (locked: ZaloTokenRepoTx, pair: ZaloTokenPair) => {
      // Until the commit, memory holds the only copy of the live refresh token.
      unsaved = pair;
      cached = pair;
      try {
        await locked.saveRotated(pair);
      } catch (error) {
        throw persistFailed(error);
      }
      done.written = pair;
    };
    let pair: ZaloTokenPair;
    try {
      pair = await opts.repo.withLock(async (locked) => {
        if (unsaved) await write(locked, unsaved);
        const current = await locked.load();
        if (!current) throw new ChannelError('api', 'zalo_no_token', 'no Zalo OA token stored; authorise the OA first', false);
        const needed = why.force || !fresh(current) || (why.rejected !== undefined && current.accessToken === why.rejected);
        if (!needed) {
          cached = current;
          return current;
        }
        let next: ZaloTokenPair;
        try {
          next = await refreshZaloAccessToken(current.refreshToken, opts);
        } catch (error) {
          countTokenRefresh('zalo', commune, 'failed');
          throw error;
        }
        countTokenRefresh('zalo', commune, 'ok');
        await write(locked, next);
        return next;
      });
    } catch (error) {
      // Rolled back: whatever was written is not stored, and `unsaved` still holds it. A database
      // error after the write (the commit) is a failed save; a refused or failed refresh is itself.
      if (done.written && !(error instanceof ChannelError)) throw persistFailed(error);
      throw error;
    }
    // Committed: the stored pair is the live one.
    if (done.written && unsaved === done.written) unsaved = null;
    return pair;
  }

  function persistFailed(error: unknown): ChannelError {
    // Keep the only live copy in memory (and retry the save on the next refresh) rather than lose the OA.
    opts.log?.error({ err: (error as Error).message }, 'zalo: could not persist rotated tokens');
    return new ChannelError('api', 'zalo_token_persist_failed', 'could not persist rotated Zalo tokens', true);
  }

  function singleFlight(why: Parameters<typeof doRefresh>[0]): Promise<ZaloTokenPair> {
    if (!inflight) {
      inflight = doRefresh(why).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  const refresh = (rejected?: string) => singleFlight(rejected === undefined ? { force: true } : { rejected });

  return {
    async get() {
      if (unsaved) return unsaved;
      if (!cached) cached = await opts.repo.load();
      if (!cached) throw new ChannelError('api', 'zalo_no_token', 'no Zalo OA token stored; authorise the OA first', false);
      if (!fresh(cached)) return singleFlight({ stale: true });
      return cached;
    },
    async save(pair) {
      await opts.repo.withLock((locked) => locked.saveRotated(pair));
      cached = pair;
    },
    refresh,
  };
}
