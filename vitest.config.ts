import { defineConfig } from 'vitest/config';

// One process, one database: PGlite costs seconds and hundreds of MB to open, so every integration
// test file shares the handle opened in test/setup.ts. Tests isolate themselves by creating their
// own areas (see test/factories.ts), never by resetting the database.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    pool: 'forks',
    isolate: false,
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30000,
    hookTimeout: 120000,
    env: { TZ: 'America/New_York' },
  },
});
