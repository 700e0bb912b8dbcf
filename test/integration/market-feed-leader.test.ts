import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MarketSnapshot } from '../../src/market/data/index.ts';
import { CandleReconciler, feedMetrics, WeightBudget, WriteQueue } from '../../src/market/feed/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

let redis: TestRedis;
const apps: TestApp[] = [];
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  for (const a of apps.splice(0)) await a.close();
  await redis?.destroy();
});

const ENV = {
  EXCHANGE: 'simulated',
  FEED_WATCH_SYMBOLS: 'BTCUSDT',
  FEED_INTERVAL_MS: '300',
  FEED_LEASE_TTL_MS: '1200',
};

async function start(env: Record<string, string>) {
  const app = await startTestApp({ REDIS_URL: redis.url, ...ENV, ...env }, { role: 'worker' });
  apps.push(app);
  return app;
}

describe('market feed: one leader per market', () => {
  it('runs on one of two processes; when the leader closes the other takes over and prices keep moving forward', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const a = await start({ REDIS_KEY_PREFIX: prefix });
    const b = await start({ REDIS_KEY_PREFIX: prefix });
    const feedA = a.ctx.feed!.feed('spot')!;
    const feedB = b.ctx.feed!.feed('spot')!;
    await waitFor(() => feedA.isLeader || feedB.isLeader, 10_000);
    const [leader, follower, followerFeed] = feedA.isLeader ? [a, b, feedB] : [b, a, feedA];
    // Several renewals later the follower still waits.
    const read = () => follower.ctx.market.data.spot.getPrice('BTCUSDT');
    const first = await waitFor(read, 15_000);
    expect(followerFeed.isLeader).toBe(false);
    await leader.close();
    apps.splice(apps.indexOf(leader), 1);
    await waitFor(() => followerFeed.isLeader, 10_000);
    const after = await waitFor(async () => {
      const p = await read();
      return p && p.time > first.time ? p : null;
    }, 15_000);
    expect(after.time).toBeGreaterThan(first.time);
  });

  it('with FEED_SOURCE=rest fills price, book, trades and 24h statistics from REST alone', async () => {
    const app = await start({ FEED_SOURCE: 'rest', FEED_STATS_INTERVAL_MS: '1000' });
    const feed = app.ctx.feed!.feed('spot')!;
    const snap = await waitFor(async () => {
      const s: MarketSnapshot = await app.ctx.market.data.spot.getSnapshot('BTCUSDT');
      return s.price && s.orderBook && s.trade && s.stats24h && s.bookTicker ? s : null;
    }, 15_000);
    expect(feed.streamUp).toBe(false);
    expect(snap.stats24h?.lastPrice).toMatch(/^\d+\.\d+$/);
    expect(snap.orderBook!.bids.length).toBeGreaterThanOrEqual(20);
  });

  it('reconciles a closed candle with the exchange kline: the exchange wins and the difference is counted', async () => {
    const app = apps[apps.length - 1]!;
    const metrics = feedMetrics(app.ctx.metrics.registry);
    const queue = new WriteQueue({ live: app.ctx.market, market: 'spot', metrics, logger: app.ctx.logger });
    const reconciler = new CandleReconciler({
      market: 'spot',
      exchange: app.ctx.exchange,
      queue,
      metrics,
      logger: app.ctx.logger,
      budget: new WeightBudget(app.ctx.exchange, 'spot'),
    });
    const openTime = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;
    const ours = {
      interval: '1m' as const,
      openTime,
      closeTime: openTime + 59_999,
      open: '1.0',
      high: '2.0',
      low: '0.5',
      close: '1.5',
      volume: '3',
      quoteVolume: '4.5',
      takerBuyVolume: '0',
      takerBuyQuoteVolume: '0',
      trades: 1,
      firstTradeId: 1,
      lastTradeId: 1,
      closed: true,
    };
    // `tradecache_candle_reconcile_total{result="differ"}` summed over markets and intervals.
    const differCount = async () => {
      const text = await app.ctx.metrics.registry.getSingleMetricAsString(
        'tradecache_candle_reconcile_total',
      );
      let total = 0;
      for (const m of text.matchAll(/result="differ"\} (\d+)/g)) total += Number(m[1]);
      return total;
    };
    const differBefore = await differCount();
    await reconciler.check('ETHUSDT', ours);
    await queue.flush();
    const [kline] = await app.ctx.exchange.getKlines('spot', {
      symbol: 'ETHUSDT',
      interval: '1m',
      startTime: openTime,
      limit: 1,
    });
    const stored = await app.ctx.market.prices.spot.getOhlcvData('ETHUSDT', '1m', {
      from: openTime,
      to: openTime,
    });
    expect(stored[0]).toMatchObject({
      openTime,
      open: kline!.open,
      high: kline!.high,
      close: kline!.close,
      trades: kline!.trades,
    });
    // At least ours: the app's own feed may reconcile a candle of its watched symbols meanwhile.
    expect(await differCount()).toBeGreaterThanOrEqual(differBefore + 1);
  });
});
