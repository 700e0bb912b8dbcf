import type { Redis } from 'ioredis';
import { alertSymbolKeys, type CheckedPrice, PriceAlerts } from '../src/market/alerts/index.ts';
import type { StoredAlert } from '../src/market/alerts/types.ts';
import type { AlertKeys } from '../src/redis/keys/index.ts';
import { queueScript, scriptPipeline } from '../src/redis/scripts.ts';
import type { BenchResult } from './report.ts';

/**
 * Alert check throughput: prices per second through the matching script (`checkPrices`, the
 * feed's seam: one pipelined `alert-check` call per symbol and price) with 1k and with 1M active
 * alerts, each spread over its own 500 symbols in the same redis-server. Rounds alternate
 * between the two sets, so both see the same machine load and the same Redis memory.
 *
 * Alerts are created with the create path's own script (`alert-create`, pipelined) on the keys
 * the key registry builds, so the check sees them exactly as real alerts; only the per-user
 * index and cap (which the check never reads) are left out. Targets sit far from the checked
 * prices (above: 2-3× the price, below: 0.2-0.5×), so no round fires one and the figure is
 * the O(log N) lookup itself.
 */
const SYMBOLS = 500;
const SMALL = 1_000;
const LARGE = 1_000_000;
const SEED_BATCH = 5_000;
const ROUNDS = 40;

export async function runAlertCheckBench(redis: Redis): Promise<BenchResult['rows']> {
  const { createKeys } = await import('../src/redis/keys/index.ts');
  const keys = createKeys('alertbench').alerts;
  const alerts = new PriceAlerts({
    redis,
    keys,
    maxAlertsPerUser: LARGE,
    notificationsKept: 10,
    currentPrice: async () => null,
  });
  const small = symbolSet('K', SYMBOLS);
  const large = symbolSet('M', SYMBOLS);
  const memoryBefore = await usedMemory(redis);
  await seed(redis, keys, small, SMALL);
  const memorySmall = await usedMemory(redis);
  const seedStarted = performance.now();
  await seed(redis, keys, large, LARGE);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const memoryLarge = await usedMemory(redis);

  // Warm-up of both sets (script cache, JIT), then alternating measured rounds.
  for (let r = 0; r < 3; r++) {
    await alerts.checkPrices('spot', prices(small, r));
    await alerts.checkPrices('spot', prices(large, r));
  }
  const spent = { small: 0, large: 0 };
  for (let r = 3; r < ROUNDS + 3; r++) {
    for (const [name, set] of [
      ['small', small],
      ['large', large],
    ] as const) {
      const batch = prices(set, r);
      const started = performance.now();
      const fired = await alerts.checkPrices('spot', batch);
      spent[name] += performance.now() - started;
      if (fired.length > 0)
        throw new Error('a benchmark price reached a target: the figures would mix in triggers');
    }
  }
  const smallRate = (SYMBOLS * ROUNDS) / (spent.small / 1000);
  const largeRate = (SYMBOLS * ROUNDS) / (spent.large / 1000);
  return [
    {
      label: `alert check, ${SMALL.toLocaleString('en-US')} active alerts (baseline)`,
      value: smallRate,
      unit: 'prices/s',
    },
    {
      label: `alert check, ${LARGE.toLocaleString('en-US')} active alerts`,
      value: largeRate,
      unit: 'prices/s',
    },
    { label: '  1M / 1k (target ≥ 0.8)', value: largeRate / smallRate, unit: '×' },
    {
      label: '  creating the 1M alerts (pipelined alert-create)',
      value: LARGE / seedSeconds,
      unit: 'alerts/s',
    },
    {
      label: '  test Redis used_memory with 1k alerts',
      value: (memorySmall - memoryBefore) / 2 ** 20,
      unit: 'MiB',
    },
    {
      label: '  test Redis used_memory added by the 1M alerts',
      value: (memoryLarge - memorySmall) / 2 ** 20,
      unit: 'MiB',
    },
    { label: '  per alert', value: (memoryLarge - memorySmall) / LARGE, unit: 'bytes' },
  ];
}

interface BenchSymbol {
  readonly symbol: string;
  /** The price the checks wander around, in cents. */
  readonly cents: number;
}

function symbolSet(letter: string, count: number): BenchSymbol[] {
  return Array.from({ length: count }, (_, i) => ({
    symbol: `${letter}${String(i).padStart(4, '0')}USDT`,
    cents: 1_000 + i * 997,
  }));
}

/** Cents as a plain decimal string ("12.34"): exact, no Number formatting of a price. */
function decimal(cents: number): string {
  const s = String(cents).padStart(3, '0');
  return `${s.slice(0, -2)}.${s.slice(-2)}`;
}

/** One price per symbol, within ±1 % of its base, different each round. */
function prices(set: readonly BenchSymbol[], round: number): CheckedPrice[] {
  const time = 1_700_000_000_000 + round * 1000;
  return set.map((s, i) => {
    const swing = Math.floor(s.cents / 100);
    const offset = ((round * 7 + i * 13) % (2 * swing + 1)) - swing;
    return { symbol: s.symbol, price: decimal(s.cents + offset), time };
  });
}

/** `count` alerts spread evenly over `set`: above, below and crosses, targets far from the price. */
async function seed(
  redis: Redis,
  keys: AlertKeys,
  set: readonly BenchSymbol[],
  count: number,
): Promise<void> {
  // The first check builds its checked-symbol index from this set (the symbols with targets).
  await redis.sadd(keys.symbolsWithAlerts, ...set.map((s) => `spot:${s.symbol}`));
  const createdAt = Date.now();
  for (let start = 0; start < count; start += SEED_BATCH) {
    const pipeline = scriptPipeline(redis);
    for (let n = start; n < Math.min(count, start + SEED_BATCH); n++) {
      const s = set[n % set.length] as BenchSymbol;
      const condition = (['above', 'below', 'crosses'] as const)[n % 3] as StoredAlert['condition'];
      const high = n % 2 === 0;
      const up = condition === 'above' || (condition === 'crosses' && high);
      // above: 2-3× the base; below: 0.2-0.5× (spread so the ZSETs hold distinct scores).
      const spread = (n * 7919) % 100_000;
      const cents = up
        ? s.cents * 2 + Math.floor((s.cents * spread) / 100_000)
        : Math.floor(s.cents / 5) + Math.floor((s.cents * 3 * spread) / 1_000_000);
      const id = `al_${n.toString(16).padStart(24, '0')}`;
      const record: StoredAlert = {
        id,
        userId: `u${n % 5000}`,
        market: 'spot',
        symbol: s.symbol,
        condition,
        targetPrice: decimal(cents),
        status: 'active',
        createdAt,
        expiresAt: null,
      };
      queueScript(pipeline, 'alert-create', alertSymbolKeys(keys, 'spot', s.symbol), [
        id,
        JSON.stringify(record),
        condition,
        record.targetPrice,
        decimal(s.cents),
        createdAt,
        '',
      ]);
    }
    const results = (await pipeline.exec()) ?? [];
    for (const [err, reply] of results) {
      if (err) throw err;
      if ((reply as unknown[])[0] !== 1) throw new Error('a seeded alert was not added as active');
    }
  }
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
}
