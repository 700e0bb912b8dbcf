import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, watchPage } from '../helpers/browser.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

/** Swagger UI at /docs in a real headless Chromium, with the page's CSP in force. */
const BROWSER_TEST = { timeout: 60_000 };
const DOM_WAIT = { timeout: 20_000 };

let redis: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let app: TestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-docs-ui-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    TRADECACHE_DATA_DIR: dataDir,
  });
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await exchange?.close();
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('/docs in Chromium', () => {
  it('renders every documented route with no CSP violation and no page error', BROWSER_TEST, async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const watch = await watchPage(page);
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock', DOM_WAIT);
      const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, object> };
      const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
      expect(await page.locator('.opblock').count()).toBe(operations);
      expect(await page.textContent('body')).toContain('/api/v1/cache/clear');
      await page.screenshot({
        path: process.env.DOCS_SCREENSHOT ?? path.join(dataDir, 'docs.png'),
        fullPage: false,
      });
      expect(await watch.cspViolations()).toEqual([]);
      expect(watch.pageErrors).toEqual([]);
      expect(watch.consoleErrors).toEqual([]);
      // Self-hosted: nothing is fetched from another origin.
      expect(requested.filter((url) => !url.startsWith(base) && !url.startsWith('data:'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
