import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { addDecimals, subtractDecimals } from '../../src/market/decimal/index.ts';
import { createRedisClient } from '../../src/redis/connection.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * The seams between the live feed and its listeners, end to end on the simulated exchange: every
 * flushed price moves the price alerts, and every flush reaches the WebSocket clients.
 */
let redis: TestRedis;
let app: TestApp;
let token: string;
let wsUrl: string;

beforeAll(async () => {
  redis = await startTestRedis();
  app = await startTestApp(
    {
      REDIS_URL: redis.url,
      EXCHANGE: 'simulated',
      FEED_WATCH_SYMBOLS: 'BTCUSDT',
      FEED_INTERVAL_MS: '300',
      FEED_LEASE_TTL_MS: '1500',
    },
    { role: 'start' },
  );
  await app.http.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(app.http.server.address() as AddressInfo).port}/api/v1/ws`;
  const apiKey = await app.ctx.sessions.users.addUser('alice');
  const login = await app.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId: 'alice', apiKey },
  });
  token = login.json().token;
});
afterAll(async () => {
  await app?.close();
  await redis?.destroy();
});

describe('feed → alerts and WebSocket', () => {
  it('pushes streamed prices of a subscribed symbol to a WebSocket client', async () => {
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
    const prices: { price: string; time: number }[] = [];
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { channel?: string; data?: { price: string; time: number } };
      if (message.channel === 'price:BTCUSDT' && message.data) prices.push(message.data);
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ op: 'subscribe', channels: ['price:BTCUSDT'] }));
    await waitFor(() => prices.length >= 2, 15_000);
    expect(prices.at(-1)?.price).toMatch(/^\d+\.\d+$/);
    expect(prices.at(-1)!.time).toBeGreaterThanOrEqual(prices[0]!.time);
    socket.close();
  });

  it('fires an alert set on both sides of the moving price exactly once', async () => {
    const current = await waitFor(() => app.ctx.market.data.spot.getPrice('BTCUSDT'), 15_000);
    // A crossing alert just above and one just below: the random walk reaches one of them.
    const up = await app.ctx.alerts.create('alice', {
      market: 'spot',
      symbol: 'BTCUSDT',
      targetPrice: addDecimals(current.price, '0.01'),
      condition: 'above',
    });
    const down = await app.ctx.alerts.create('alice', {
      market: 'spot',
      symbol: 'BTCUSDT',
      targetPrice: subtractDecimals(current.price, '0.01'),
      condition: 'below',
    });
    const fired = await waitFor(async () => {
      const list = await app.ctx.alerts.listNotifications('alice', 50);
      return list.length > 0 ? list : null;
    }, 30_000);
    expect(fired.every((n) => n.alertId === up.id || n.alertId === down.id)).toBe(true);
    expect(new Set(fired.map((n) => n.alertId)).size).toBe(fired.length);
  });

  it('fans out only the symbols some WebSocket client watches, and a new subscription joins them', async () => {
    const subscriber = createRedisClient(app.ctx.config.redis, { role: 'subscriber' });
    const seen = new Set<string>();
    subscriber.on('message', (_channel: string, text: string) => {
      const message = JSON.parse(text) as { updates: { symbol: string }[] };
      for (const u of message.updates) seen.add(u.symbol);
    });
    await subscriber.subscribe(app.ctx.keys.market.updatesChannel('spot'));
    try {
      // The feed writes every spot symbol's price (the all-market ticker stream) meanwhile.
      await waitFor(async () =>
        (await app.ctx.market.prices.spot.getCurrentPrice('ETHUSDT')) ? true : null,
      );
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const watched = new Set(await app.ctx.realtime.clientWatch.symbols('spot'));
      expect([...seen].filter((symbol) => !watched.has(symbol))).toEqual([]);
      expect(seen.has('ETHUSDT')).toBe(false);

      const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
      const prices: string[] = [];
      socket.on('message', (raw) => {
        const message = JSON.parse(String(raw)) as { channel?: string; data?: { price: string } };
        if (message.channel === 'price:ETHUSDT' && message.data) prices.push(message.data.price);
      });
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ op: 'subscribe', channels: ['price:ETHUSDT'] }));
      await waitFor(() => (seen.has('ETHUSDT') && prices.length > 0 ? true : null), 15_000);
      expect(prices.at(-1)).toMatch(/^\d+\.\d+$/);
      socket.close();
    } finally {
      subscriber.disconnect();
    }
  });
});
