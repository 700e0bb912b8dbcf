import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { CacheEntry } from './codec/envelope.ts';
import type { WriteSpec } from './namespace-store.ts';
import type { CacheResult, GetOrSetOptions } from './types.ts';

/**
 * The pure rules of getOrSet, apart from its coordination (fill.ts): how long a value lives,
 * what a stale answer says about itself, and which counter each answer moves.
 */

const DEFAULT_JITTER = 0.1;

/** The counter a getOrSet answer moves, by where the answer came from. */
export const STAT = {
  l1: 'hitsL1',
  l2: 'hitsL2',
  factory: 'misses',
  stale: 'stale',
  'last-good': 'lastGood',
} as const;

/** Lifetimes of a value the factory just produced; the TTL jitter (±10 % by default) spreads expiries. */
export function writeSpecFor(options: GetOrSetOptions, defaultTtlMs: number): WriteSpec {
  const ttl = options.ttlMs ?? defaultTtlMs;
  const jitter = options.jitter ?? DEFAULT_JITTER;
  return {
    ttlMs: Math.max(1, Math.round(ttl * (1 + (Math.random() * 2 - 1) * jitter))),
    graceMs: options.graceMs ?? 0,
    lastGood: options.lastGood ?? false,
    tags: options.tags ?? [],
  };
}

/** An old value served instead of a fresh one: `stale` within its grace, `last-good` beyond. */
export function staleResult<T>(entry: CacheEntry<T>, now: number): CacheResult<T> {
  return {
    value: entry.value,
    source: now < entry.staleUntil ? 'stale' : 'last-good',
    ageMs: now - entry.createdAt,
  };
}

export function timeoutError(redisKey: string, ms: number): TradecacheError {
  return new TradecacheError(
    ErrorCodes.CACHE_FACTORY_TIMEOUT,
    `cache factory did not finish within ${ms} ms`,
    {
      context: { key: redisKey, timeoutMs: ms },
    },
  );
}
