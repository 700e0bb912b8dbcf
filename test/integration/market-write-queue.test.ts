import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedMetrics, WriteQueue } from '../../src/market/feed/index.ts';
import { WatchedSymbol } from '../../src/market/feed/watched-symbol.ts';
import { LiveMarket } from '../../src/market/live-market.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import type { ExchangeClient } from '../../src/trading/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let client: Redis;
beforeAll(async () => {
  server = await startTestRedis();
  client = new Redis(server.url);
});
afterAll(async () => {
  client?.disconnect();
  await server?.destroy();
});

const T0 = 1_634_943_780_000; // a minute boundary
const logger = pino({ level: 'silent' });

function setup(options: { maxWrites?: number; maxInFlight?: number } = {}) {
  const live = new LiveMarket({
    redis: client,
    keys: createKeys(`t${randomBytes(4).toString('hex')}`).market,
  });
  const metrics = feedMetrics(new Registry());
  const queue = new WriteQueue({ live, market: 'spot', metrics, logger, ...options });
  return { live, metrics, queue };
}

describe('feed write queue', () => {
  it('runs a deferred write once per flush, with the writer state at the flush', async () => {
    const { live, queue } = setup();
    const writer = {};
    let calls = 0;
    let latest = '';
    for (let i = 1; i <= 50; i++) {
      latest = `100.${String(i).padStart(2, '0')}`;
      queue.defer(writer, (b) => {
        calls++;
        b.stats24h('BTCUSDT', { lastPrice: latest }, { seq: T0 + i, time: T0 + i });
      });
    }
    await queue.flush();
    expect(calls).toBe(1);
    expect((await live.data.spot.getStats24h('BTCUSDT'))?.lastPrice).toBe('100.50');
  });

  it('keeps every price of many flushes under way at once, in order, the newest stored', async () => {
    const { live, queue } = setup({ maxWrites: 10, maxInFlight: 3 });
    for (let i = 0; i < 500; i++)
      queue.add((b) => b.price('ETHUSDT', `2000.${String(i).padStart(3, '0')}`, T0 + i));
    await queue.flush();
    expect(queue.inFlight).toBe(0);
    expect(await live.data.spot.getPrice('ETHUSDT')).toMatchObject({ price: '2000.499', time: T0 + 499 });
    const ticks = await live.prices.spot.getPriceHistory('ETHUSDT', { from: T0, limit: 1000 });
    expect(ticks).toHaveLength(500);
  });

  it('stores the open candles of a watched symbol with every trade counted, written once per flush', async () => {
    const { live, metrics, queue } = setup();
    const w = new WatchedSymbol('BTCUSDT', {
      market: 'spot',
      exchange: {} as ExchangeClient,
      queue,
      metrics,
      logger,
      orderBookDepth: 20,
      onCandleClosed: () => {},
    });
    const trades = ['60000.10', '60100.20', '59900.30', '60050.40'].map((price, i) => ({
      id: 10 + i,
      price,
      quantity: '0.50000000',
      firstTradeId: 100 + 2 * i,
      lastTradeId: 101 + 2 * i,
      time: T0 + 1000 * i,
      buyerIsMaker: i % 2 === 0,
    }));
    for (const t of trades) w.onTrades([t]);
    await queue.flush();
    w.close();
    for (const interval of ['1m', '1h', '1d'] as const) {
      const [c] = await live.prices.spot.getOhlcvData('BTCUSDT', interval, { limit: 1 });
      expect(c).toMatchObject({
        open: '60000.10',
        high: '60100.20',
        low: '59900.30',
        close: '60050.40',
        // As wide as the quantities, as the exchange prints it.
        volume: '2.00000000',
        trades: 8,
      });
    }
  });
});
