import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../src/errors.ts';
import { PriceAlerts } from '../../src/market/alerts/index.ts';
import { LiveMarket } from '../../src/market/live-market.ts';
import type { RedisClient } from '../../src/redis/client.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let clients: RedisClient[] = [];
let keys: ReturnType<typeof createKeys>;
let live: LiveMarket;
const T0 = 1_700_000_000_000;

beforeAll(async () => {
  server = await startTestRedis();
  // Eight connections: the concurrent checkers run on separate clients, like separate processes.
  clients = Array.from({ length: 8 }, () => server.client({ lazyConnect: false }));
});
beforeEach(() => {
  keys = createKeys(`t${randomBytes(4).toString('hex')}`);
  live = new LiveMarket({ redis: clients[0] as RedisClient, keys: keys.market });
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await server?.destroy();
});

function alertsOn(client: RedisClient, options: { max?: number; now?: () => number } = {}) {
  return new PriceAlerts({
    redis: client,
    keys: keys.alerts,
    maxAlertsPerUser: options.max ?? 200,
    notificationsKept: 5000,
    currentPrice: (market, symbol) => live.data[market].getPrice(symbol),
    ...(options.now ? { now: options.now } : {}),
  });
}

async function setPrice(symbol: string, price: string, time: number) {
  await live.batch('spot').price(symbol, price, time).flush();
}

describe('matching', () => {
  it('fires each alert exactly once with eight checkers fed the same price path at once', async () => {
    const alerts = alertsOn(clients[0] as RedisClient, { max: 10_000 });
    await setPrice('BTCUSDT', '100.00', T0);
    const ids: string[] = [];
    for (let i = 1; i <= 150; i++) {
      const above = await alerts.create('alice', {
        symbol: 'BTCUSDT',
        market: 'spot',
        targetPrice: `${100 + i}.00`,
        condition: 'above',
      });
      const below = await alerts.create('bob', {
        symbol: 'BTCUSDT',
        market: 'spot',
        targetPrice: `${100 - i / 2}`,
        condition: 'crosses',
      });
      ids.push(above.id, below.id);
    }
    const path: { symbol: string; price: string; time: number }[] = [];
    for (let step = 0; step < 60; step++) {
      // Up to 250, down to 25 and back: every target is crossed, several times.
      const price = step < 20 ? 100 + step * 8 : step < 40 ? 260 - (step - 20) * 12 : 20 + (step - 40) * 12;
      path.push({ symbol: 'BTCUSDT', price: `${price}.00`, time: T0 + 1000 + step });
    }
    const checkers = clients.map((client) => alertsOn(client, { max: 10_000 }));
    const fired = (
      await Promise.all(
        checkers.map(async (checker) => {
          const out = [];
          for (const point of path) out.push(...(await checker.checkPrices('spot', [point])));
          return out;
        }),
      )
    ).flat();
    expect(fired).toHaveLength(300);
    expect(new Set(fired.map((n) => n.alertId))).toEqual(new Set(ids));
    const listed = [
      ...(await alerts.listNotifications('alice', 500)),
      ...(await alerts.listNotifications('bob', 500)),
    ];
    expect(listed).toHaveLength(300);
    expect(new Set(listed.map((n) => n.alertId)).size).toBe(300);
    expect(await alerts.list('alice', 'active')).toEqual([]);
    expect(await alerts.list('alice', 'triggered')).toHaveLength(150);
  });

  it('fires all of 1,000+ targets a single price jump goes over, once', async () => {
    const alerts = alertsOn(clients[0] as RedisClient, { max: 2000 });
    for (let i = 0; i < 1200; i++) {
      await alerts.create('carol', {
        symbol: 'ETHUSDT',
        market: 'spot',
        targetPrice: `2000.${String(i).padStart(4, '0')}`,
        condition: 'above',
      });
    }
    const checkers = clients.map((client) => alertsOn(client));
    const jump = { symbol: 'ETHUSDT', price: '2500', time: T0 };
    const fired = (await Promise.all(checkers.map((c) => c.checkPrices('spot', [jump])))).flat();
    expect(fired).toHaveLength(1200);
    expect(await alerts.listNotifications('carol', 500)).toHaveLength(500);
    expect((await clients[0]?.zcard(keys.alerts.notifications('carol'))) ?? 0).toBe(1200);
    expect(await alerts.checkPrices('spot', [{ ...jump, time: T0 + 1 }])).toEqual([]);
  });

  it('fires crosses in either direction, relative to the price at creation', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    await setPrice('BTCUSDT', '60000', T0);
    const up = await alerts.create('u1', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '61000',
      condition: 'crosses',
    });
    const down = await alerts.create('u1', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '59000',
      condition: 'crosses',
    });
    expect(await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '59500', time: T0 + 1 }])).toEqual(
      [],
    );
    const first = await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '58999.99', time: T0 + 2 }]);
    expect(first.map((n) => n.alertId)).toEqual([down.id]);
    expect(first[0]).toMatchObject({ price: '58999.99', targetPrice: '59000', condition: 'crosses' });
    const second = await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '61000.5', time: T0 + 3 }]);
    expect(second.map((n) => n.alertId)).toEqual([up.id]);
    expect(second[0]?.triggeredAt).toBe(new Date(T0 + 3).toISOString());
  });

  it('fires above and below when the price equals the target, and at once when it is already there', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    await setPrice('SOLUSDT', '150.00', T0);
    const above = await alerts.create('u2', {
      symbol: 'SOLUSDT',
      market: 'spot',
      targetPrice: '151',
      condition: 'above',
    });
    await setPrice('SOLUSDT', '152.00', T0 + 1);
    const below = await alerts.create('u2', {
      symbol: 'SOLUSDT',
      market: 'spot',
      targetPrice: '151.0',
      condition: 'below',
    });
    expect(below.status).toBe('active');
    const fired = await alerts.checkPrices('spot', [
      { symbol: 'SOLUSDT', price: '151.00000000', time: T0 + 2 },
    ]);
    expect(new Set(fired.map((n) => n.alertId))).toEqual(new Set([above.id, below.id]));
    const already = await alerts.create('u2', {
      symbol: 'SOLUSDT',
      market: 'spot',
      targetPrice: '149.9',
      condition: 'above',
    });
    expect(already.status).toBe('triggered');
    const equal = await alerts.create('u2', {
      symbol: 'SOLUSDT',
      market: 'spot',
      targetPrice: '151.000',
      condition: 'crosses',
    });
    expect(equal.status).toBe('triggered');
    expect((await alerts.listNotifications('u2', 10)).map((n) => n.alertId)).toEqual(
      expect.arrayContaining([already.id, equal.id]),
    );
  });

  it('compares exactly at the decimal edge: 0.00000001 steps, trailing zeros, targets a double cannot tell apart', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    await setPrice('PEPEUSDT', '0.00000100', T0);
    const a = await alerts.create('u3', {
      symbol: 'PEPEUSDT',
      market: 'spot',
      targetPrice: '0.00000102',
      condition: 'above',
    });
    const check = (price: string, t: number) =>
      alerts.checkPrices('spot', [{ symbol: 'PEPEUSDT', price, time: T0 + t }]);
    expect(await check('0.00000101', 1)).toEqual([]);
    expect((await check('0.0000010200', 2)).map((n) => n.alertId)).toEqual([a.id]);

    // 1 and 1.00000000000000001 are the same double: only the exact comparison keeps it from firing.
    await setPrice('XRPUSDT', '0.5', T0);
    const b = await alerts.create('u3', {
      symbol: 'XRPUSDT',
      market: 'spot',
      targetPrice: '1.00000000000000001',
      condition: 'above',
    });
    const c = await alerts.create('u3', {
      symbol: 'XRPUSDT',
      market: 'spot',
      targetPrice: '0.99999999999999999',
      condition: 'above',
    });
    const atOne = await alerts.checkPrices('spot', [
      { symbol: 'XRPUSDT', price: '1.00000000', time: T0 + 3 },
    ]);
    expect(atOne.map((n) => n.alertId)).toEqual([c.id]);
    const past = await alerts.checkPrices('spot', [
      { symbol: 'XRPUSDT', price: '1.00000000000000001', time: T0 + 4 },
    ]);
    expect(past.map((n) => n.alertId)).toEqual([b.id]);
  });
});

describe('lifetime and ownership', () => {
  it('never fires an expired alert, and the cleanup removes it', async () => {
    let now = Date.now();
    const alerts = alertsOn(clients[0] as RedisClient, { now: () => now });
    const expiring = await alerts.create('u4', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '70000',
      condition: 'above',
      ttlSeconds: 1,
    });
    expect(expiring.expiresAt).toBe(new Date(now + 1000).toISOString());
    await new Promise((resolve) => setTimeout(resolve, 1100));
    now = Date.now();
    expect(await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '71000', time: now }])).toEqual([]);
    expect((await alerts.list('u4', 'all')).map((a) => a.status)).toEqual(['expired']);
    expect(await alerts.cleanup()).toMatchObject({ expiredRemoved: 1 });
    expect(await alerts.list('u4', 'all')).toEqual([]);
    expect(await alerts.listNotifications('u4', 10)).toEqual([]);
  });

  it('never fires a deleted alert; another user can neither list nor delete it', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    const mine = await alerts.create('dave', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '80000',
      condition: 'above',
    });
    expect(await alerts.list('erin')).toEqual([]);
    expect(await alerts.delete('erin', mine.id)).toBe(false);
    expect((await alerts.list('dave')).map((a) => a.id)).toEqual([mine.id]);
    expect(await alerts.delete('dave', mine.id)).toBe(true);
    expect(await alerts.delete('dave', mine.id)).toBe(false);
    expect(await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '90000', time: T0 }])).toEqual([]);
    expect(await alerts.listNotifications('dave', 10)).toEqual([]);
  });

  it('refuses an alert past the per-user cap with CONFLICT, and counts only active ones', async () => {
    const alerts = alertsOn(clients[0] as RedisClient, { max: 3 });
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push(
        await alerts.create('frank', {
          symbol: 'BTCUSDT',
          market: 'spot',
          targetPrice: `${90000 + i}`,
          condition: 'above',
        }),
      );
    }
    await expect(
      alerts.create('frank', { symbol: 'BTCUSDT', market: 'spot', targetPrice: '95000', condition: 'above' }),
    ).rejects.toMatchObject({ code: ErrorCodes.CONFLICT });
    await alerts.checkPrices('spot', [{ symbol: 'BTCUSDT', price: '90000', time: T0 }]);
    const again = await alerts.create('frank', {
      symbol: 'BTCUSDT',
      market: 'spot',
      targetPrice: '95000',
      condition: 'above',
    });
    expect(again.status).toBe('active');
  });

  it('refuses a crosses alert without any price to know its direction', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    await expect(
      alerts.create('gina', {
        symbol: 'NOPRICEUSDT',
        market: 'spot',
        targetPrice: '1',
        condition: 'crosses',
      }),
    ).rejects.toMatchObject({ code: ErrorCodes.CONFLICT });
    expect(await alerts.list('gina', 'all')).toEqual([]);
  });

  it('delivers a trigger a dead checker left in the outbox, once', async () => {
    const alerts = alertsOn(clients[0] as RedisClient);
    const alert = await alerts.create('hal', {
      symbol: 'BNBUSDT',
      market: 'spot',
      targetPrice: '600',
      condition: 'above',
    });
    // The check script ran but the process died before delivering: the trigger sits in the outbox.
    const { runScript } = await import('../../src/redis/scripts.ts');
    const k = keys.alerts;
    await runScript(
      clients[0] as RedisClient,
      'alert-check',
      [
        k.targets('spot', 'BNBUSDT', 'above'),
        k.targets('spot', 'BNBUSDT', 'below'),
        k.records('spot', 'BNBUSDT'),
        k.lastChecked('spot', 'BNBUSDT'),
        k.expiring('spot', 'BNBUSDT'),
        k.outbox('spot', 'BNBUSDT'),
      ],
      ['601', T0, 100],
    );
    expect(await alerts.listNotifications('hal', 10)).toEqual([]);
    expect(await alerts.notifications.recover(0, Date.now() + 1000)).toBe(1);
    expect(await alerts.notifications.recover(0, Date.now() + 1000)).toBe(0);
    expect((await alerts.listNotifications('hal', 10)).map((n) => n.alertId)).toEqual([alert.id]);
  });
});
