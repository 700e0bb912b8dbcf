import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDecimals, subtractDecimals } from '../../src/market/decimal/index.ts';
import { ClientWatchList } from '../../src/market/realtime/client-watch-list.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';
import { connectWs, type TestWsClient } from '../helpers/ws-client.ts';

/**
 * Two app instances on one Redis: `leader` runs the spot feed (role start, watching BTCUSDT
 * only), `api` serves WebSockets and runs no feed. What a client of `api` subscribes to must
 * become a watched symbol of the leader's feed, through the shared client watch list.
 */
let redis: TestRedis;
let dataDir: string;
let leader: TestApp;
let api: TestApp;
let wsUrl: string;
let token: string;
const clients: TestWsClient[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ws-watch-'));
  const env = {
    REDIS_URL: redis.url,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
    FEED_WATCH_SYMBOLS: 'BTCUSDT',
    FEED_INTERVAL_MS: '500',
    // The shortest TTL allowed: a symbol nobody watches any more drops out within seconds.
    WS_SUBSCRIPTION_TTL: '5',
  };
  leader = await startTestApp(env, { role: 'start' });
  await waitFor(() => leader.ctx.feed?.feed('spot')?.watchedSymbols().includes('BTCUSDT'), 30_000);
  api = await startTestApp(env, { role: 'api' });
  await api.http.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(api.http.server.address() as AddressInfo).port}/api/v1/ws`;
  const apiKey = await api.ctx.sessions.users.addUser('alice');
  const login = await api.http.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { userId: 'alice', apiKey },
  });
  token = login.json().token;
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.close();
  await api?.close();
  await leader?.close();
  await redis?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('watched symbols across processes', () => {
  it("a subscription on an API-only process opens the symbol's streams on the leader, and they close once nobody watches", async () => {
    expect(api.ctx.feed).toBeNull();
    const spot = leader.ctx.feed!.feed('spot')!;
    const exchange = leader.ctx.simulatedExchange!;
    expect(spot.watchedSymbols()).toEqual(['BTCUSDT']);
    expect(exchange.activeStreams('spot')).not.toContain('ethusdt@aggTrade');

    const ws = await connectWs(wsUrl, { authorization: `Bearer ${token}` });
    clients.push(ws);
    ws.send({ op: 'subscribe', channels: ['trades:ETHUSDT'] });
    await ws.next((m) => m.op === 'subscribed');

    await waitFor(() => exchange.activeStreams('spot').includes('ethusdt@aggTrade'), 15_000);
    expect(spot.watchedSymbols().sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(exchange.activeStreams('spot')).toEqual(
      expect.arrayContaining(['ethusdt@aggTrade', 'ethusdt@bookTicker', 'ethusdt@depth@100ms']),
    );
    // The leader's trades of the newly watched symbol reach the client on the other process.
    const trade = (await ws.next((m) => m.channel === 'trades:ETHUSDT')) as { data: { price: string } };
    expect(trade.data.price).toMatch(/^\d+\.\d+$/);

    await ws.close();
    // No process announces ETHUSDT any more: it leaves the list after the TTL and the leader
    // unwatches it; the configured BTCUSDT stays.
    await waitFor(() => !exchange.activeStreams('spot').includes('ethusdt@aggTrade'), 20_000);
    expect(spot.watchedSymbols()).toEqual(['BTCUSDT']);
    expect(await leader.ctx.realtime.clientWatch.symbols('spot')).toEqual([]);
    // Nothing refreshed the list since: the key itself expired (cache data, never left behind).
    expect(await leader.ctx.redis.exists(leader.ctx.keys.market.clientWatched('spot'))).toBe(0);
  }, 60_000);

  it('keeps a symbol watched while a client on the API process stays subscribed past the TTL', async () => {
    const spot = leader.ctx.feed!.feed('spot')!;
    const ws = await connectWs(wsUrl);
    clients.push(ws);
    ws.send({ op: 'subscribe', channels: ['price:SOLUSDT'] });
    await ws.next((m) => m.op === 'subscribed');
    await waitFor(() => spot.watchedSymbols().includes('SOLUSDT'), 15_000);
    // Two TTLs: only the API process's heartbeat keeps it in the list.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(spot.watchedSymbols()).toContain('SOLUSDT');
    expect(await leader.ctx.realtime.clientWatch.symbols('spot')).toEqual(['SOLUSDT']);
    await ws.close();
  }, 60_000);

  it('the cleanup deletes members no process announced within the TTL and keeps fresh ones', async () => {
    const { redis: client, keys } = leader.ctx;
    const key = keys.market.clientWatched('spot');
    // A process that announced a minute ago and then died; one that announces now.
    await new ClientWatchList(client, keys.market, 5000, () => Date.now() - 60_000).announce('spot', [
      'ADAUSDT',
    ]);
    await leader.ctx.realtime.clientWatch.announce('spot', ['DOGEUSDT']);
    const live = await leader.ctx.realtime.clientWatch.symbols('spot');
    expect(live).toContain('DOGEUSDT');
    expect(live).not.toContain('ADAUSDT');
    const report = await leader.ctx.operations.service.cleanupExpiredData();
    expect(report.removed['client-watched-symbols']).toBe(1);
    expect(await client.zscore(key, 'ADAUSDT')).toBeNull();
    expect(await client.zscore(key, 'DOGEUSDT')).not.toBeNull();
    expect(await client.pttl(key)).toBeGreaterThan(0);
    await client.zrem(key, 'DOGEUSDT');
  });

  it('never watches a symbol the exchange does not list, whatever clients subscribe to', async () => {
    const spot = leader.ctx.feed!.feed('spot')!;
    const exchange = leader.ctx.simulatedExchange!;
    const ws = await connectWs(wsUrl);
    clients.push(ws);
    // Well-formed, so the socket takes it (nothing will ever be sent on it); ADAUSDT is listed.
    ws.send({ op: 'subscribe', channels: ['price:NOTLISTED9', 'price:ADAUSDT'] });
    await ws.next((m) => m.op === 'subscribed');
    await waitFor(() => spot.watchedSymbols().includes('ADAUSDT'), 15_000);
    expect(await leader.ctx.realtime.clientWatch.symbols('spot')).toContain('NOTLISTED9');
    await leader.ctx.feed!.syncClientWatched('spot');
    expect(spot.watchedSymbols()).not.toContain('NOTLISTED9');
    expect(exchange.activeStreams('spot')).not.toContain('notlisted9@aggTrade');
    await ws.close();
  }, 60_000);

  it("prices an alert's symbol that nobody watches (the all-symbol stream), so its alerts still fire", async () => {
    const spot = leader.ctx.feed!.feed('spot')!;
    expect(spot.watchedSymbols()).not.toContain('XRPUSDT');
    const current = await waitFor(() => leader.ctx.market.data.spot.getPrice('XRPUSDT'), 15_000);
    const up = await api.ctx.alerts.create('alice', {
      market: 'spot',
      symbol: 'XRPUSDT',
      targetPrice: addDecimals(current.price, '0.00000001'),
      condition: 'above',
    });
    const down = await api.ctx.alerts.create('alice', {
      market: 'spot',
      symbol: 'XRPUSDT',
      targetPrice: subtractDecimals(current.price, '0.00000001'),
      condition: 'below',
    });
    const fired = await waitFor(async () => {
      const list = await api.ctx.alerts.listNotifications('alice', 50);
      return list.length > 0 ? list : null;
    }, 30_000);
    expect(fired.every((n) => n.alertId === up.id || n.alertId === down.id)).toBe(true);
    expect(spot.watchedSymbols()).not.toContain('XRPUSDT');
  }, 60_000);
});
