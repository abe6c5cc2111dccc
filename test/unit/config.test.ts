import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, startupSummary } from '../../src/config.js';

describe('config', () => {
  it('has working defaults: embedded database, port 3000, channels off', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DATA_DIR).toBe('./.data');
    expect(c.TELEGRAM_BOT_TOKEN).toBeUndefined();
    expect(c.ADMIN_API_KEY).toBeUndefined();
  });
  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', TELEGRAM_BOT_TOKEN: ' ' }).DATABASE_URL).toBeUndefined();
  });
  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ TELEGRAM_WEBHOOK_SECRET: 'has space' }, 'TELEGRAM_WEBHOOK_SECRET'],
    [{ COMMUNE_SLUG: 'Xã Mẫu' }, 'COMMUNE_SLUG'],
    [{ ZALO_OA_REFRESH_TOKEN: 'r' }, 'ZALO_APP_ID'],
    [{ ZALOBOT_TOKEN: '1459232241454765289:t' }, 'ZALOBOT_WEBHOOK_SECRET'],
    [{ ZALOBOT_TOKEN: '1459232241454765289:t', ZALOBOT_WEBHOOK_SECRET: 'short' }, 'ZALOBOT_WEBHOOK_SECRET'],
    [{ ZALOBOT_TOKEN: '1459232241454765289:t', ZALOBOT_WEBHOOK_SECRET: 'has a space in it' }, 'ZALOBOT_WEBHOOK_SECRET'],
    [{ ZALOBOT_TOKEN: '1459232241454765289:t', ZALOBOT_WEBHOOK_SECRET: 'x'.repeat(257) }, 'ZALOBOT_WEBHOOK_SECRET'],
    [{ ZALOBOT_API_BASE: 'not a url' }, 'ZALOBOT_API_BASE'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(name);
  });

  it('paces broadcasts by BROADCAST_PER_SECOND, still reading its deprecated Telegram name when it is unset', () => {
    expect(loadConfig({}).BROADCAST_PER_SECOND).toBe(28);
    expect(loadConfig({ BROADCAST_PER_SECOND: '12' }).BROADCAST_PER_SECOND).toBe(12);
    expect(loadConfig({ TELEGRAM_BROADCAST_PER_SECOND: '15' }).BROADCAST_PER_SECOND).toBe(15);
    expect(loadConfig({ BROADCAST_PER_SECOND: '12', TELEGRAM_BROADCAST_PER_SECOND: '15' }).BROADCAST_PER_SECOND).toBe(12);
    expect(() => loadConfig({ BROADCAST_PER_SECOND: '0' })).toThrow('BROADCAST_PER_SECOND');
    expect(() => loadConfig({ TELEGRAM_BROADCAST_PER_SECOND: 'fast' })).toThrow('TELEGRAM_BROADCAST_PER_SECOND');
    expect(startupSummary(loadConfig({ TELEGRAM_BROADCAST_PER_SECOND: '15' })).warnings).toEqual([
      expect.stringContaining('rename it BROADCAST_PER_SECOND'),
    ]);
    expect(startupSummary(loadConfig({ BROADCAST_PER_SECOND: '12' })).warnings).toEqual([]);
  });

  it('leaves the Zalo Bot Platform off without a token and defaults its API base', () => {
    const c = loadConfig({});
    expect(c.ZALOBOT_TOKEN).toBeUndefined();
    expect(c.ZALOBOT_API_BASE).toBe('https://bot-api.zaloplatforms.com');
  });
  it('accepts a Zalo Bot Platform secret of 8 to 256 characters', () => {
    for (const secret of ['abcd-123', 'x'.repeat(256), 'mykey-abcxyz']) {
      const c = loadConfig({ ZALOBOT_TOKEN: '1459232241454765289:t', ZALOBOT_WEBHOOK_SECRET: secret });
      expect(c.ZALOBOT_WEBHOOK_SECRET).toBe(secret);
    }
  });

  it('keeps civil-record request data 90 days by default, at least one day', () => {
    expect(loadConfig({}).CIVIL_RECORD_RETENTION_DAYS).toBe(90);
    expect(loadConfig({ CIVIL_RECORD_RETENTION_DAYS: '30' }).CIVIL_RECORD_RETENTION_DAYS).toBe(30);
    expect(() => loadConfig({ CIVIL_RECORD_RETENTION_DAYS: '0' })).toThrow('CIVIL_RECORD_RETENTION_DAYS');
    expect(() => loadConfig({ CIVIL_RECORD_RETENTION_DAYS: 'ninety' })).toThrow('CIVIL_RECORD_RETENTION_DAYS');
  });

  it('trusts only the loopback proxy by default and takes a hop count or subnets, never "true"', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe('loopback');
    expect(loadConfig({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 172.16.0.0/12' }).TRUST_PROXY).toBe('loopback, 172.16.0.0/12');
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow('TRUST_PROXY');
    expect(() => loadConfig({ TRUST_PROXY: 'not-an-address' })).toThrow('TRUST_PROXY');
  });
});
