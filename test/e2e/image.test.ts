import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The Docker image, verified without a Docker daemon (none runs on the development machines): the
 * Dockerfile's stages are reproduced by hand in a temporary folder, following its own WORKDIR, ENV, COPY
 * and RUN instructions, and every command the documentation tells an IT officer to run inside the image
 * is run there against the embedded database.
 *
 * It installs and builds the whole project (a minute or more), so `npm test` skips it; `.ci/run` runs it
 * once, on the Node of the image: `IMAGE_TEST=1 <node 24> node_modules/vitest/vitest.mjs run test/e2e/image.test.ts`.
 */
const RUN = process.env.IMAGE_TEST === '1';
const exec = promisify(execFile);
const root = resolve('.');
const work = mkdtempSync(join(tmpdir(), 'tro-ly-xa-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages and instructions (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  for (const line of logical) {
    const [, op, args] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    if (!op) throw new Error(`unreadable Dockerfile line: ${line}`);
    if (op.toUpperCase() === 'FROM') {
      const [from, , name] = args.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else stages.at(-1)!.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** Every `npm run …` or `node …` command the README and the deployment guide run inside the image. */
function documentedImageCommands(): Set<string> {
  const commands = new Set<string>();
  for (const file of ['README.md', 'docs/huong-dan-trien-khai.md']) {
    if (!existsSync(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/docker compose run --rm (?:-T )?bot (npm run [\w:]+|node [\w/.-]+)/g))
      commands.add(m[1]);
  }
  return commands;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => done(port));
    });
  });
}

const stages = parseDockerfile(readFileSync('Dockerfile', 'utf8'));
const stageDirs = new Map<string, string>();
/** The image's filesystem root for the app (its WORKDIR) and the environment its ENV lines give. */
let app = '';
const imageEnv: Record<string, string> = {};
const dataDir = join(work, 'volume-data');
/** Node of this test first on PATH: npm and tsx's `#!/usr/bin/env node` run on it, as in the image. */
const PATH = `${dirname(process.execPath)}:${process.env.PATH}`;
const tested = new Set<string>();
/**
 * What a RUN step sees: this machine's environment (its registry settings and CA certificates, which a
 * Docker build would bring its own way), without a database to reach, and with npm's global settings of
 * the machine's npm, which npm would otherwise look for beside the Node binary first on PATH.
 */
function buildEnv(stageEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...stageEnv, PATH, npm_config_prefer_offline: 'true' };
  delete env.DATABASE_URL;
  delete env.TEST_DATABASE_URL;
  delete env.NODE_ENV;
  env.npm_config_globalconfig ??= execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8' }).trim();
  return env;
}

function baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH, HOME: process.env.HOME, ...imageEnv, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...extra };
}

/** A documented command, run in the image's WORKDIR as `docker compose run --rm bot <command>` would. */
async function inImage(command: string, args: string[] = [], input?: string) {
  tested.add(command);
  const [bin, ...rest] = command.split(' ');
  const argv = bin === 'npm' && args.length ? [...rest, '--', ...args] : [...rest, ...args];
  const child = exec(bin, argv, {
    cwd: app,
    env: baseEnv(),
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stdin?.end(input ?? '');
  try {
    const { stdout, stderr } = await child;
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

describe.runIf(RUN)('the Docker image, built by hand', () => {
  beforeAll(async () => {
    const ignored = readFileSync('.dockerignore', 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    for (const [index, stage] of stages.entries()) {
      const dir = join(work, `stage-${index}`);
      mkdirSync(dir, { recursive: true });
      let workdir = '/';
      /** An absolute path of the image inside this stage's folder (the WORKDIR is the folder itself). */
      const inStage = (base: string, p: string) => (p.startsWith('/') ? join(base, p.slice(workdir.length)) : join(base, p));
      const env: Record<string, string> = {};
      for (const { op, args } of stage.instructions) {
        if (op === 'WORKDIR') workdir = args;
        else if (op === 'ENV') for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k] = v;
        else if (op === 'COPY') {
          const parts = args.split(/\s+/);
          const from = parts[0].startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
          const dest = parts.pop()!;
          for (const src of parts) {
            const source = from ? inStage(stageDirs.get(from)!, src) : join(root, src);
            if (!from) expect(ignored, `${src} is copied but .dockerignore leaves it out`).not.toContain(src);
            const target = dest.endsWith('/') ? join(inStage(dir, dest), src.split('/').pop()!) : inStage(dir, dest);
            cpSync(source, target, { recursive: true, verbatimSymlinks: true });
          }
        } else if (op === 'RUN') {
          if (/^mkdir -p \/data && chown/.test(args)) continue; // the volume's mount point: DATA_DIR below stands in for it
          await exec('sh', ['-c', args], { cwd: dir, env: buildEnv(env), maxBuffer: 64 * 1024 * 1024 });
        }
      }
      if (stage.name) stageDirs.set(stage.name, dir);
      app = dir;
      Object.assign(imageEnv, env);
    }
    mkdirSync(dataDir, { recursive: true });
  }, 900_000);

  it('runs on Node 24 LTS, and this reproduction on the same major version', () => {
    for (const stage of stages) expect(stage.from).toMatch(/^node:24-/);
    const final = stages.at(-1)!.instructions;
    expect(final.find((i) => i.op === 'CMD')?.args).toBe('["node", "dist/main.js"]');
    // Every RUN of the runtime stage is reproduced here or knowingly stood in for.
    expect(final.filter((i) => i.op === 'RUN').map((i) => i.args)).toEqual(['mkdir -p /data && chown -R node:node /data']);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('holds what the server and the documented commands need, and no development files or secrets', () => {
    for (const path of [
      'dist/main.js',
      'dist/cli/migrate.js',
      'src/cli/migrate.ts',
      'node_modules/tsx',
      'drizzle',
      'data/catalog/procedures.json.gz',
      'package.json',
    ])
      expect(existsSync(join(app, path)), path).toBe(true);
    for (const path of [
      'node_modules/vitest',
      'node_modules/typescript',
      'node_modules/drizzle-kit',
      'test',
      'bench',
      '.env',
      '.git',
    ])
      expect(existsSync(join(app, path)), path).toBe(false);
  });

  it('applies migrations: docker compose run --rm bot npm run db:migrate (and node dist/cli/migrate.js)', async () => {
    const npm = await inImage('npm run db:migrate');
    expect(npm.code, npm.out).toBe(0);
    expect(npm.out).toContain('Migrations applied (pglite)');
    const node = await inImage('node dist/cli/migrate.js');
    expect(node.code, node.out).toBe(0);
    expect(node.out).toContain('Migrations applied (pglite)');
  }, 300_000);

  it('creates the first staff account: npm run staff:create', async () => {
    const r = await inImage('npm run staff:create', ['--username', 'quan.tri', '--role', 'admin'], 'Mat-khau-quan-tri-1\n');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Staff account "quan.tri" \(admin\) created/);
  }, 300_000);

  it('answers from the command line: npm run ask', async () => {
    const r = await inImage('npm run ask', ['xin giấy độc thân']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('xác nhận tình trạng hôn nhân');
  }, 300_000);

  it('imports a catalog folder and a dossier file (dry run): npm run catalog:import, npm run dossiers:import', async () => {
    const catalog = await inImage('npm run catalog:import', ['--date', '2000-01-01', join(root, 'test/fixtures/catalog')]);
    expect(catalog.code, catalog.out).toBe(0);
    expect(catalog.out).toMatch(/added \d+, changed \d+, unchanged \d+/);
    const file = join(work, 'dossiers.json');
    writeFileSync(
      file,
      JSON.stringify([{ code: '000.33.12.H56-261201-0001', procedureName: 'Đăng ký khai sinh', status: 'received' }]),
    );
    const dossiers = await inImage('npm run dossiers:import', [file, '--dry-run']);
    expect(dossiers.out).toContain('Dry run:');
  }, 300_000);

  it('serves with its CMD (node dist/main.js): ready, the web chat answers, and SIGTERM stops it cleanly', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn('node', ['dist/main.js'], {
      cwd: app,
      env: baseEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      for (;;) {
        if (child.exitCode !== null) throw new Error(`server exited:\n${out}`);
        const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const issued = await fetch(`http://127.0.0.1:${port}/api/v1/chat/session`, { method: 'POST' });
      const { sessionId } = (await issued.json()) as { sessionId: string };
      const r = await fetch(`http://127.0.0.1:${port}/api/v1/chat`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sessionId, text: 'gặp cán bộ' }),
      });
      expect(r.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('"engine":"pglite"');
  }, 300_000);

  it('covers every command the documentation runs inside the image', () => {
    const documented = documentedImageCommands();
    expect(documented.size).toBeGreaterThan(0);
    for (const command of documented) expect(tested, command).toContain(command);
  });
});
