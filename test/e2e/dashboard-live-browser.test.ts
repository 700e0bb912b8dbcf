import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoLoginLink } from '../../src/cli/demo-login.ts';
import type { TestApp } from '../helpers/app.ts';
import { type PageWatch, watchPage } from '../helpers/browser.ts';
import { type LiveDashboard, startLiveDashboard } from '../helpers/live-dashboard.ts';
import type { TestRedis } from '../helpers/redis.ts';

/**
 * The dashboard of `npm run demo` in headless Chromium: a `start` process on the simulated
 * exchange with its live feed (real Redis, real listening Fastify), the page's CSP in force.
 * Screenshots go to the test's temp dir.
 */
const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const BROWSER_TEST = { timeout: 90_000 };
/** Bounds that only stop a hung test, never a speed check. */
const DOM_WAIT = { timeout: 30_000 };
const POLL = { timeout: 30_000, interval: 250 };
/** A version without the alerts route answers it 404 (the page says "not available"). */
const ALERTS_404 = /status of 404 .*\/api\/v1\/cache\/price-alerts/;

let live: LiveDashboard;
let redis: TestRedis;
let admin: Redis;
let app: TestApp;
let base: string;
let browser: Browser;
let shots: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  live = await startLiveDashboard(ADMIN_TOKEN);
  ({ redis, app, base, browser } = live);
  admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  shots = await mkdtemp(path.join(os.tmpdir(), 'tradecache-dashboard-shots-'));
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  admin?.disconnect();
  await live?.close();
  // Kept when KEEP_SCREENSHOTS is set, to look at them.
  if (shots && !process.env.KEEP_SCREENSHOTS) await rm(shots, { recursive: true, force: true });
});

async function open(viewport = { width: 1280, height: 1000 }): Promise<{ page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  const watch = await watchPage(page);
  // The demo's login link: the admin token in the fragment.
  await page.goto(`${base}/dashboard#token=${ADMIN_TOKEN}`);
  await page.waitForSelector('#content:not([hidden])', DOM_WAIT);
  return { page, watch };
}

async function api<T>(url: string): Promise<T> {
  const response = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

interface Health {
  warnings: string[];
  cacheStats: Record<string, { totalKeys: number }>;
  queues: Record<string, { waiting: number; active: number; delayed: number; failed: number }>;
}

/** A table row as the page sees it (this project's TypeScript has no DOM types). */
interface Row {
  dataset: { key: string };
  children: ArrayLike<{ textContent: string | null }>;
}

/** The rows of a table as `key → cell texts`. */
const rows = (page: Page, table: string) =>
  page.$$eval(`#${table} tbody tr[data-key]`, (trs) =>
    Object.fromEntries(
      (trs as unknown as Row[]).map((tr) => [
        tr.dataset.key,
        Array.from(tr.children, (td) => td.textContent),
      ]),
    ),
  );

describe('the live dashboard in Chromium', () => {
  it('draws BTCUSDT candles from the live feed, and hit-rate and memory charts', BROWSER_TEST, async () => {
    const { page, watch } = await open();
    // The token left the address bar and lives in this tab only.
    expect(new URL(page.url()).hash).toBe('');
    expect(await page.evaluate('Object.values(sessionStorage)')).toEqual([ADMIN_TOKEN]);

    await expect.poll(() => page.getAttribute('#candle-chart', 'data-candles'), POLL).toMatch(/^[1-9]\d*$/);
    expect(await page.getAttribute('#candle-chart', 'data-symbol')).toBe('BTCUSDT');
    const { candles } = await api<{ candles: Array<{ close: string }> }>(
      '/api/v1/market/BTCUSDT/ohlcv?interval=1m',
    );
    expect(candles.length).toBeGreaterThan(0);
    // The library drew into its canvases (it creates them only for a series with data).
    expect(await page.locator('#candle-chart canvas').count()).toBeGreaterThan(0);
    expect(await page.textContent('#candle-info')).toMatch(/^BTCUSDT 1m · close \d+\.\d+ · /);
    // A typed token is a Bearer header, which a browser WebSocket cannot send: the anonymous
    // socket is refused candles, so the chart says it polls REST instead of claiming "live".
    await expect.poll(() => page.getAttribute('#candle-state', 'data-state'), POLL).toBe('polling');

    // A sample per monitor round: both charts get points (memory once INFO was read).
    await expect.poll(() => page.getAttribute('#memory-chart', 'data-points'), POLL).toMatch(/^[1-9]/);
    await expect.poll(() => page.getAttribute('#hit-chart', 'data-points'), POLL).not.toBeNull();
    expect(await page.textContent('#alerts-note')).toContain('Alerts belong to users');
    await page.screenshot({ path: path.join(shots, 'dashboard-desktop.png'), fullPage: true });
    expect((await stat(path.join(shots, 'dashboard-desktop.png'))).size).toBeGreaterThan(0);

    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    expect(watch.consoleErrors.filter((e) => !ALERTS_404.test(e))).toEqual([]);
  });

  it('shows the key counts and queues of the health answer', BROWSER_TEST, async () => {
    const { page } = await open();
    await page.waitForSelector('#queues-table tbody tr[data-key]', DOM_WAIT);
    // Both move while the feed writes: poll until one page refresh and one API answer agree.
    await expect
      .poll(async () => {
        const health = await api<Health>('/api/v1/cache/health');
        const keys = await rows(page, 'keys-table');
        const queues = await rows(page, 'queues-table');
        const wantKeys = Object.fromEntries(
          Object.entries(health.cacheStats).map(([name, s]) => [
            name,
            [name, s.totalKeys.toLocaleString('en-US')],
          ]),
        );
        const wantQueues = Object.fromEntries(
          Object.entries(health.queues).map(([name, q]) => [
            name,
            [name, ...[q.waiting, q.active, q.delayed, q.failed].map((n) => n.toLocaleString('en-US'))],
          ]),
        );
        const sorted = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort());
        return sorted(keys) === sorted(wantKeys) && sorted(queues) === sorted(wantQueues);
      }, POLL)
      .toBe(true);
    expect(Object.keys(await rows(page, 'queues-table')).length).toBeGreaterThan(0);
  });

  it('puts every warning of the health answer in the banner, never "All good"', BROWSER_TEST, async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const health = await api<Health>('/api/v1/cache/health');
      const warning = health.warnings.find((w) => w.includes('allkeys-lru'));
      expect(warning).toBeDefined();
      const { page } = await open();
      await expect.poll(() => page.textContent('#warnings'), POLL).toContain(warning);
      for (const w of health.warnings) expect(await page.textContent('#warnings')).toContain(w);
      expect(await page.textContent('#status')).not.toContain('All good');
      expect(await page.getAttribute('#status', 'class')).toMatch(/warn|error/);
      await page.screenshot({ path: path.join(shots, 'dashboard-warning.png') });
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('fits a 390 px phone: nothing scrolls sideways', BROWSER_TEST, async () => {
    const { page, watch } = await open({ width: 390, height: 844 });
    await expect.poll(() => page.getAttribute('#candle-chart', 'data-candles'), POLL).toMatch(/^[1-9]\d*$/);
    await page.waitForSelector('#symbols-table tbody tr[data-key]', DOM_WAIT);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(shots, 'dashboard-390.png'), fullPage: true });

    // The picker switches the chart to another watched symbol.
    await page.fill('#symbol', 'ethusdt');
    await page.click('#market-form button[type=submit]');
    await expect.poll(() => page.getAttribute('#candle-chart', 'data-symbol'), POLL).toBe('ETHUSDT');
    await expect.poll(() => page.getAttribute('#candle-chart', 'data-candles'), POLL).toMatch(/^[1-9]\d*$/);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });

  it("opens from the demo's one-time login link, which works once", BROWSER_TEST, async () => {
    const link = await demoLoginLink(app.ctx, base);
    expect(link).toMatch(new RegExp(`^${base}/dashboard/login\\?code=[A-Za-z0-9_-]+$`));
    expect(link).not.toContain(redis.password);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const watch = await watchPage(page);
    await page.goto(link);
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.waitForSelector('#content:not([hidden])', DOM_WAIT);
    // An admin session cookie (HttpOnly), no token in the page's storage.
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    const cookies = await context.cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly])).toEqual([['tc_session', true]]);
    expect(watch.pageErrors).toEqual([]);

    // A second use is refused with a clear JSON error.
    const again = await fetch(link, { redirect: 'manual' });
    expect(again.status).toBe(401);
    const body = (await again.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('AUTH_INVALID');
    expect(body.error.message).toContain('already used or has expired');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it("lists a user login's active alerts and its notifications", BROWSER_TEST, async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const watch = await watchPage(page);
    await page.goto(await demoLoginLink(app.ctx, base));
    const [session] = await context.cookies();
    const alert = async (targetPrice: string) => {
      const response = await fetch(`${base}/api/v1/cache/price-alert`, {
        method: 'POST',
        headers: { cookie: `tc_session=${session?.value}`, 'content-type': 'application/json' },
        body: JSON.stringify({ symbol: 'BTCUSDT', condition: 'above', targetPrice }),
      });
      expect(response.status).toBe(201);
    };
    await alert('99999999'); // far above: stays active
    await alert('0.00000001'); // already reached: fires at once, a notification
    await page.reload();
    await page.waitForSelector('#content:not([hidden])', DOM_WAIT);
    await expect
      .poll(() => page.textContent('#alerts-note'), POLL)
      .toBe('1 active alert(s), 1 recent notification(s)');
    const lines = await page.$$eval('#alerts-list li', (lis) => lis.map((li) => li.textContent));
    expect(lines[0]).toBe('alert: BTCUSDT above 99999999 · active');
    // The target and the price as the API gives them: exact decimal strings.
    expect(lines[1]).toMatch(/^notification: BTCUSDT above 0\.00000001 reached at \d+\.\d+ · /);
    expect(lines).toHaveLength(2);
    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });

  it('refuses a malformed login code with a 400', async () => {
    const response = await fetch(`${base}/dashboard/login?code=<script>`, { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBeTruthy();
  });
});
