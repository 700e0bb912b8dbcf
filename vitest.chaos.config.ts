import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report to add the chaos counts to its "N passed, N failed" line.
const jsonReport = process.env.TRADECACHE_CHAOS_REPORT;

/**
 * `npm run test:chaos`: fault scenarios (Redis killed, paused, restarted; the exchange cut and
 * misbehaving; reconnect storms) against real processes. Not part of `npm test`: they take
 * minutes and load the machine. Each writes its figures to RELIABILITY.md.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.test.ts'],
    globalSetup: ['test/helpers/build-dist.ts', 'test/chaos/support/reliability-report.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One scenario at a time: each loads both cores, and their figures must not disturb each other.
    maxWorkers: 1,
    fileParallelism: false,
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
