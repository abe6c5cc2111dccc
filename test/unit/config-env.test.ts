import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig, loadEnvironment, startupSummary } from '../../src/config.js';

const dir = mkdtempSync(join(tmpdir(), 'config-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folderWith(envText: string | undefined): string {
  const folder = mkdtempSync(join(dir, 'cwd-'));
  if (envText !== undefined) writeFileSync(join(folder, '.env'), envText);
  return folder;
}

describe('.env', () => {
  it('is read from the working directory when present, quoted values and comments included', () => {
    const cwd = folderWith("# the commune\nCOMMUNE_NAME='Xã Hòa Bình'\nPORT=4123\nexport LOG_LEVEL=warn\n");
    const { env, envFile } = loadEnvironment({}, cwd);
    expect(envFile).toBe(join(cwd, '.env'));
    const config = loadConfig(env);
    expect(config.COMMUNE_NAME).toBe('Xã Hòa Bình');
    expect(config.PORT).toBe(4123);
    expect(config.LOG_LEVEL).toBe('warn');
  });

  it('loses to the real environment, even to an empty variable', () => {
    const cwd = folderWith('PORT=4123\nPUBLIC_URL=https://from-file.example\nCOMMUNE_SLUG=tu-tep\n');
    const { env } = loadEnvironment({ PORT: '5000', PUBLIC_URL: '' }, cwd);
    const config = loadConfig(env);
    expect(config.PORT).toBe(5000);
    expect(config.PUBLIC_URL).toBeUndefined();
    expect(config.COMMUNE_SLUG).toBe('tu-tep');
  });

  it('never changes process.env', () => {
    const cwd = folderWith('TRO_LY_XA_ONLY_IN_FILE=1\n');
    loadEnvironment(process.env, cwd);
    expect(process.env.TRO_LY_XA_ONLY_IN_FILE).toBeUndefined();
  });

  it('is optional, but a file named by ENV_FILE must exist', () => {
    expect(loadEnvironment({ PORT: '1' }, folderWith(undefined))).toEqual({ env: { PORT: '1' } });
    expect(() => loadEnvironment({ ENV_FILE: 'missing.env' }, folderWith(undefined))).toThrow(ConfigError);
    const cwd = folderWith(undefined);
    writeFileSync(join(cwd, 'prod.env'), 'PORT=4444\n');
    expect(loadConfig(loadEnvironment({ ENV_FILE: 'prod.env' }, cwd).env).PORT).toBe(4444);
  });
});

describe('.env.example', () => {
  const text = readFileSync('.env.example', 'utf8');

  it('lists every setting config.ts reads, and the database password docker compose needs', () => {
    const listed = new Set([...text.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const name of [...CONFIG_VARIABLES, 'POSTGRES_PASSWORD', 'ENV_FILE']) expect(listed, name).toContain(name);
  });

  it('is a valid configuration as it stands', () => {
    expect(() => loadConfig(parseEnv(text))).not.toThrow();
  });

  it('reads the same in a POSIX shell as in Node (and so in docker compose): values with spaces are single-quoted', () => {
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      // KEY=, KEY=plain-word or KEY='anything but a single quote': what compose, sh and Node agree on.
      expect(line).toMatch(/^[A-Z][A-Z0-9_]*=(?:[A-Za-z0-9_.:/@-]*|'[^']*')$/);
    }
    const shell = execFileSync(
      'sh',
      ['-c', 'set -a; . ./.env.example; set +a; node -e "process.stdout.write(JSON.stringify(process.env))"'],
      {
        env: { PATH: process.env.PATH },
        encoding: 'utf8',
      },
    );
    const fromShell = JSON.parse(shell) as Record<string, string>;
    const fromNode = parseEnv(text);
    expect(Object.keys(fromNode).length).toBeGreaterThan(40);
    for (const [key, value] of Object.entries(fromNode)) expect(fromShell[key], key).toBe(value);
    expect(fromNode.COMMUNE_HOURS).toBe('Thứ Hai – Thứ Sáu: sáng 7:30–11:30, chiều 13:30–17:00');
  });
});

describe('the start-up summary', () => {
  const secrets = {
    TELEGRAM_BOT_TOKEN: '123456:telegram-token-SECRET-1',
    TELEGRAM_WEBHOOK_SECRET: 'tg_webhook_SECRET_2',
    ZALO_APP_ID: 'zalo-app-1',
    ZALO_APP_SECRET: 'zalo-app-SECRET-3',
    ZALO_OA_SECRET_KEY: 'zalo-oa-SECRET-4',
    ZALO_OA_ACCESS_TOKEN: 'zalo-access-SECRET-5',
    ZALO_OA_REFRESH_TOKEN: 'zalo-refresh-SECRET-6',
    ZALOBOT_TOKEN: '1459232241454765289:zalobot-SECRET-7',
    ZALOBOT_WEBHOOK_SECRET: 'zalobot-hook-SECRET-8',
    ADMIN_API_KEY: 'admin-key-SECRET-9-0123456789',
    INTEGRATION_API_KEY: 'integration-SECRET-10-0123456789',
    DATA_SECRET: 'data-secret-SECRET-11-0123456789abcdef',
    METRICS_TOKEN: 'metrics-token-SECRET-12',
  };

  it('names the database, channels and public URL, and no secret', () => {
    const config = loadConfig({
      ...secrets,
      DATABASE_URL: 'postgres://troly:db-password-SECRET-13@db.internal:6543/troly_prod?sslmode=require',
      PUBLIC_URL: 'https://troly.xa-mau.gov.vn',
    });
    const summary = startupSummary(config, '/srv/.env');
    expect(summary.database).toEqual({ engine: 'postgres', host: 'db.internal', port: 6543, database: 'troly_prod' });
    expect(summary.channels).toEqual(['web', 'telegram (webhook)', 'zalo', 'zalobot']);
    expect(summary.publicUrl).toBe('https://troly.xa-mau.gov.vn');
    expect(summary.metrics).toBe('token');
    expect(summary.warnings).toEqual([]);
    const line = JSON.stringify(summary);
    expect(line).not.toMatch(/SECRET|password|troly:/);
  });

  it('names the embedded database by its folder and a Unix socket by its directory', () => {
    expect(startupSummary(loadConfig({ DATA_DIR: '/var/lib/troly' })).database).toEqual({
      engine: 'pglite',
      dataDir: '/var/lib/troly',
    });
    expect(
      startupSummary(loadConfig({ DATABASE_URL: 'postgres://troly@localhost/troly?host=/var/run/postgresql' })).database,
    ).toEqual({ engine: 'postgres', host: '/var/run/postgresql', port: undefined, database: 'troly' });
  });

  it('warns when webhook channels have no public URL to be reached at', () => {
    const summary = startupSummary(
      loadConfig({
        TELEGRAM_BOT_TOKEN: secrets.TELEGRAM_BOT_TOKEN,
        ZALOBOT_TOKEN: secrets.ZALOBOT_TOKEN,
        ZALOBOT_WEBHOOK_SECRET: secrets.ZALOBOT_WEBHOOK_SECRET,
      }),
    );
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/PUBLIC_URL is not set: Telegram, Zalo Bot Platform/);
    expect(JSON.stringify(summary)).not.toContain('SECRET');
    // Polling needs no public URL; the web chat alone does not either.
    expect(
      startupSummary(loadConfig({ TELEGRAM_BOT_TOKEN: secrets.TELEGRAM_BOT_TOKEN, TELEGRAM_MODE: 'polling' })).warnings,
    ).toEqual([]);
    expect(startupSummary(loadConfig({})).warnings).toEqual([]);
  });
});
