import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Load test/fixtures/<platform>/<name>.json as parsed JSON (ids stay as the platform wrote them). */
export function fixture(platform: 'telegram' | 'zalo', name: string): any {
  return JSON.parse(readFileSync(fixturePath(platform, name), 'utf8'));
}

/** The exact bytes of a fixture, for signature tests. */
export function fixtureBytes(platform: 'telegram' | 'zalo', name: string): Buffer {
  return readFileSync(fixturePath(platform, name));
}

export function fixtureNames(platform: 'telegram' | 'zalo'): string[] {
  return readdirSync(fileURLToPath(new URL(`../fixtures/${platform}/`, import.meta.url)))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
}

function fixturePath(platform: string, name: string): string {
  return fileURLToPath(new URL(`../fixtures/${platform}/${name}.json`, import.meta.url));
}
