import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `npm start` as an IT officer runs it: in a folder holding a .env, with a few variables set in the shell. */
const root = resolve('.');
const cwd = mkdtempSync(join(tmpdir(), 'tro-ly-xa-dotenv-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

async function ready(url: string, child: ChildProcess, output: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SECRETS = {
  ADMIN_API_KEY: 'admin-key-SECRET-0123456789',
  DATA_SECRET: 'data-secret-SECRET-0123456789abcdef0123',
  TELEGRAM_BOT_TOKEN: '123456:telegram-SECRET-token',
  TELEGRAM_WEBHOOK_SECRET: 'hook_SECRET_value',
  METRICS_TOKEN: 'metrics-SECRET-0123456789',
};

describe('npm start with a .env file', () => {
  it('reads .env, lets the real environment win, and logs where it runs without any secret', async () => {
    const port = await freePort();
    const lines = [
      `PORT=${port}`,
      'HOST=127.0.0.1',
      `DATA_DIR='${join(cwd, 'data')}'`,
      'SEED_CATALOG=false',
      "COMMUNE_NAME='Xã Tự Tệp'",
      'COMMUNE_SLUG=xa-tu-tep',
      // The shell says info: if .env won, the start-up line would not be printed.
      'LOG_LEVEL=error',
      ...Object.entries(SECRETS).map(([k, v]) => `${k}='${v}'`),
    ];
    writeFileSync(join(cwd, '.env'), `# written by the test\n${lines.join('\n')}\n`);
    const child = spawn(
      process.execPath,
      ['--import', join(root, 'node_modules/tsx/dist/loader.mjs'), join(root, 'src/main.ts')],
      {
        cwd,
        env: { PATH: process.env.PATH, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      await ready(`http://127.0.0.1:${port}/readyz`, child, () => out);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    const records = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, any>);
    const started = records.find((r) => String(r.msg).includes('is listening'));
    expect(started, out).toBeDefined();
    expect(started).toMatchObject({
      port,
      commune: 'xa-tu-tep',
      database: { engine: 'pglite', dataDir: join(cwd, 'data') },
      channels: ['web', 'telegram (webhook)'],
      envFile: join(cwd, '.env'),
      metrics: 'token',
    });
    const warning = records.find((r) => String(r.msg).startsWith('PUBLIC_URL is not set'));
    expect(warning?.level).toBe('warn');
    for (const secret of Object.values(SECRETS)) expect(out).not.toContain(secret);
    expect(out).not.toContain('SECRET');
  }, 120_000);
});
