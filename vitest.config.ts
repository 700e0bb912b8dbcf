import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file starts its own redis-server; two cores cannot run many at once.
    maxWorkers: 2,
    globalSetup: [],
  },
});
