import { ErrorCodes, TradecacheError } from '../../errors.ts';
import type { CircuitBreaker } from '../../redis/circuit-breaker.ts';
import { commandTimeoutOf, isCluster, type RedisClient, scanNodes } from '../../redis/client.ts';
import { mgetBufferAcross, unlinkAcross } from '../../redis/multi-key.ts';
import { runScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';

/** A value write: `ttlMs` null keeps the key without expiry (last-good values). */
export interface L2Write {
  key: string;
  bytes: Buffer;
  ttlMs: number | null;
  tagKeys?: readonly string[];
}

/** A value read with its remaining lifetime in Redis (PTTL: -1 no TTL, -2 missing). */
export interface TimedValue {
  bytes: Buffer | null;
  pttlMs: number;
}

const DOWN = new Set(['close', 'end', 'reconnecting']);
const SCAN_COUNT = 500;
/**
 * Keys per coalesced MGET. Small enough that several batches are in flight at once: Redis then
 * answers the next batch while this process decodes the last one, instead of the two taking
 * turns (one 50-key MGET at 50 in flight left Node idle ~20 % of the time).
 */
const MAX_READ_BATCH = 32;

/** Single-key reads waiting for the next coalesced MGET. */
interface ReadBatch {
  keys: string[];
  waiters: { resolve: (value: Buffer | null) => void; reject: (err: unknown) => void }[];
}

/**
 * The Redis tier. Every call passes the circuit breaker and a deadline, and fails fast while the
 * connection is known to be down, so no read waits in ioredis' offline queue. Errors are thrown
 * (REDIS_UNAVAILABLE); the namespace decides what fail-soft means for each operation.
 */
export class RedisTier {
  private readonly deadline: DeadlineSweeper | null;
  private readonly coalesceReads: boolean;
  private batch: ReadBatch | null = null;

  constructor(
    readonly redis: RedisClient,
    private readonly breaker: CircuitBreaker,
    timeoutMs: number,
  ) {
    // ioredis' own commandTimeout already bounds each command: skip our timer on the hot path.
    const own = commandTimeoutOf(redis);
    this.deadline = own === undefined || own > timeoutMs ? new DeadlineSweeper(timeoutMs) : null;
    // A Cluster would refuse an MGET across hash slots; standalone and Sentinel masters accept any.
    this.coalesceReads = !isCluster(redis);
  }

  get breakerState() {
    return this.breaker.current;
  }

  /**
   * One value. Reads issued in the same tick (50 requests in flight, each missing L1) go out as one
   * MGET: Redis and ioredis then pay their per-command cost once per batch instead of once per key,
   * which is what lets a Redis-only hit keep up with a bare GET + JSON.parse.
   */
  get(key: string): Promise<Buffer | null> {
    if (!this.coalesceReads) return this.run('get', () => this.redis.getBuffer(key));
    return new Promise((resolve, reject) => {
      let batch = this.batch;
      if (!batch) {
        const fresh: ReadBatch = { keys: [], waiters: [] };
        this.batch = batch = fresh;
        // nextTick runs once the current microtasks are done: every caller resumed by the same
        // reply has queued its key by then.
        process.nextTick(() => this.flush(fresh));
      }
      batch.keys.push(key);
      batch.waiters.push({ resolve, reject });
      if (batch.keys.length >= MAX_READ_BATCH) this.batch = null;
    });
  }

  private flush(batch: ReadBatch): void {
    if (this.batch === batch) this.batch = null;
    const { keys, waiters } = batch;
    const [first = ''] = keys;
    const read =
      keys.length === 1
        ? this.run('get', async () => [await this.redis.getBuffer(first)])
        : this.run('mget', () => mgetBufferAcross(this.redis, keys));
    read.then(
      (values) => {
        for (let i = 0; i < waiters.length; i++) waiters[i]?.resolve(values[i] ?? null);
      },
      (err: unknown) => {
        for (const waiter of waiters) waiter.reject(err);
      },
    );
  }

  /** MGET, split per hash slot on a Cluster (one MGET per slot, in parallel), values in `keys` order. */
  mget(keys: readonly string[]): Promise<(Buffer | null)[]> {
    return this.run('mget', () => mgetBufferAcross(this.redis, keys));
  }

  async write(writes: readonly L2Write[]): Promise<void> {
    await this.run('set', async () => {
      // Values and tag sets have no common hash tag: per-slot pipelines on a Cluster.
      const pipelines = new SlotPipelines(this.redis);
      for (const w of writes) {
        if (w.ttlMs === null) pipelines.on(w.key).set(w.key, w.bytes);
        else pipelines.on(w.key).set(w.key, w.bytes, 'PX', Math.max(1, Math.ceil(w.ttlMs)));
        for (const tagKey of w.tagKeys ?? []) {
          pipelines.on(tagKey).sadd(tagKey, w.key);
          if (w.ttlMs === null) pipelines.on(tagKey).persist(tagKey);
          else {
            // A tag set lives as long as its longest-lived member: NX sets a first TTL, GT extends.
            const ttl = Math.max(1, Math.ceil(w.ttlMs));
            pipelines.on(tagKey).pexpire(tagKey, ttl, 'NX');
            pipelines.on(tagKey).pexpire(tagKey, ttl, 'GT');
          }
        }
      }
      await execOrThrow(pipelines);
    });
  }

  async unlink(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    // One UNLINK per hash slot on a Cluster (a single one elsewhere), summed.
    return this.run('unlink', () => unlinkAcross(this.redis, keys));
  }

  members(setKey: string): Promise<string[]> {
    return this.run('smembers', () => this.redis.smembers(setKey));
  }

  /**
   * Tries to take the fill lease and, in the same round trip, reads the value: when the lease is
   * ours but a fill finished just before, the value is already there and no factory runs.
   */
  async acquireLease(
    leaseKey: string,
    valueKey: string,
    token: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; current: Buffer | null }> {
    return this.run('lease', async () => {
      // Lease and value have no common hash tag: two masters' pipelines on a Cluster.
      const pipelines = new SlotPipelines(this.redis);
      pipelines.on(leaseKey).set(leaseKey, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      pipelines.on(valueKey).getBuffer(valueKey);
      const [set, get] = await execOrThrow(pipelines);
      return { acquired: set === 'OK', current: (get as Buffer | null) ?? null };
    });
  }

  /**
   * Values with their remaining lifetime (`pttlMs`: -1 no TTL, -2 gone), GET + PTTL per key in
   * one pipeline. For values stored without an envelope, whose freshness only Redis knows.
   */
  getWithTtl(keys: readonly string[]): Promise<TimedValue[]> {
    return this.run('get', async () => {
      const pipelines = new SlotPipelines(this.redis);
      for (const key of keys) {
        pipelines.on(key).getBuffer(key);
        pipelines.on(key).pttl(key);
      }
      const replies = await execOrThrow(pipelines);
      return keys.map((_, i) => ({
        bytes: (replies[2 * i] as Buffer | null) ?? null,
        pttlMs: Number(replies[2 * i + 1] ?? -2),
      }));
    });
  }

  /** `acquireLease` that also reads the value's PTTL, in the same round trip. */
  async acquireLeaseWithTtl(
    leaseKey: string,
    valueKey: string,
    token: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; current: TimedValue }> {
    return this.run('lease', async () => {
      const pipelines = new SlotPipelines(this.redis);
      pipelines.on(leaseKey).set(leaseKey, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      pipelines.on(valueKey).getBuffer(valueKey);
      pipelines.on(valueKey).pttl(valueKey);
      const [set, get, pttl] = await execOrThrow(pipelines);
      return {
        acquired: set === 'OK',
        current: { bytes: (get as Buffer | null) ?? null, pttlMs: Number(pttl ?? -2) },
      };
    });
  }

  releaseLease(leaseKey: string, token: string): Promise<number> {
    return this.run('lease', () => runScript<number>(this.redis, 'release-lease', [leaseKey], [token]));
  }

  publish(channel: string, message: string): Promise<number> {
    return this.run('publish', () => this.redis.publish(channel, message));
  }

  /** SCAN + UNLINK of every key matching `pattern`; never KEYS. Returns the number unlinked. */
  async unlinkMatching(pattern: string, onBatch?: (keys: string[]) => void): Promise<number> {
    let removed = 0;
    // Every master of a Cluster; each SCAN call goes through the breaker like any other command.
    for (const node of scanNodes(this.redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await this.run('scan', () =>
          node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT),
        );
        cursor = next;
        if (keys.length > 0) {
          removed += await this.unlink(keys);
          onBatch?.(keys);
        }
      } while (cursor !== '0');
    }
    return removed;
  }

  /** INCRBY of several counters in one pipeline (one per master on a Cluster). */
  async incrementAll(deltas: ReadonlyMap<string, number>): Promise<void> {
    if (deltas.size === 0) return;
    await this.run('incrby', async () => {
      const pipelines = new SlotPipelines(this.redis);
      for (const [key, delta] of deltas) pipelines.on(key).incrby(key, delta);
      await execOrThrow(pipelines);
    });
  }

  private async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    if (!this.breaker.allow()) {
      throw new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, 'cache L2 circuit is open', {
        context: { operation },
      });
    }
    if (DOWN.has(this.redis.status)) {
      this.breaker.failure();
      throw new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, `redis is ${this.redis.status}`, {
        context: { operation },
      });
    }
    try {
      const result = this.deadline ? await this.deadline.run(call(), operation) : await call();
      this.breaker.success();
      return result;
    } catch (err) {
      this.breaker.failure();
      throw err;
    }
  }
}

async function execOrThrow(pipeline: {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}): Promise<unknown[]> {
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * Bounds calls with one shared sweeper instead of a timer per call: a per-call setTimeout +
 * Promise.race cost ~20 % of L2 read throughput (bench/cache-engine.ts). A call is failed at
 * most 25 % of the deadline late.
 */
class DeadlineSweeper {
  private readonly pending = new Set<{ at: number; fail: () => void }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ms: number) {}

  run<T>(promise: Promise<T>, operation: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = {
        at: Date.now() + this.ms,
        fail: () =>
          reject(
            new TradecacheError(ErrorCodes.REDIS_UNAVAILABLE, `redis did not answer within ${this.ms} ms`, {
              context: { operation },
            }),
          ),
      };
      this.pending.add(entry);
      this.timer ??= setInterval(() => this.sweep(), Math.max(5, this.ms / 4)).unref();
      promise.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (err: unknown) => {
          this.pending.delete(entry);
          reject(err);
        },
      );
    });
  }

  private sweep(): void {
    const now = Date.now();
    for (const entry of this.pending) {
      if (entry.at > now) continue;
      this.pending.delete(entry);
      entry.fail();
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
