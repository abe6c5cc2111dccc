import { defineConfig } from 'vitest/config';

/**
 * Four tiers, one command (`npm test` runs them all):
 * - unit: pure code and adapters against fake servers, no database (`npm run test:unit`, seconds);
 * - db: integration on a migrated database (PGlite, or TEST_DATABASE_URL), handler harness tests included;
 * - e2e: through HTTP, a real server process and Chromium;
 * - fault: kills, cut database connections and two instances (test/e2e/fault-*, two-instances), run after the
 *   others and one file at a time, so their timing is the machine's and not the rest of the suite's.
 */
const FAULT = ['test/e2e/fault-*.test.ts', 'test/e2e/two-instances.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'] } },
      { extends: true, test: { name: 'db', include: ['test/integration/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], exclude: [...FAULT, 'node_modules/**'] },
      },
      {
        extends: true,
        test: { name: 'fault', include: FAULT, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
