import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from './app.ts';
import { launchChromium } from './browser.ts';
import { startTestRedis, type TestRedis } from './redis.ts';

/** A `start` process of `npm run demo` (simulated exchange, live feed) and a headless Chromium. */
export interface LiveDashboard {
  readonly redis: TestRedis;
  readonly app: TestApp;
  /** `http://127.0.0.1:<port>` of the listening app. */
  readonly base: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/**
 * The live dashboard's world: real Redis, a real listening Fastify whose feed watches BTCUSDT and
 * ETHUSDT on the simulated exchange, one monitor round (and chart sample) a second.
 */
export async function startLiveDashboard(adminToken: string): Promise<LiveDashboard> {
  const redis = await startTestRedis();
  const app = await startTestApp(
    {
      REDIS_URL: redis.url,
      ADMIN_TOKEN: adminToken,
      EXCHANGE: 'simulated',
      FEED_WATCH_SYMBOLS: 'BTCUSDT,ETHUSDT',
      FEED_INTERVAL_MS: '300',
      FEED_LEASE_TTL_MS: '1500',
      FEED_STREAM_LIVENESS_MS: '2000',
      MONITOR_INTERVAL_MS: '1000',
    },
    { role: 'start' },
  );
  const base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  const browser = await launchChromium();
  return {
    redis,
    app,
    base,
    browser,
    async close() {
      await browser.close();
      await app.close();
      await redis.destroy();
    },
  };
}
