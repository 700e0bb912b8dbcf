import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import keySlot from 'cluster-key-slot';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheEngine, type CacheNamespace, createCacheEngine } from '../../src/cache/index.ts';
import { createRedisClient } from '../../src/redis/connection.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { ClusterResharder } from '../helpers/cluster-reshard.ts';

/**
 * Slots move between masters while the app serves: the cache engine's writes and reads (values
 * with tag sets, per-master pipelines, MGET split per slot), price alert creates and lists over
 * HTTP (6-key Lua scripts) and market write batches (several symbols per flush). Hot slots are
 * held half-migrated so the traffic meets ASK and TRYAGAIN, not only MOVED afterwards.
 */

const PREFIX = 'rs';
const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'BNBUSDT', 'XRPUSDT', 'ADAUSDT'];
const USER = 'reshard-user';
/**
 * How long a hot slot stays half-migrated: longer than ioredis' own TRYAGAIN budget (16 × 50 ms),
 * so the data layer's retries (migrating-retry.ts) are what keep its scripts and MGETs alive.
 */
const MIDWAY_MS = 2_500;

interface Entry {
  key: string;
  round: number;
}

let cluster: TestCluster;
let app: TestApp;
let dataDir: string;
let resharder: ClusterResharder;
let engine: CacheEngine | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-reshard-'));
  app = await startTestApp({
    ...cluster.env(),
    REDIS_KEY_PREFIX: PREFIX,
    EXCHANGE: 'simulated',
    TRADECACHE_DATA_DIR: dataDir,
    MAX_ALERTS_PER_USER: '100000',
    // The traffic below is one client address far past a person's request rate.
    HTTP_RATE_LIMIT_PER_MIN: '10000000',
  });
  resharder = new ClusterResharder(cluster);
}, 90_000);
afterAll(async () => {
  resharder?.close();
  await engine?.close();
  await app?.close();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

/** Cache keys: 40 that share the slot of the first symbol's market keys, and 200 spread ones. */
function cacheKeys(valueKey: (key: string) => string, hotSlot: number): string[] {
  const hot: string[] = [];
  for (let i = 0; hot.length < 40; i++) if (keySlot(valueKey(`h${i}`)) === hotSlot) hot.push(`h${i}`);
  return [...hot, ...Array.from({ length: 200 }, (_, i) => `c${i}`)];
}

describe('resharding under traffic', () => {
  it('loses no write and fails no request while slots move between masters (MOVED, ASK, TRYAGAIN)', async () => {
    const { keys: k } = app.ctx;
    const engineWarnings: string[] = [];
    // The app's own command connection, with an L2 deadline above the longest migration pause: the
    // product's 1 s deadline would (by design) fail soft a read the migration holds longer.
    engine = createCacheEngine({
      redis: app.ctx.redis,
      subscriber: () => createRedisClient(app.ctx.config.redis, { role: 'subscriber' }),
      prefix: k.cache.root,
      // Its fail-soft warnings name the Redis error behind a failed write, for the failure message.
      logger: pino({ level: 'warn' }, { write: (line: string) => void engineWarnings.push(line) }),
      l2TimeoutMs: 30_000,
    });
    await engine.ready();
    const ns: CacheNamespace<Entry> = engine.namespace<Entry>('reshard', { l1: false, ttlMs: 600_000 });
    const valueKey = (key: string) => k.cache.namespace('reshard').value(key);
    const marketSlot = keySlot(k.market.price('spot', SYMBOLS[0] as string));
    const names = cacheKeys(valueKey, marketSlot);
    const apiKey = await app.ctx.sessions.users.addUser(USER);
    const login = await app.http.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { userId: USER, apiKey },
    });
    const auth = { authorization: `Bearer ${login.json().token}` };
    await app.ctx.market.batch('spot').price('BTCUSDT', '60000.00000000', Date.now()).flush();

    const failures: string[] = [];
    const acked = new Map<string, number>(); // cache key → last acknowledged round
    const prices = new Map<string, string>(); // symbol → last acknowledged price
    const alertIds: string[] = [];
    const ops = { cache: 0, alerts: 0, market: 0 };
    let running = true;

    const cacheTraffic = async () => {
      for (let round = 1; running; round++) {
        // A batch of 20 with tag sets (per-master pipelines), then reads of everything written.
        for (let i = 0; i < names.length && running; i += 20) {
          const batch = names.slice(i, i + 20);
          const ok = await ns.setMany(
            batch.map((key) => ({ key, value: { key, round }, tags: [`g${i % 3}`] })),
          );
          if (!ok) failures.push(`cache setMany round ${round} at ${i}: ${engineWarnings.at(-1)}`);
          else for (const key of batch) acked.set(key, round);
          const before = new Map(batch.map((key) => [key, acked.get(key) ?? 0]));
          const read = await ns.getMany(batch);
          batch.forEach((key, j) => {
            const got = read[j];
            const last = before.get(key) ?? 0;
            // A key whose every write failed may be missing; one acknowledged must read back.
            if ((last > 0 && !got) || (got && got.round < last))
              failures.push(`cache read ${key}: ${JSON.stringify(got)} ${engineWarnings.at(-1)}`);
          });
          ops.cache++;
        }
      }
    };
    const alertTraffic = async () => {
      for (let n = 1; running; n++) {
        const created = await app.http.inject({
          method: 'POST',
          url: '/api/v1/cache/price-alert',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify({ symbol: 'BTCUSDT', targetPrice: `${70000 + n}.5`, condition: 'above' }),
        });
        if (created.statusCode !== 201) failures.push(`alert create ${created.statusCode} ${created.body}`);
        else alertIds.push(created.json().id);
        const listed = await app.http.inject({ url: '/api/v1/cache/price-alerts', headers: auth });
        if (listed.statusCode !== 200) failures.push(`alert list ${listed.statusCode} ${listed.body}`);
        else if (listed.json().alerts.length < alertIds.length)
          failures.push(`alert list has ${listed.json().alerts.length} of ${alertIds.length}`);
        ops.alerts++;
      }
    };
    const marketTraffic = async () => {
      for (let seq = 1; running; seq++) {
        const batch = app.ctx.market.batch('spot');
        const time = Date.now();
        for (const symbol of SYMBOLS)
          batch.price(symbol, `${1000 + seq}.${symbol.length}`, time, time * 1000 + seq);
        try {
          await batch.flush();
          for (const symbol of SYMBOLS) prices.set(symbol, `${1000 + seq}.${symbol.length}`);
        } catch (err) {
          failures.push(`market flush: ${(err as Error).message}`);
        }
        ops.market++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    const traffic = Promise.all([cacheTraffic(), alertTraffic(), marketTraffic()]);

    // Every slot holding a key of the traffic moves to the next master (each master gives and takes).
    const redirectsBefore = await resharder.redirections();
    const hotSlots = new Set([
      marketSlot,
      keySlot(k.alerts.records('spot', 'BTCUSDT')),
      keySlot(k.alerts.userAlerts(USER)),
    ]);
    const slots = new Set([
      ...hotSlots,
      ...names.map((key) => keySlot(valueKey(key))),
      ...SYMBOLS.map((symbol) => keySlot(k.market.price('spot', symbol))),
      ...[0, 1, 2].map((g) => keySlot(k.cache.namespace('reshard').tag(`g${g}`))),
    ]);
    const masters = (await resharder.masters()).map((m) => m.address).sort();
    const planned = new Map<number, string>();
    for (const slot of slots) {
      const owner = await resharder.ownerOf(slot);
      planned.set(slot, masters[(masters.indexOf(owner) + 1) % masters.length] as string);
    }
    const midway = () => new Promise<void>((resolve) => setTimeout(resolve, MIDWAY_MS));
    for (const [slot, to] of planned)
      await resharder.moveSlot(slot, to, hotSlots.has(slot) ? midway : undefined);
    // Traffic goes on after the last move, on the new layout.
    const settled = { ...ops };
    while (
      ops.cache < settled.cache + 5 ||
      ops.alerts < settled.alerts + 5 ||
      ops.market < settled.market + 5
    )
      await new Promise((resolve) => setTimeout(resolve, 20));
    running = false;
    await traffic;

    expect(failures).toEqual([]);
    const redirects = await resharder.redirections();
    expect(redirects.MOVED).toBeGreaterThan(redirectsBefore.MOVED);
    expect(redirects.ASK).toBeGreaterThan(redirectsBefore.ASK);
    // Scripts and MGETs whose keys the half-way migration split between two masters.
    expect(redirects.TRYAGAIN).toBeGreaterThan(redirectsBefore.TRYAGAIN);

    // Every slot is where it was sent, and every acknowledged write reads back from there.
    const after = await resharder.masters();
    for (const [slot, to] of planned) expect(after.find((m) => m.slots.has(slot))?.address).toBe(to);
    const node = (address: string) => {
      const found = cluster.nodes.find((n) => n.address === address);
      if (!found) throw new Error(address);
      return cluster.nodeClient(found);
    };
    const direct = new Map(masters.map((address) => [address, node(address)]));
    for (const client of direct.values()) await client.connect();
    const onOwner = async (redisKey: string) =>
      direct.get(planned.get(keySlot(redisKey)) as string)?.exists(redisKey);
    const values = await ns.getMany(names);
    expect(Object.fromEntries(names.map((key, i) => [key, values[i]?.round]))).toEqual(
      Object.fromEntries(acked),
    );
    for (const key of names) expect(await onOwner(valueKey(key)), key).toBe(1);
    for (const symbol of SYMBOLS) {
      expect((await app.ctx.market.prices.spot.getCurrentPrice(symbol))?.price).toBe(prices.get(symbol));
      expect(await onOwner(k.market.price('spot', symbol)), symbol).toBe(1);
    }
    const listed = await app.http.inject({ url: '/api/v1/cache/price-alerts', headers: auth });
    expect(
      listed
        .json()
        .alerts.map((a: { id: string }) => a.id)
        .sort(),
    ).toEqual([...alertIds].sort());
    expect(await onOwner(k.alerts.records('spot', 'BTCUSDT'))).toBe(1);
    expect(await onOwner(k.alerts.userAlerts(USER))).toBe(1);
  }, 120_000);
});
