import { configDefaults, defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report to print its "N passed, N failed" line.
const jsonReport = process.env.TRADECACHE_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos scenarios run apart: `npm run test:chaos` (vitest.chaos.config.ts); the suites
    // that only make sense on a cluster they build themselves run in `npm run test:cluster`.
    exclude: [
      ...configDefaults.exclude,
      'test/chaos/**',
      'test/integration/cluster-resharding.test.ts',
      'test/integration/dashboard-cluster.test.ts',
    ],
    // The CLI tests run the built bin (dist/): rebuilt first when the sources changed.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each test file starts its own redis-server; two cores cannot run many at once.
    maxWorkers: 2,
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
