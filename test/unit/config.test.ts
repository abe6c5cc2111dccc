import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(ConfigError);
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(name);
  });
});
