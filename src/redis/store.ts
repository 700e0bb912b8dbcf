import { ErrorCodes, errorMessage, TradecacheError } from '../errors.ts';
import type { FailSoftWarnings } from '../fail-soft-warnings.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { RedisClient } from './client.ts';
import type { RedisHealth } from './health.ts';
import { mgetAcross } from './multi-key.ts';

export interface RedisStoreOptions {
  logger: Logger;
  metrics: Metrics;
  health: RedisHealth;
  /** Failures are logged here, one line per cause and interval (an outage fails every call). */
  warnings: FailSoftWarnings;
  /** Calls made while disconnected beyond this number fail at once instead of queueing. */
  maxOfflineQueue: number;
}

/**
 * The Python platform's JSON helpers (`read_json`, `write_json`, `incr`, `get_int`) under the
 * "return nothing" rule of `failure-rules.ts`, fail-soft as in the
 * Python platform: a Redis error is logged and counted and the call answers "nothing" instead of throwing.
 * Unlike the Python platform, the failure is never silent: it lands in metrics and in /ready.
 */
export class RedisStore {
  private offlinePending = 0;

  constructor(
    readonly client: RedisClient,
    private readonly options: RedisStoreOptions,
  ) {}

  /** Parsed JSON at `key`, or `null` when missing, unparsable or Redis failed. */
  async readJson<T = unknown>(key: string): Promise<T | null> {
    const raw = await this.soft('readJson', key, null, () => this.client.get(key));
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as T;
    } catch (err) {
      this.options.logger.warn(
        { key, err: errorMessage(err) },
        'redis value is not JSON; treated as missing',
      );
      return null;
    }
  }

  /** Writes `value` as JSON, with a TTL in seconds when given. `false` when Redis failed. */
  async writeJson(key: string, value: unknown, ttlSec?: number): Promise<boolean> {
    const payload = JSON.stringify(value);
    return this.soft('writeJson', key, false, async () => {
      if (ttlSec !== undefined) await this.client.set(key, payload, 'EX', ttlSec);
      else await this.client.set(key, payload);
      return true;
    });
  }

  /** INCRBY; the new value, or `null` when Redis failed. */
  async incr(key: string, amount = 1): Promise<number | null> {
    return this.soft('incr', key, null, () => this.client.incrby(key, amount));
  }

  /** Integer at `key`; 0 when missing, not a number, or Redis failed. */
  async getInt(key: string): Promise<number> {
    const raw = await this.soft('getInt', key, null, () => this.client.get(key));
    const value = raw === null ? 0 : Number.parseInt(raw, 10);
    return Number.isFinite(value) ? value : 0;
  }

  /** Several integers in one round trip (MGET); missing or failed → 0. */
  async getInts(keys: readonly string[]): Promise<number[]> {
    if (keys.length === 0) return [];
    const raws = await this.soft('getInts', keys[0] ?? '', null, () => mgetAcross(this.client, keys));
    return keys.map((_, i) => {
      const value = Number.parseInt(raws?.[i] ?? '0', 10);
      return Number.isFinite(value) ? value : 0;
    });
  }

  /**
   * Runs a command and converts its failure into `fallback`. While Redis is down at most
   * `maxOfflineQueue` calls wait in ioredis' offline queue; the rest fail immediately, so a
   * long outage cannot pile up unbounded memory or latency.
   */
  private async soft<T, F>(
    operation: string,
    key: string,
    fallback: F,
    run: () => Promise<T>,
  ): Promise<T | F> {
    let queued = false;
    try {
      if (this.client.status !== 'ready') {
        if (this.offlinePending >= this.options.maxOfflineQueue) {
          throw new TradecacheError(
            ErrorCodes.REDIS_UNAVAILABLE,
            `redis is ${this.client.status}; offline queue full`,
          );
        }
        this.offlinePending += 1;
        queued = true;
      }
      return await run();
    } catch (err) {
      this.options.metrics.redisErrors.inc({ operation });
      this.options.health.recordFailure(err);
      const reason = errorMessage(err);
      this.options.warnings.warn(
        `${operation}:${reason}`,
        { operation, key, err: reason },
        'redis command failed (fail-soft)',
      );
      return fallback;
    } finally {
      if (queued) this.offlinePending -= 1;
    }
  }
}
