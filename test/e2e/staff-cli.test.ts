import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'staff-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `npm run staff:create` as an IT officer runs it, on the embedded database (the server stopped). */
async function staffCreate(args: string[], input?: string) {
  const child = run(process.execPath, ['--import', 'tsx', 'src/cli/staff-create.ts', ...args], {
    env: { ...process.env, DATA_DIR: join(dir, 'data'), SEED_CATALOG: 'false', DATABASE_URL: '', LOG_LEVEL: 'silent' },
    timeout: 60_000,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  } else child.child.stdin?.end();
  try {
    const { stdout } = await child;
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, out: e.stderr };
  }
}

describe('npm run staff:create', () => {
  it('creates the first admin with the password from standard input, and refuses a second with the same name', async () => {
    const first = await staffCreate(
      ['--username', 'quan.tri', '--role', 'admin', '--name', 'Quản Trị Thử'],
      'Mat-khau-quan-tri-1\n',
    );
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/Staff account "quan.tri" \(admin\) created/);
    const again = await staffCreate(['--username', 'QUAN.TRI', '--role', 'officer', '--password', 'Mat-khau-khac-123']);
    expect(again.code).toBe(1);
    expect(again.out).toContain('đã có người dùng');
  }, 120_000);

  it('explains what is missing or wrong', async () => {
    expect((await staffCreate(['--username', 'thieu-vai-tro'])).code).toBe(2);
    const weak = await staffCreate(['--username', 'yeu', '--role', 'officer', '--password', 'ngan']);
    expect(weak.code).toBe(1);
    expect(weak.out).toContain('ít nhất 10 ký tự');
    expect(
      (await staffCreate(['--username', 'tinh', '--role', 'officer', '--province', '--password', 'Mat-khau-tinh-123'])).code,
    ).toBe(2);
  }, 120_000);
});
