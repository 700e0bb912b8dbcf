import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the same integration test files as `npm test`, each given a private
 * 3-master, 3-replica Redis Cluster instead of one redis-server (TRADECACHE_TEST_REDIS=cluster,
 * read by test/helpers/redis.ts). Suites are added here once they pass on a cluster.
 *
 * Not run on a cluster (reason):
 * - probes: pauses (SIGSTOP), stops and restarts the one redis-server process to time /ready;
 * - redis-monitor: CONFIG SET (maxmemory, slowlog) and INFO on one server to drive the Redis
 *   monitor's alerts; on a cluster they would go to each node;
 * - redis-acl: ACL SETUSER on one server (a cluster needs the user on every node);
 * - redis-cluster-app, redis-cluster-client, redis-cluster-failover: start their own cluster
 *   already, in `npm test`;
 * - redis-sentinel, redis-cluster-refused, embedded-redis, compose-redis: about other setups;
 * - the other integration suites start no Redis (history-http, the exchange clients, simulated-*);
 * - the e2e suites other than cli-market-watch: not looked at yet (they spawn the CLI).
 */
export const CLUSTER_SUITES = [
  'test/integration/redis-cluster-harness.test.ts',
  'test/integration/cache-conformance.test.ts',
  'test/integration/cache-coordination.test.ts',
  'test/integration/sessions-cache.test.ts',
  'test/integration/alerts-http.test.ts',
  'test/integration/market-feed.test.ts',
  'test/integration/jobs-cron.test.ts',
  'test/integration/jobs-runs.test.ts',
  'test/integration/jobs-schedulers.test.ts',
  'test/integration/operations-http.test.ts',
  'test/integration/market-http.test.ts',
  'test/integration/feed-alerts-ws.test.ts',
  'test/integration/market-prices.test.ts',
  'test/integration/market-data-cache.test.ts',
  'test/integration/market-write-queue.test.ts',
  'test/integration/price-alerts.test.ts',
  'test/integration/cache-http.test.ts',
  'test/integration/auth-http.test.ts',
  'test/integration/rate-limit-http.test.ts',
  'test/integration/login-limits-http.test.ts',
  'test/integration/market-feed-leader.test.ts',
  'test/integration/market-feed-resume.test.ts',
  'test/integration/keyv-adapter.test.ts',
  'test/integration/dashboard-http.test.ts',
  'test/integration/app-wiring.test.ts',
  'test/integration/history-admission.test.ts',
  'test/integration/history-bounds.test.ts',
  'test/integration/websocket.test.ts',
  'test/integration/ws-watch-across-processes.test.ts',
  'test/integration/response-cache-app.test.ts',
  'test/integration/symbols-api.test.ts',
  'test/integration/trust-proxy-http.test.ts',
  'test/integration/infinite-numbers-http.test.ts',
  'test/integration/http-edge.test.ts',
  'test/integration/openapi.test.ts',
  'test/integration/log-volume.test.ts',
  'test/integration/market-cli.test.ts',
  'test/integration/redis-store.test.ts',
  'test/integration/redis-scripts.test.ts',
  'test/integration/cache-fixed-keys.test.ts',
  'test/integration/shared-keys.test.ts',
  'test/integration/cache-failure.test.ts',
  'test/e2e/cli-market-watch.test.ts',
  // Its own cluster (it kills and restarts a master); skipped outside this config.
  'test/integration/cluster-durable-failover.test.ts',
  // Its own cluster too: slots move between masters under traffic.
  'test/integration/cluster-resharding.test.ts',
  'test/integration/dashboard-cluster.test.ts',
];

// .ci/run asks for a JSON report to print its "N passed, N failed" line.
const jsonReport = process.env.TRADECACHE_CLUSTER_REPORT;

export default defineConfig({
  test: {
    include: CLUSTER_SUITES,
    env: { TRADECACHE_TEST_REDIS: 'cluster' },
    // The CLI suites run the built bin (dist/): rebuilt first when the sources changed.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts six redis-server processes: two files at a time on two cores.
    maxWorkers: 2,
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
