import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoLoginLink } from '../../src/cli/demo-login.ts';
import { type PageWatch, watchPage } from '../helpers/browser.ts';
import { type LiveDashboard, startLiveDashboard } from '../helpers/live-dashboard.ts';

/**
 * The dashboard's candlestick chart fed by the market WebSocket, in headless Chromium, opened
 * the way `npm run demo` is (its one-time login link: a session cookie, which the page's
 * same-origin socket carries), with the page's CSP in force.
 */
const ADMIN_TOKEN = `adm_${randomBytes(24).toString('hex')}`;
const BROWSER_TEST = { timeout: 90_000 };
/** Bounds that only stop a hung test, never a speed check. */
const DOM_WAIT = { timeout: 30_000 };
const POLL = { timeout: 30_000, interval: 250 };

let live: LiveDashboard;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  live = await startLiveDashboard(ADMIN_TOKEN);
}, 90_000);
afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
});
afterAll(async () => {
  await live?.close();
});

interface CandleFrame {
  channel: string;
  data: { openTime: number; close: string; high: string; low: string; open: string };
}
interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

/** What the page sent and received on its sockets, and its `/ohlcv` requests, in order. */
interface Traffic {
  sent: unknown[];
  received: unknown[];
  ohlcv: string[];
}

async function openFromLoginLink(
  route?: (ws: WebSocketRoute) => void,
): Promise<{ page: Page; watch: PageWatch; traffic: Traffic }> {
  const context = await live.browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  const watch = await watchPage(page);
  const traffic: Traffic = { sent: [], received: [], ohlcv: [] };
  page.on('request', (request) => {
    if (request.url().includes('/ohlcv')) traffic.ohlcv.push(new URL(request.url()).pathname);
  });
  page.on('websocket', (ws) => {
    const parse = (payload: string | Buffer) => JSON.parse(String(payload)) as unknown;
    ws.on('framesent', ({ payload }) => traffic.sent.push(parse(payload)));
    ws.on('framereceived', ({ payload }) => traffic.received.push(parse(payload)));
  });
  if (route) await page.routeWebSocket(/\/api\/v1\/ws$/, route);
  await page.goto(await demoLoginLink(live.app.ctx, live.base));
  await page.waitForSelector('#content:not([hidden])', DOM_WAIT);
  return { page, watch, traffic };
}

const candleFrames = (traffic: Traffic, channel: string) =>
  traffic.received.filter((m): m is CandleFrame => (m as CandleFrame).channel === channel);

/** The last bar the chart itself holds (lightweight-charts' own data, not the page's copy). */
const lastBar = (page: Page) =>
  page.evaluate<Bar | null>(
    '(() => { const d = window.tcDashboard.candleSeries.data(); return d[d.length - 1] ?? null; })()',
  );

const state = (page: Page) => page.getAttribute('#candle-state', 'data-state');

describe('the candle chart fed by the market WebSocket', () => {
  it('reads the history once over REST, then draws pushed candles:BTCUSDT:1m', BROWSER_TEST, async () => {
    const { page, watch, traffic } = await openFromLoginLink();
    await expect.poll(() => state(page), POLL).toBe('live');
    expect(await page.textContent('#candle-state')).toBe('live');
    expect(traffic.sent).toContainEqual({ op: 'subscribe', channels: ['candles:BTCUSDT:1m'] });
    expect(traffic.received).toContainEqual({ op: 'subscribed', channels: ['candles:BTCUSDT:1m'] });
    await expect.poll(() => page.getAttribute('#candle-chart', 'data-candles'), POLL).toMatch(/^[1-9]\d*$/);
    const first = await lastBar(page);
    expect(first).not.toBeNull();

    // The simulated market trades all the time: its pushes move the chart's last bar.
    await expect.poll(async () => JSON.stringify(await lastBar(page)), POLL).not.toBe(JSON.stringify(first));
    const bar = (await lastBar(page)) as Bar;
    const pushed = candleFrames(traffic, 'candles:BTCUSDT:1m');
    expect(pushed.length).toBeGreaterThan(0);
    // That bar is a pushed candle, drawn from its decimal strings.
    expect(
      pushed.some(
        ({ data }) =>
          data.openTime / 1000 === bar.time &&
          Number(data.close) === bar.close &&
          Number(data.high) === bar.high &&
          Number(data.low) === bar.low,
      ),
    ).toBe(true);
    for (const { data } of pushed) expect(typeof data.close).toBe('string');
    // One REST read (the history), none after: every change came through the socket.
    expect(traffic.ohlcv).toEqual(['/api/v1/market/BTCUSDT/ohlcv']);
    expect(await page.textContent('#candle-info')).toMatch(/^BTCUSDT 1m · close \d+\.\d+ · /);

    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
    expect(watch.consoleErrors).toEqual([]);
  });

  it('switching symbol unsubscribes the old channel and subscribes the new', BROWSER_TEST, async () => {
    const { page, watch, traffic } = await openFromLoginLink();
    await expect.poll(() => state(page), POLL).toBe('live');
    await page.fill('#symbol', 'ethusdt');
    await page.click('#market-form button[type=submit]');

    await expect.poll(() => candleFrames(traffic, 'candles:ETHUSDT:1m').length, POLL).toBeGreaterThan(0);
    expect(traffic.sent).toContainEqual({ op: 'unsubscribe', channels: ['candles:BTCUSDT:1m'] });
    expect(traffic.sent).toContainEqual({ op: 'subscribe', channels: ['candles:ETHUSDT:1m'] });
    const unsubscribed = traffic.received.findIndex(
      (m) => JSON.stringify(m) === JSON.stringify({ op: 'unsubscribed', channels: ['candles:BTCUSDT:1m'] }),
    );
    expect(unsubscribed).toBeGreaterThan(-1);
    // Once the server confirmed, no BTCUSDT candle reaches this socket.
    const after = traffic.received.slice(unsubscribed + 1);
    expect(after.some((m) => (m as CandleFrame).channel === 'candles:BTCUSDT:1m')).toBe(false);

    await expect.poll(() => page.getAttribute('#candle-chart', 'data-symbol'), POLL).toBe('ETHUSDT');
    await expect.poll(() => page.getAttribute('#candle-chart', 'data-candles'), POLL).toMatch(/^[1-9]\d*$/);
    expect(await state(page)).toBe('live');
    expect(traffic.ohlcv).toEqual(['/api/v1/market/BTCUSDT/ohlcv', '/api/v1/market/ETHUSDT/ohlcv']);
    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });

  it('polls REST only while the socket is down, and goes live again on reconnect', BROWSER_TEST, async () => {
    // Playwright stands between page and server (each socket is passed through to the real
    // /api/v1/ws), so the test can cut one as a dropped connection would.
    const routes: WebSocketRoute[] = [];
    const { page, watch, traffic } = await openFromLoginLink((ws) => {
      routes.push(ws);
      ws.connectToServer();
    });
    await expect.poll(() => state(page), POLL).toBe('live');
    expect(traffic.ohlcv).toHaveLength(1);

    await routes[0]?.close({ code: 1001, reason: 'going away' });
    await expect.poll(() => state(page), POLL).toBe('reconnecting');
    expect(await page.getAttribute('#candle-state', 'title')).toMatch(/retry in \d+ s/);
    // A new socket (jittered backoff) that subscribes again and is live.
    await expect.poll(() => routes.length, POLL).toBeGreaterThan(1);
    await expect.poll(() => state(page), POLL).toBe('live');
    // History, at least one poll while down, and the missed minutes read once when back.
    await expect.poll(() => traffic.ohlcv.length, POLL).toBeGreaterThanOrEqual(3);
    const whenLive = traffic.ohlcv.length;
    expect(new Set(traffic.ohlcv)).toEqual(new Set(['/api/v1/market/BTCUSDT/ohlcv']));

    // Live again: the bar keeps moving while no REST poll is sent.
    const before = JSON.stringify(await lastBar(page));
    await expect.poll(async () => JSON.stringify(await lastBar(page)), POLL).not.toBe(before);
    expect(traffic.ohlcv).toHaveLength(whenLive);
    expect(await state(page)).toBe('live');
    expect(watch.pageErrors).toEqual([]);
    expect(await watch.cspViolations()).toEqual([]);
  });
});
