import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PriceAlerts } from '../../src/market/alerts/index.ts';
import { LiveMarket } from '../../src/market/live-market.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

/**
 * The feed's alert check visits only the symbols of the checked-symbol index. "Checked" is read
 * where the check script leaves its trace: every symbol it visits gets its last checked price
 * (`keys.alerts.lastChecked`), so a symbol the check skipped keeps the one it had.
 */
let server: TestRedis;
let redis: Redis;
let keys: ReturnType<typeof createKeys>;
let live: LiveMarket;
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url);
});
beforeEach(() => {
  keys = createKeys(`t${randomBytes(4).toString('hex')}`);
  live = new LiveMarket({ redis, keys: keys.market });
});
afterAll(async () => {
  redis?.disconnect();
  await server?.destroy();
});

function alertsWith(graceMs: number) {
  return new PriceAlerts({
    redis,
    keys: keys.alerts,
    maxAlertsPerUser: 100,
    notificationsKept: 100,
    currentPrice: (market, symbol) => live.data[market].getPrice(symbol),
    checkedSymbolGraceMs: graceMs,
  });
}

/** A spot alert of `user` on `symbol` (the create route's path). */
function setAlert(
  alerts: PriceAlerts,
  user: string,
  symbol: string,
  condition: 'above' | 'below',
  targetPrice: string,
  ttlSeconds?: number,
) {
  return alerts.create(user, {
    market: 'spot',
    symbol,
    condition,
    targetPrice,
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  });
}

async function lastChecked(symbol: string): Promise<string | null> {
  return redis.hget(keys.alerts.lastChecked('spot', symbol), 'price');
}

/** One flush's prices: every symbol at `price`. */
function flush(symbols: readonly string[], price: string, time: number) {
  return symbols.map((symbol) => ({ symbol, price, time }));
}

describe('checked symbols', () => {
  it('checks a new alert’s symbol at once, and no symbol without alerts', async () => {
    const alerts = alertsWith(0);
    await live.batch('spot').price('BTCUSDT', '100', T0).flush();
    const alert = await setAlert(alerts, 'ana', 'BTCUSDT', 'above', '105');
    const fired = await alerts.checkPrices('spot', flush(['BTCUSDT', 'ETHUSDT', 'BNBUSDT'], '106', T0 + 1));
    expect(fired.map((n) => n.alertId)).toEqual([alert.id]);
    expect(await lastChecked('BTCUSDT')).toBe('106');
    expect(await lastChecked('ETHUSDT')).toBeNull();
    expect(await lastChecked('BNBUSDT')).toBeNull();
  });

  it('checks at once a symbol another process gave its first alert after this one read the index', async () => {
    const feed = alertsWith(0);
    const api = alertsWith(0);
    await live.batch('spot').price('BTCUSDT', '100', T0).flush();
    await live.batch('spot').price('ETHUSDT', '100', T0).flush();
    await setAlert(api, 'eve', 'BTCUSDT', 'above', '150');
    expect(await feed.checkPrices('spot', flush(['BTCUSDT', 'ETHUSDT'], '101', T0 + 1))).toEqual([]);
    const late = await setAlert(api, 'eve', 'ETHUSDT', 'above', '101.5');
    const fired = await feed.checkPrices('spot', flush(['BTCUSDT', 'ETHUSDT'], '102', T0 + 2));
    expect(fired.map((n) => n.alertId)).toEqual([late.id]);
  });

  it('stops checking a symbol once its last alert is deleted, fired or expired', async () => {
    const alerts = alertsWith(0);
    for (const symbol of ['AAAUSDT', 'BBBUSDT', 'CCCUSDT', 'DDDUSDT']) {
      await live.batch('spot').price(symbol, '100', T0).flush();
    }
    const deleted = await setAlert(alerts, 'bo', 'AAAUSDT', 'above', '200');
    await setAlert(alerts, 'bo', 'BBBUSDT', 'above', '101');
    await setAlert(alerts, 'bo', 'CCCUSDT', 'above', '300', 1);
    // Still holds an alert after the others go: checked throughout.
    await setAlert(alerts, 'bo', 'DDDUSDT', 'above', '500');
    const all = ['AAAUSDT', 'BBBUSDT', 'CCCUSDT', 'DDDUSDT'];

    expect(await alerts.delete('bo', deleted.id)).toBe(true);
    // Fires BBB's alert; AAA is skipped already.
    expect(await alerts.checkPrices('spot', flush(all, '102', T0 + 1))).toHaveLength(1);
    expect(await lastChecked('AAAUSDT')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await alerts.cleanup()).toMatchObject({ expiredRemoved: 1 });

    expect(await alerts.checkPrices('spot', flush(all, '103', T0 + 2))).toEqual([]);
    expect(await lastChecked('AAAUSDT')).toBeNull();
    expect(await lastChecked('BBBUSDT')).toBe('102');
    expect(await lastChecked('CCCUSDT')).toBe('102');
    expect(await lastChecked('DDDUSDT')).toBe('103');
    expect([...(await alerts.checkedSymbols.list('spot'))]).toEqual(['DDDUSDT']);
  });

  it('keeps checking a symbol within the grace of its newest alert, then lets it go', async () => {
    const alerts = alertsWith(300);
    await live.batch('spot').price('BTCUSDT', '100', T0).flush();
    const alert = await setAlert(alerts, 'cy', 'BTCUSDT', 'below', '90');
    // A create still under way elsewhere may have marked the symbol without adding its alert.
    await alerts.delete('cy', alert.id);
    await alerts.checkPrices('spot', flush(['BTCUSDT'], '99', T0 + 1));
    expect(await lastChecked('BTCUSDT')).toBe('99');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await alerts.checkPrices('spot', flush(['BTCUSDT'], '98', T0 + 2));
    expect(await lastChecked('BTCUSDT')).toBe('98');
    // That check saw the sets empty past the grace: the symbol left the index.
    await alerts.checkPrices('spot', flush(['BTCUSDT'], '97', T0 + 3));
    expect(await lastChecked('BTCUSDT')).toBe('98');
  });

  it('rebuilds an index lost or never built from the symbols holding alerts', async () => {
    const alerts = alertsWith(0);
    await live.batch('spot').price('BTCUSDT', '100', T0).flush();
    await live.batch('spot').price('ETHUSDT', '100', T0).flush();
    const alert = await setAlert(alerts, 'di', 'BTCUSDT', 'above', '110');
    const gone = await setAlert(alerts, 'di', 'ETHUSDT', 'above', '110');
    await alerts.delete('di', gone.id);
    // Data written before the index existed (or a key deleted by hand): no index at all.
    await redis.del(keys.alerts.checkedSymbols('spot'));
    const fired = await alerts.checkPrices('spot', flush(['BTCUSDT', 'ETHUSDT'], '111', T0 + 1));
    expect(fired.map((n) => n.alertId)).toEqual([alert.id]);
    expect(await lastChecked('ETHUSDT')).toBeNull();
  });
});
