import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120000,
    hookTimeout: 300000,
    // A page's answer on a loaded machine can take seconds: expect.poll waits up to 15 s (vitest's
    // default, 1 s, failed a modal's save twice while other work ran beside the suite).
    expect: { poll: { timeout: 15000 } },
  },
});
