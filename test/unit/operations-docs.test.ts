import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';

/** The IT officer's documents say what the code does: settings that exist, scripts that exist, the licence package.json names. */
const guide = readFileSync('docs/huong-dan-trien-khai.md', 'utf8');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string; scripts: Record<string, string> };

describe('the deployment guide (docs/huong-dan-trien-khai.md)', () => {
  it('names only settings that .env.example lists and the code or docker compose reads', () => {
    const example = parseEnv(readFileSync('.env.example', 'utf8'));
    const compose = readFileSync('docker-compose.yml', 'utf8');
    const named = new Set(
      [...guide.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)[`=]|^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)=/gm)].map((m) => m[1] ?? m[2]),
    );
    expect(named.size).toBeGreaterThan(10);
    for (const name of named) {
      expect(Object.keys(example), name).toContain(name);
      expect(CONFIG_VARIABLES.includes(name) || compose.includes(name), name).toBe(true);
    }
  });

  it('runs only npm scripts that exist', () => {
    const scripts = new Set([...guide.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]));
    expect(scripts).toContain('staff:create');
    for (const script of scripts) expect(Object.keys(pkg.scripts), script).toContain(script);
  });

  it('covers what an IT officer needs, in Vietnamese', () => {
    for (const heading of [
      'Cần chuẩn bị gì',
      'Docker Compose',
      'HTTPS với Caddy',
      'Kết nối Telegram',
      'Kết nối Zalo OA',
      'Tạo tài khoản cán bộ đầu tiên',
      'Sao lưu và khôi phục',
      'Nâng cấp phiên bản',
      'Xử lý sự cố',
    ])
      expect(guide).toContain(heading);
    for (const command of ['npm install', 'npm start', 'pg_dump', 'pg_restore', 'docker compose --profile tls up -d'])
      expect(guide).toContain(command);
  });
});

describe('LICENSE and CHANGELOG', () => {
  it('ship the MIT licence that package.json names', () => {
    expect(pkg.license).toBe('MIT');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 20\d\d /);
  });

  it('keep a changelog with an Unreleased section and dated versions', () => {
    const changelog = readFileSync('CHANGELOG.md', 'utf8');
    expect(changelog).toContain('https://keepachangelog.com/en/1.1.0/');
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
    expect(changelog).toMatch(/^## \[\d+\.\d+\.\d+\] - \d{4}-\d{2}-\d{2}$/m);
    for (const section of changelog.split(/^## /m).slice(1))
      for (const heading of section.matchAll(/^### (.+)$/gm))
        expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(heading[1]);
  });
});

describe('docker-compose.yml', () => {
  const compose = readFileSync('docker-compose.yml', 'utf8');
  /** One service's block: from its name to the next service or top-level key. */
  const service = (name: string) => compose.split(/^ {2}(?=\w+:$)/m).find((block) => block.startsWith(`${name}:`)) ?? '';

  it('has no default database password: compose refuses to start without POSTGRES_PASSWORD', () => {
    expect(compose).not.toMatch(/POSTGRES_PASSWORD:-/);
    expect(service('db')).toMatch(/POSTGRES_PASSWORD: \$\{POSTGRES_PASSWORD:\?[^}]+\}/);
    expect(service('bot')).toMatch(/DATABASE_URL: postgres:\/\/troly:\$\{POSTGRES_PASSWORD:\?[^}]+\}@db:5432\/troly/);
  });

  it('publishes PORT, checks health and lets the bot drain longer than its 15 s', () => {
    const bot = service('bot');
    expect(bot).toMatch(/- '\$\{PORT:-3000\}:\$\{PORT:-3000\}'/);
    expect(bot).toMatch(/PORT: \$\{PORT:-3000\}/);
    expect(bot).toContain('/readyz');
    expect(bot).toMatch(/condition: service_healthy/);
    expect(service('db')).toContain('pg_isready');
    const grace = /stop_grace_period: (\d+)s/.exec(bot);
    expect(Number(grace?.[1])).toBeGreaterThan(15);
  });

  it('puts Caddy in front only in the tls profile, at the address TRUST_PROXY names', () => {
    const caddy = service('caddy');
    expect(caddy).toMatch(/profiles: \[tls\]/);
    const address = /ipv4_address: ([\d.]+)/.exec(caddy)?.[1];
    expect(address).toBeDefined();
    expect(service('bot')).toContain(`TRUST_PROXY: loopback, ${address}`);
    expect(readFileSync('Caddyfile', 'utf8')).toMatch(/\{\$TLS_DOMAIN\} \{[\s\S]*reverse_proxy bot:\{\$PORT:3000\}/);
  });
});
