import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PRICE_MIN_SPACING_MS } from '../../src/market/realtime/hub.ts';
import type { MarketType } from '../../src/trading/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWs, type TestWsClient } from '../helpers/ws-client.ts';

let redis: TestRedis;
let dataDir: string;
/** Two API processes on one Redis: `checker` runs the alert checks, `pusher` holds the sockets. */
let checker: TestApp;
let pusher: TestApp;
let wsUrl: string;
let token: string;
const clients: TestWsClient[] = [];
const watched: Array<[MarketType, string]> = [];
const NOW = Date.now();

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ws-'));
  const env = {
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    WS_MESSAGES_PER_SECOND: '5',
    WS_SUBSCRIPTION_TTL: '30',
  };
  checker = await startTestApp(env);
  pusher = await startTestApp(env);
  await pusher.http.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(pusher.http.server.address() as AddressInfo).port}/api/v1/ws`;
  pusher.ctx.realtime.hub.onWatch((market, symbol) => watched.push([market, symbol]));
  const apiKey = await checker.ctx.sessions.users.addUser('alice');
  const login = await checker.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId: 'alice', apiKey },
  });
  token = login.json().token;
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await pusher?.close();
  await checker?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

async function open(headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  const client = await connectWs(wsUrl, headers);
  clients.push(client);
  return client;
}

describe('GET /api/v1/ws', () => {
  it('pushes a notification to a socket on another process than the one that ran the check', async () => {
    const ws = await open();
    ws.send({ op: 'subscribe', channels: ['alerts', 'price:BTCUSDT'] });
    expect(await ws.next((m) => m.op === 'subscribed')).toEqual({
      op: 'subscribed',
      channels: ['alerts', 'price:BTCUSDT'],
    });
    await checker.ctx.market.batch('spot').price('BTCUSDT', '60000.00000000', NOW).flush();
    const alert = await checker.ctx.alerts.create('alice', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '60500',
      condition: 'above',
    });
    await checker.ctx.alerts.checkPrices('spot', [
      { symbol: 'BTCUSDT', price: '60400.00000000', time: NOW + 1 },
    ]);
    await checker.ctx.alerts.checkPrices('spot', [
      { symbol: 'BTCUSDT', price: '60500.00000000', time: NOW + 2 },
    ]);
    const pushed = await ws.next((m) => m.channel === 'alerts');
    const listed = (
      await checker.http.inject({
        url: '/api/v1/users/me/notifications',
        headers: { authorization: `Bearer ${token}` },
      })
    ).json().notifications;
    expect(listed).toHaveLength(1);
    expect(pushed).toEqual({ channel: 'alerts', data: listed[0] });
    expect(listed[0]).toMatchObject({ alertId: alert.id, price: '60500.00000000' });
    expect(watched).toContainEqual(['spot', 'BTCUSDT']);
  });

  it('sends published prices, coalesced, with the latest one last; books, trades and candles as they come', async () => {
    const ws = await open({});
    ws.send({ op: 'subscribe', channels: ['price:ETHUSDT', 'price:ETHUSDT@futures'] });
    await ws.next((m) => m.op === 'subscribed');
    const publisher = checker.ctx.realtime.publisher;
    for (let i = 0; i < 50; i++) {
      const price = `${3000 + i}.00`;
      await publisher.publish('spot', [
        {
          kind: 'price',
          symbol: 'ETHUSDT',
          data: { symbol: 'ETHUSDT', market: 'spot', price, time: NOW + i },
        },
      ]);
    }
    await publisher.publish('futures', [
      {
        kind: 'price',
        symbol: 'ETHUSDT',
        data: { symbol: 'ETHUSDT', market: 'futures', price: '3001.5', time: NOW },
      },
    ]);
    await ws.next((m) => m.channel === 'price:ETHUSDT' && (m.data as { price: string }).price === '3049.00');
    await ws.next((m) => m.channel === 'price:ETHUSDT@futures');
    const spot = ws.messages.filter((m) => m.channel === 'price:ETHUSDT');
    expect(spot.length).toBeLessThan(50);
    expect(spot.at(-1)).toEqual({
      channel: 'price:ETHUSDT',
      data: { symbol: 'ETHUSDT', market: 'spot', price: '3049.00', time: NOW + 49 },
    });

    const authed = await open();
    authed.send({ op: 'subscribe', channels: ['book:ETHUSDT', 'trades:ETHUSDT', 'candles:ETHUSDT:1m'] });
    await authed.next((m) => m.op === 'subscribed');
    const trade = { id: 7, price: '3000.00', quantity: '0.5', side: 'buy', time: NOW } as const;
    await publisher.publish('spot', [
      {
        kind: 'book',
        symbol: 'ETHUSDT',
        data: { lastUpdateId: 9, bids: [['2999.9', '1']], asks: [['3000.1', '2']] },
      },
      { kind: 'trade', symbol: 'ETHUSDT', data: trade },
      { kind: 'trade', symbol: 'BTCUSDT', data: trade },
    ]);
    expect(await authed.next((m) => m.channel === 'trades:ETHUSDT')).toEqual({
      channel: 'trades:ETHUSDT',
      data: trade,
    });
    expect((await authed.next((m) => m.channel === 'book:ETHUSDT')).data).toMatchObject({ lastUpdateId: 9 });
    expect(authed.messages.some((m) => m.channel === 'trades:BTCUSDT')).toBe(false);
  });

  it('never sends a price older than one the channel already sent', async () => {
    const ws = await open({});
    ws.send({ op: 'subscribe', channels: ['price:SOLUSDT'] });
    await ws.next((m) => m.op === 'subscribed');
    const publisher = checker.ctx.realtime.publisher;
    const publish = (price: string, time: number) =>
      publisher.publish('spot', [
        { kind: 'price', symbol: 'SOLUSDT', data: { symbol: 'SOLUSDT', market: 'spot', price, time } },
      ]);
    // A newer price, then an older one (a late flush of the other lane), then a newer one again.
    // Each past the channel's spacing, so coalescing alone would send all three.
    const pause = () => new Promise((resolve) => setTimeout(resolve, PRICE_MIN_SPACING_MS + 50));
    await publish('150.20', NOW + 2000);
    await ws.next((m) => m.channel === 'price:SOLUSDT');
    await pause();
    await publish('150.10', NOW + 1000);
    await pause();
    await publish('150.30', NOW + 3000);
    await ws.next((m) => m.channel === 'price:SOLUSDT' && (m.data as { price: string }).price === '150.30');
    const sent = ws.messages.filter((m) => m.channel === 'price:SOLUSDT').map((m) => m.data);
    expect(sent.map((d) => (d as { price: string }).price)).toEqual(['150.20', '150.30']);
  });

  it('lets an anonymous socket have prices only, and answers bad messages with errors without closing', async () => {
    const ws = await open({});
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      { op: 'dance' },
      { op: 'subscribe', channels: ['price:btc-usdt'] },
      { op: 'subscribe', channels: [] },
      { op: 'subscribe', channels: ['candles:BTCUSDT:7m'] },
      { op: 'subscribe', channels: ['alerts'] },
    ];
    for (const message of bad) {
      const from = ws.messages.length;
      ws.send(message);
      await ws.next((m) => 'error' in m, from);
      await new Promise((resolve) => setTimeout(resolve, 210)); // stay inside the message budget
    }
    const errors = ws.messages.filter((m) => 'error' in m).map((m) => (m.error as { code: string }).code);
    expect(errors).toEqual([
      'BAD_REQUEST',
      'BAD_REQUEST',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'AUTH_REQUIRED',
    ]);
    ws.socket.send(Buffer.from([0xff, 0x00]), { binary: true });
    await ws.next(
      (m) => (m.error as { message?: string } | undefined)?.message?.includes('text frames') === true,
    );
    ws.send({ op: 'ping' });
    await ws.next((m) => m.op === 'pong');
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('limits the message rate of a socket with RATE_LIMITED errors, and stays open', async () => {
    const ws = await open();
    for (let i = 0; i < 30; i++) ws.send({ op: 'ping' });
    await ws.next((m) => (m.error as { code?: string } | undefined)?.code === 'RATE_LIMITED');
    await waitFor(() => ws.messages.length === 30);
    expect(ws.messages.filter((m) => m.op === 'pong').length).toBeLessThan(30);
    expect(ws.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('cuts off a socket that stops reading once its send buffer is full, and serves the others', async () => {
    const slow = await open();
    const fast = await open();
    for (const ws of [slow, fast]) {
      ws.send({ op: 'subscribe', channels: ['book:XRPUSDT'] });
      await ws.next((m) => m.op === 'subscribed');
    }
    const closed = new Promise<number>((resolve) => slow.socket.once('close', (code) => resolve(code)));
    slow.socket.pause();
    const levels = Array.from(
      { length: 2000 },
      (_, i) => [`${i}.12345678`, '1000.00000000'] as [string, string],
    );
    const publisher = checker.ctx.realtime.publisher;
    for (let i = 0; i < 400 && pusher.ctx.realtime.hub.connectionCount > 0; i++) {
      await publisher.publish('spot', [
        { kind: 'book', symbol: 'XRPUSDT', data: { lastUpdateId: i, bids: levels, asks: levels } },
      ]);
      if (slow.socket.readyState !== WebSocket.OPEN) break;
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    slow.socket.resume();
    expect([1013, 1006]).toContain(await closed);
    await fast.next((m) => m.channel === 'book:XRPUSDT');
    expect(fast.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses the upgrade with invalid credentials, and a plain HTTP request with our error shape', async () => {
    const plain = await pusher.http.inject({ url: '/api/v1/ws' });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.code).toBe('BAD_REQUEST');
    await expect(connectWs(wsUrl, { authorization: 'Bearer nope' })).rejects.toThrow(/401/);
  });

  it('tracks subscriptions per user and connection in Redis, and removes them on close', async () => {
    const tracker = () => pusher.ctx.realtime.hub;
    expect(tracker()).toBeDefined();
    const ws = await open();
    ws.send({ op: 'subscribe', channels: ['price:SOLUSDT', 'alerts'] });
    await ws.next((m) => m.op === 'subscribed');
    const redisClient = pusher.ctx.redis;
    const keys = pusher.ctx.keys.sessions;
    const live = await waitFor(async () => {
      const ids = await redisClient.zrange(keys.socketConnections('alice'), 0, -1);
      for (const id of ids) {
        const channels = await redisClient.smembers(keys.socketSubscriptions('alice', id));
        if (channels.includes('price:SOLUSDT')) return { id, channels };
      }
      return null;
    });
    expect(live.channels.sort()).toEqual(['alerts', 'price:SOLUSDT']);
    expect(await redisClient.ttl(keys.socketSubscriptions('alice', live.id))).toBeGreaterThan(0);
    ws.send({ op: 'unsubscribe', channels: ['price:SOLUSDT'] });
    await ws.next((m) => m.op === 'unsubscribed');
    await waitFor(async () => {
      const channels = await redisClient.smembers(keys.socketSubscriptions('alice', live.id));
      return channels.length === 1 && channels[0] === 'alerts';
    });
    await ws.close();
    await waitFor(async () => (await redisClient.exists(keys.socketSubscriptions('alice', live.id))) === 0);
    await waitFor(async () => (await redisClient.zscore(keys.socketConnections('alice'), live.id)) === null);
  });
});
