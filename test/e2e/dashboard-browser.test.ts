import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchChromium, type PageWatch, watchPage } from '../helpers/browser.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { type ReplayServer, startReplayServer } from '../helpers/replay-server.ts';

/**
 * The dashboard in a real headless Chromium against a real listening tradecache (real Redis,
 * replayed Binance bodies): what an operator sees, with the page's real CSP in force.
 */
const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
/** Browser launch and a page refresh cycle (5 s) on a busy 2-core machine. */
const BROWSER_TEST = { timeout: 60_000 };
/** Waits for DOM conditions: a bound that only stops a hung test, never a speed check. */
const DOM_WAIT = { timeout: 20_000 };
/** The one console error expected before a token is entered: Chromium logs the refused fetch. */
const REFUSED_FETCH = /Failed to load resource: the server responded with a status of 40[13]/;
/**
 * 404s the page may meet: a version without the alerts route ("not available"), and no candles
 * for BTCUSDT in a process without the live feed (the chart says so).
 */
const EXPECTED_404 = /status of 404 .*\/api\/v1\/(cache\/price-alerts|market\/[A-Z0-9]+\/ohlcv)/;
const unexpected = (errors: string[]) => errors.filter((e) => !EXPECTED_404.test(e));

let redis: TestRedis;
let exchange: ReplayServer;
let dataDir: string;
let app: TestApp;
let base: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  exchange = await startReplayServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-dashboard-ui-'));
  app = await startTestApp({
    REDIS_URL: redis.url,
    BINANCE_SPOT_URL: exchange.url,
    BINANCE_FUTURES_URL: exchange.url,
    TRADECACHE_DATA_DIR: dataDir,
    ADMIN_TOKEN,
  });
  base = await app.http.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchChromium();
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await exchange?.close();
  await redis?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function openDashboard(): Promise<{ page: Page; watch: PageWatch }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const watch = await watchPage(page);
  await page.goto(`${base}/dashboard`);
  return { page, watch };
}

async function enterToken(page: Page, token: string) {
  await page.waitForSelector('#login:not([hidden])', DOM_WAIT);
  await page.fill('#token', token);
  await page.click('#login button[type=submit]');
}

const cellText = (page: Page, table: string, key: string, column: number) =>
  page.textContent(`#${table} tbody tr[data-key="${key}"] td:nth-child(${column})`, DOM_WAIT);

async function symbols(market: string): Promise<{ count: number }> {
  const response = await fetch(`${base}/api/v1/symbols/${market}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { count: number };
}

describe('the dashboard page in Chromium', () => {
  it(
    'asks for the admin token, then fills the symbols and cache tables and keeps them current',
    BROWSER_TEST,
    async () => {
      const spot = await symbols('spot'); // MISS: fetched from the exchange
      await symbols('spot'); // HIT

      const { page, watch } = await openDashboard();
      await page.waitForSelector('#login:not([hidden])', DOM_WAIT);
      expect(await page.textContent('#status')).toContain('enter the admin token');
      expect(await page.isHidden('#content')).toBe(true);
      const errorsBeforeToken = watch.consoleErrors.length;
      await enterToken(page, ADMIN_TOKEN);

      await page.waitForSelector('#symbols-table tbody tr[data-key="spot"]', DOM_WAIT);
      expect(await cellText(page, 'symbols-table', 'spot', 2)).toBe(spot.count.toLocaleString('en-US'));
      expect(await cellText(page, 'symbols-table', 'spot', 5)).toBe('1'); // hits, from Redis
      expect(await cellText(page, 'cache-table', 'symbols_spot', 3)).toBe('1'); // L1 hits
      expect(await cellText(page, 'cache-table', 'symbols_spot', 2)).toBe('50.0 %');
      expect(await page.textContent('#breaker')).toBe('closed');
      expect(await page.textContent('#status')).toContain('All good');
      expect(await page.isVisible('#login')).toBe(false);

      // The page refreshes by itself: a new hit shows up without a reload.
      await symbols('spot');
      await expect
        .poll(() => cellText(page, 'symbols-table', 'spot', 5), { timeout: 20_000, interval: 250 })
        .toBe('2');

      // The token lives in this tab's sessionStorage only: a reload needs no new token.
      expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([ADMIN_TOKEN]);
      expect(await page.evaluate('localStorage.length')).toBe(0);
      expect(await page.context().cookies()).toEqual([]);
      await page.reload();
      await page.waitForSelector('#symbols-table tbody tr[data-key="spot"]', DOM_WAIT);

      expect(watch.pageErrors).toEqual([]);
      expect(await watch.cspViolations()).toEqual([]);
      // The only console error is Chromium logging the first, refused fetch; none after the token.
      expect(watch.consoleErrors.slice(0, errorsBeforeToken).every((e) => REFUSED_FETCH.test(e))).toBe(true);
      expect(unexpected(watch.consoleErrors.slice(errorsBeforeToken))).toEqual([]);
    },
  );

  it('says clearly when a token is refused or is not an admin token', BROWSER_TEST, async () => {
    const { page, watch } = await openDashboard();
    await enterToken(page, `wrong_${randomBytes(16).toString('hex')}`);
    await expect
      .poll(() => page.textContent('#status'), { ...DOM_WAIT, interval: 100 })
      .toContain('That token was refused');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);

    const apiKey = await app.ctx.sessions.users.addUser('dana');
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'dana', apiKey }),
    });
    const { token } = (await login.json()) as { token: string };
    await enterToken(page, token);
    await expect
      .poll(() => page.textContent('#status'), { ...DOM_WAIT, interval: 100 })
      .toContain('not an admin token');
    expect(await page.isHidden('#content')).toBe(true);

    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    expect(watch.consoleErrors.every((e) => REFUSED_FETCH.test(e))).toBe(true);
  });

  it(
    'needs no token from an admin logged in through /api/v1/auth/login in the same browser',
    BROWSER_TEST,
    async () => {
      const apiKey = await app.ctx.sessions.users.addUser('erin', { admin: true });
      const context = await browser.newContext();
      contexts.push(context);
      // The login sets the HttpOnly session cookie in this browser context, as a login form would.
      const login = await context.request.post(`${base}/api/v1/auth/login`, {
        data: { userId: 'erin', apiKey },
      });
      expect(login.status()).toBe(200);
      const page = await context.newPage();
      const watch = await watchPage(page);
      await page.goto(`${base}/dashboard`);
      await page.waitForSelector('#symbols-table tbody tr[data-key="spot"]', DOM_WAIT);
      expect(await page.isVisible('#login')).toBe(false);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      expect(watch.pageErrors).toEqual([]);
      expect(await watch.cspViolations()).toEqual([]);
      expect(unexpected(watch.consoleErrors)).toEqual([]);
    },
  );

  it(
    'says when the service cannot be reached, and shows hostile values as plain text',
    BROWSER_TEST,
    async () => {
      const { page, watch } = await openDashboard();
      await enterToken(page, ADMIN_TOKEN);
      await page.waitForSelector('#symbols-table tbody tr[data-key="spot"]', DOM_WAIT);

      // The real answer with markup in a value: it must be shown, not run.
      const hostile = '<img src=x id=injected>';
      await page.route('**/api/v1/dashboard', async (route) => {
        const real = await route.fetch();
        const body = await real.json();
        body.service.version = hostile;
        await route.fulfill({ response: real, json: body });
      });
      await page.reload();
      await expect
        .poll(() => page.textContent('#service'), { ...DOM_WAIT, interval: 100 })
        .toContain(hostile);
      expect(await page.$('#injected')).toBeNull();

      // The network fails: a clear message, and the page keeps trying.
      await page.unroute('**/api/v1/dashboard');
      await page.route('**/api/v1/dashboard', (route) => route.abort('connectionrefused'));
      await page.reload();
      await expect
        .poll(() => page.textContent('#status'), { ...DOM_WAIT, interval: 100 })
        .toContain('Cannot reach the service');

      expect(watch.pageErrors).toEqual([]);
      expect(await watch.cspViolations()).toEqual([]);
      expect(
        unexpected(watch.consoleErrors).every(
          (e) => REFUSED_FETCH.test(e) || e.includes('net::ERR_CONNECTION_REFUSED'),
        ),
      ).toBe(true);
    },
  );
});
