import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import express from 'express';
import { z } from 'zod';

/** Whether Express accepts this "trust proxy" value (it compiles it with proxy-addr, which throws). */
function validTrustProxy(value: string | number): boolean {
  try {
    express().set('trust proxy', value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The only reader of process.env. Every variable is documented in
 * .env.example; bad values fail fast with a message naming the variable.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== '' ? v.trim() : undefined));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Public base URL (https://…) used for webhooks, QR posters and links. */
  PUBLIC_URL: optionalString.pipe(z.string().url().optional()),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  DATA_DIR: z.string().default('./.data'),
  /** Where residents' report photos are stored (default: `<DATA_DIR>/report-photos`); staff-only, never served publicly. */
  REPORT_PHOTOS_DIR: optionalString,
  /**
   * Days a closed report keeps its photos (files and references), counted from the report's last change once it is
   * done, not the commune's, or merged. Default 365: see the README's note on Law 91/2025/QH15.
   */
  REPORT_PHOTO_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /**
   * Days a closed civil-record copy request keeps its personal data (identity number, phone, address, evidence
   * attachments) after it was delivered, handed over, rejected or cancelled. Default 90 (issue 16).
   */
  CIVIL_RECORD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Days residents' message text and the bot's replies are kept (src/features/privacy/policy.ts says why). */
  RETENTION_MESSAGE_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Days a conversation's half-filled form is kept without a message. */
  RETENTION_STATE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days a closed question for staff or report keeps its text, address and location. */
  RETENTION_CASE_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  /** Days dossier verification attempts are kept (they feed the guessing limits only). */
  RETENTION_ATTEMPT_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Largest report photo accepted, downloaded from a platform or uploaded in the web chat, in bytes (default 10 MB). */
  REPORT_PHOTO_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(10_000)
    .max(20 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  /** How often the server looks for report photos waiting to be downloaded from their platform (ms). */
  REPORT_PHOTO_POLL_MS: z.coerce.number().int().min(20).max(600_000).default(10_000),
  /** Web chat photo uploads one chat session may make per hour (a report keeps at most 5). */
  WEB_CHAT_PHOTOS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Web chat photo uploads per hour from one IP address, all sessions together. */
  WEB_CHAT_PHOTOS_PER_HOUR_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(60),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** statement_timeout of the server's PostgreSQL sessions in ms (0: the server's own setting). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Named prepared statements on PostgreSQL; false behind PgBouncer in transaction mode before 1.21. */
  DATABASE_PREPARE: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_API_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  INTEGRATION_API_KEY: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** Key for hashing verification data (phone digits). Without it a per-installation key is generated and stored. */
  DATA_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  /** Key that signs web chat sessions. Without it a per-installation key is generated and stored. */
  WEB_SESSION_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),

  COMMUNE_SLUG: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes only')
    .default('xa-mau'),
  COMMUNE_NAME: z.string().min(1).default('Xã Mẫu'),
  COMMUNE_PROVINCE: z.string().default('Tỉnh Mẫu'),
  COMMUNE_ADDRESS: z.string().default('Trung tâm Phục vụ hành chính công xã, số 1 đường Trung tâm'),
  COMMUNE_PHONE: z.string().default('0200 000 000'),
  COMMUNE_HOURS: z.string().default('Thứ Hai – Thứ Sáu: sáng 7:30–11:30, chiều 13:30–17:00'),
  COMMUNE_AGENCY_CODE: optionalString,

  TELEGRAM_BOT_TOKEN: optionalString,
  TELEGRAM_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'only A-Z a-z 0-9 _ - allowed, up to 256 characters')
      .optional(),
  ),
  TELEGRAM_API_ROOT: z.string().url().default('https://api.telegram.org'),
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook'),
  TELEGRAM_BOT_USERNAME: optionalString,

  ZALO_APP_ID: optionalString,
  ZALO_APP_SECRET: optionalString,
  ZALO_OA_ID: optionalString,
  ZALO_OA_SECRET_KEY: optionalString,
  ZALO_OA_ACCESS_TOKEN: optionalString,
  ZALO_OA_REFRESH_TOKEN: optionalString,
  ZALO_API_BASE: z.string().url().default('https://openapi.zalo.me'),
  ZALO_OAUTH_BASE: z.string().url().default('https://oauth.zaloapp.com'),

  /** Zalo Bot Platform bot token (`{bot_id}:{access_token}`); the channel is off without it. */
  ZALOBOT_TOKEN: optionalString,
  /** setWebhook `secret_token`, sent back in X-Bot-Api-Secret-Token: 8–256 characters. */
  ZALOBOT_WEBHOOK_SECRET: optionalString.pipe(
    z
      .string()
      .regex(/^[\x21-\x7e]{8,256}$/, '8–256 characters, printable ASCII without spaces (it travels in an HTTP header)')
      .optional(),
  ),
  ZALOBOT_API_BASE: z.string().url().default('https://bot-api.zaloplatforms.com'),

  DELIVERY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** Parallel platform sends (different chats); most of a send is waiting on the network. */
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /**
   * Notice broadcasts a second to one bot, on the channels whose capabilities pace them (`pacedBroadcasts`:
   * Telegram allows a bot about 30 messages a second; the rest is room for replies). Default 28. When unset,
   * the deprecated TELEGRAM_BROADCAST_PER_SECOND is read instead, so .env files written before the rename keep working.
   */
  BROADCAST_PER_SECOND: z.coerce.number().min(1).max(10_000).optional(),
  /** Deprecated: the old name of BROADCAST_PER_SECOND, read only when that is unset. */
  TELEGRAM_BROADCAST_PER_SECOND: z.coerce.number().min(1).max(10_000).optional(),
  /** Give up on one platform API call after this long (it is retried later). */
  PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(8_000),
  /**
   * Which proxies in front of the bot may name the client's address (X-Forwarded-For), in Express's
   * "trust proxy" syntax: loopback (default), a hop count, or addresses/subnets separated by commas.
   * Behind a TLS proxy in another container or host, name it, or every resident shares its address.
   */
  TRUST_PROXY: z
    .string()
    .default('loopback')
    .transform((v): string | number => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim()))
    .refine((v) => v !== 'true', 'do not trust every proxy ("true"): give a hop count or the proxy\'s address or subnet')
    .refine(validTrustProxy, 'a hop count, loopback/linklocal/uniquelocal, or IP addresses/subnets separated by commas'),
  /** Web chat messages one chat session may send per minute (a person types far fewer). */
  WEB_CHAT_MESSAGES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Web chat messages per minute from one IP address, all sessions (mobile carriers put many people behind one). */
  WEB_CHAT_MESSAGES_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(300),
  /** New web chat sessions one IP address may obtain per hour (a browser keeps its session; a script invents them). */
  WEB_CHAT_SESSIONS_PER_HOUR_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /**
   * Web chat messages per hour from one IP address that could carry a dossier verification (four digits in a
   * row: a receipt code, a phone number, the last four digits), all sessions together.
   */
  WEB_CHAT_VERIFICATIONS_PER_HOUR_PER_IP: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** A console session ends after this many minutes without a request… */
  STAFF_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(120),
  /** …and this many hours after sign-in, whatever happens. */
  STAFF_SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(12),
  /** Failed console sign-ins one address may make per 15 minutes. */
  STAFF_LOGIN_ATTEMPTS_PER_15_MIN: z.coerce.number().int().min(1).max(10_000).default(20),
  /**
   * Bearer token for GET /metrics (Prometheus). Unset: /metrics is not served (404). At least 16
   * characters; Prometheus sends it with `authorization: { credentials: … }` in its scrape config.
   */
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  SEED_CATALOG: z
    .enum(['true', 'false', '1', '0'])
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
});

/** The parsed configuration; BROADCAST_PER_SECOND resolved (its deprecated name, then the default). */
export type Config = Omit<z.infer<typeof schema>, 'BROADCAST_PER_SECOND'> & { BROADCAST_PER_SECOND: number };

const DEFAULT_BROADCAST_PER_SECOND = 28;

/** Every variable the schema reads (.env.example must list each one). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export class ConfigError extends Error {}

/** The environment the application runs with, and the `.env` file it came from in part. */
export interface Environment {
  env: NodeJS.ProcessEnv;
  /** Absolute path of the `.env` file that was read, if there was one. */
  envFile?: string;
}

/**
 * The real environment over the `.env` file of the working directory (or the
 * file `ENV_FILE` names), when there is one: a variable set in the real
 * environment wins, even when it is empty, so `PORT=4000 npm start` and
 * docker compose's `environment:` override the file. Parsed with Node's own
 * `util.parseEnv` (the `node --env-file` parser: comments, `export`, single and
 * double quotes) into a new object: `process.env` itself is never changed, so
 * what a child process inherits stays the real environment.
 */
export function loadEnvironment(real: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Environment {
  const named = real.ENV_FILE?.trim();
  const path = resolve(cwd, named || '.env');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    // No .env is the ordinary case; a file named by ENV_FILE must exist.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !named) return { env: real };
    throw new ConfigError(`Invalid configuration:\n  - ENV_FILE: cannot read ${path} (${(error as Error).message})`);
  }
  return { env: { ...parseEnv(text), ...real }, envFile: path };
}

/**
 * Parse and validate configuration; throws ConfigError listing every bad
 * variable. Without an argument: the real environment over `.env`
 * ({@link loadEnvironment}); tests pass their own object.
 */
export function loadConfig(env: NodeJS.ProcessEnv = loadEnvironment().env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const cfg: Config = {
    ...parsed.data,
    BROADCAST_PER_SECOND:
      parsed.data.BROADCAST_PER_SECOND ?? parsed.data.TELEGRAM_BROADCAST_PER_SECOND ?? DEFAULT_BROADCAST_PER_SECOND,
  };
  if (cfg.TELEGRAM_BOT_TOKEN && cfg.TELEGRAM_MODE === 'webhook' && cfg.PUBLIC_URL && !cfg.TELEGRAM_WEBHOOK_SECRET) {
    throw new ConfigError(
      'Invalid configuration:\n  - TELEGRAM_WEBHOOK_SECRET: required when the Telegram webhook is used (PUBLIC_URL set)',
    );
  }
  if (cfg.ZALOBOT_TOKEN && !cfg.ZALOBOT_WEBHOOK_SECRET) {
    // The bot receives through its webhook only, and Zalo's setWebhook requires the secret.
    throw new ConfigError(
      'Invalid configuration:\n  - ZALOBOT_WEBHOOK_SECRET: required when ZALOBOT_TOKEN is set (8–256 characters)',
    );
  }
  if (cfg.ZALO_OA_ACCESS_TOKEN || cfg.ZALO_OA_REFRESH_TOKEN) {
    const missing = (['ZALO_APP_ID', 'ZALO_APP_SECRET', 'ZALO_OA_SECRET_KEY'] as const).filter((k) => !cfg[k]);
    if (missing.length) {
      throw new ConfigError(
        `Invalid configuration:\n${missing.map((k) => `  - ${k}: required when Zalo OA tokens are set`).join('\n')}`,
      );
    }
  }
  return cfg;
}

/** The channels whose accounts this configuration sets up (the web chat is always on). */
function configuredChannels(cfg: Config): string[] {
  const channels = ['web'];
  if (cfg.TELEGRAM_BOT_TOKEN) channels.push(`telegram (${cfg.TELEGRAM_MODE})`);
  if (cfg.ZALO_APP_ID && cfg.ZALO_APP_SECRET) channels.push('zalo');
  if (cfg.ZALOBOT_TOKEN) channels.push('zalobot');
  return channels;
}

/** Where the database is, without the password or anything else from the URL's user part or query. */
function describeDatabase(cfg: Config): Record<string, string | number | undefined> {
  if (!cfg.DATABASE_URL) return { engine: 'pglite', dataDir: resolve(cfg.DATA_DIR) };
  try {
    const url = new URL(cfg.DATABASE_URL);
    // libpq's ?host=/var/run/postgresql names a Unix socket directory: a path, never a secret.
    const socket = url.searchParams.get('host') ?? undefined;
    return {
      engine: 'postgres',
      host: socket ?? (url.hostname || 'localhost'),
      port: socket ? undefined : Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    };
  } catch {
    return { engine: 'postgres' };
  }
}

/** What the start-up log line says about the configuration, and what it should warn about. */
export interface StartupSummary {
  database: Record<string, string | number | undefined>;
  channels: string[];
  publicUrl: string | undefined;
  envFile: string | undefined;
  metrics: 'off' | 'token';
  warnings: string[];
}

/**
 * The configuration as the start-up log shows it: the database engine and
 * where it is (never the password), the channels set up, the public URL and
 * the `.env` file read. Only names and addresses the operator chose, no token,
 * secret or key, and no personal data.
 */
export function startupSummary(cfg: Config, envFile?: string): StartupSummary {
  const warnings: string[] = [];
  const webhookChannels = [
    cfg.TELEGRAM_BOT_TOKEN && cfg.TELEGRAM_MODE === 'webhook' ? 'Telegram' : undefined,
    cfg.ZALO_APP_ID && cfg.ZALO_APP_SECRET ? 'Zalo OA' : undefined,
    cfg.ZALOBOT_TOKEN ? 'Zalo Bot Platform' : undefined,
  ].filter(Boolean);
  if (!cfg.PUBLIC_URL && webhookChannels.length > 0) {
    warnings.push(
      `PUBLIC_URL is not set: ${webhookChannels.join(', ')} cannot reach this server (webhooks need an https public URL)`,
    );
  } else if (!cfg.PUBLIC_URL && cfg.NODE_ENV === 'production') {
    warnings.push('PUBLIC_URL is not set: QR posters and links point to http://localhost');
  } else if (cfg.PUBLIC_URL && !cfg.PUBLIC_URL.startsWith('https://') && webhookChannels.length > 0) {
    warnings.push('PUBLIC_URL is not https: Telegram and Zalo only call https webhooks');
  }
  if (cfg.TELEGRAM_BROADCAST_PER_SECOND !== undefined) {
    warnings.push(
      'TELEGRAM_BROADCAST_PER_SECOND is deprecated: rename it BROADCAST_PER_SECOND (it applies to every paced channel)',
    );
  }
  return {
    database: describeDatabase(cfg),
    channels: configuredChannels(cfg),
    publicUrl: cfg.PUBLIC_URL,
    envFile,
    metrics: cfg.METRICS_TOKEN ? 'token' : 'off',
    warnings,
  };
}
