import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';
import { LiveMarket } from '../../src/market/live-market.ts';
import { createKeys } from '../../src/redis/keys/index.ts';
import { BIN } from '../helpers/cli.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { waitFor } from '../helpers/wait.ts';

/**
 * Two `tradecache worker` processes share one Redis and one simulated exchange (reached as a
 * Binance-compatible REST and stream base, as production reaches Binance). The leader is
 * killed with SIGKILL, so it neither releases its lease nor flushes: the other must find the
 * lease expired and take over, and the stored price must never go back in time.
 */
const LEASE_TTL_MS = 1500;

let redis: TestRedis;
let sim: SimulatedExchange;
let client: Redis;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  sim = await startSimulatedExchange();
  client = new Redis(redis.url);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  client?.disconnect();
  await sim?.close();
  await redis?.destroy();
});

interface Worker {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<void>;
}

function startWorker(prefix: string): Worker {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      EXCHANGE: 'binance',
      BINANCE_SPOT_URL: sim.spotUrl,
      BINANCE_SPOT_STREAM_URL: sim.spotStreamUrl,
      FEED_WATCH_SYMBOLS: 'BTCUSDT',
      FEED_INTERVAL_MS: '300',
      FEED_LEASE_TTL_MS: String(LEASE_TTL_MS),
      LOG_LEVEL: 'info',
    },
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return { child, output: () => out, exited };
}

const LEADS = 'feed lease taken';

describe('market feed leader killed', () => {
  it('another process takes the lease within about one TTL and prices keep moving forward', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const keys = createKeys(prefix);
    const live = new LiveMarket({ redis: client, keys: keys.market });
    const a = startWorker(prefix);
    const b = startWorker(prefix);
    const leader = await waitFor(() => [a, b].find((w) => w.output().includes(LEADS)), 30_000, 50);
    const follower = leader === a ? b : a;
    // Every price read from now on, in order: the stored time must never go backwards.
    const seen: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const p = await live.data.spot.getPrice('BTCUSDT');
        if (p) seen.push(p.time);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const beforeKill = await waitFor(() => live.data.spot.getPrice('BTCUSDT'), 20_000);
    const heldBy = await client.get(keys.market.feedLease('spot'));
    expect(heldBy).toBeTruthy();
    expect(follower.output()).not.toContain(LEADS);

    leader.child.kill('SIGKILL');
    await leader.exited;
    // The dead leader's lease is only left to expire. The follower tries every TTL/3, so it must
    // lead within one TTL of the lease's last renewal plus one try; the bound (2 TTLs after the
    // kill, plus start-up slack for a loaded machine) is the lease's promise, not a speed check.
    await waitFor(() => follower.output().includes(LEADS), 2 * LEASE_TTL_MS + 1000, 25);
    const now = await client.get(keys.market.feedLease('spot'));
    expect(now).toBeTruthy();
    expect(now).not.toBe(heldBy);

    const after = await waitFor(async () => {
      const p = await live.data.spot.getPrice('BTCUSDT');
      return p && p.time > beforeKill.time ? p : null;
    }, 20_000);
    expect(after.time).toBeGreaterThan(beforeKill.time);
    watching = false;
    await watcher;
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    follower.child.kill('SIGTERM');
    await follower.exited;
  }, 90_000);
});
