import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { withDatabaseName } from '../helpers/db.js';

/** What `npm start` does: the real entry point as a child process, talked to over HTTP. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, output: () => string, ms = 60_000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become ready:\n${output()}`);
}

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const dataDir = mkdtempSync(join(tmpdir(), 'tro-ly-xa-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the server process', () => {
  it('starts on an embedded database, chats, keeps state across a restart, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env: Record<string, string> = { PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '' };
    let cleanup = async () => {};
    if (process.env.TEST_DATABASE_URL) {
      // A throwaway database, so the server runs its migrations from scratch like a fresh install.
      const name = `t_proc_${Date.now().toString(36)}`;
      const admin = postgres(process.env.TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      env.DATABASE_URL = withDatabaseName(process.env.TEST_DATABASE_URL, name);
      cleanup = async () => {
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      };
    }
    const base = `http://127.0.0.1:${port}`;
    let session = '';
    const first = start(env);
    try {
      await waitFor(`${base}/readyz`, first.child, first.output);
      session = ((await (await fetch(`${base}/api/v1/chat/session`, { method: 'POST' })).json()) as any).sessionId;
      const r = await fetch(`${base}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: session, text: 'gặp cán bộ' }),
      });
      expect(r.status).toBe(200);
      expect(((await r.json()) as any).replies[0].text).toMatch(/nhập câu hỏi/);
    } finally {
      expect(await stop(first.child)).toBe(0);
    }
    expect(first.output()).toContain('shutting down');
    // Logs are JSON and carry no resident text.
    expect(first.output()).not.toContain('gặp cán bộ');

    const second = start(env);
    try {
      await waitFor(`${base}/readyz`, second.child, second.output);
      // Still inside the "ask staff" flow: the state and the session (its generated key) survived the restart.
      const r = await fetch(`${base}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId: session, text: 'Xin hỏi lịch họp tổ dân phố' }),
      });
      expect(((await r.json()) as any).replies[0].text).toMatch(/Mã câu hỏi: HD-/);
    } finally {
      expect(await stop(second.child)).toBe(0);
      await cleanup();
    }
  }, 120_000);

  it('answers through the same pipeline from the command line (npm run ask)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ask.ts', 'xin giấy độc thân'], {
      env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'tro-ly-xa-ask-')), DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out).toContain('xác nhận tình trạng hôn nhân');
    expect(out).toContain('--action proc:docs:');
  }, 120_000);

  it('refuses to start with a clear message on bad configuration', async () => {
    const bad = start({ PORT: 'not-a-port', DATA_DIR: dataDir });
    const code = await new Promise<number | null>((resolve) => bad.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(bad.output()).toContain('PORT');
  });
});
