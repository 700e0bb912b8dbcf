import path from 'node:path';
import { parseKeyring } from '../cache/crypto/aes-gcm.ts';
import { asset, assetList, bool, type Env, httpUrl, int, invalid, oneOf, read } from './parse.ts';
import { resolveSentinel } from './redis-sentinel.ts';
import { type ResolvedRedisUrl, refuseRedisCluster, resolveRedisUrl } from './redis-url.ts';
import type { Config, LogLevel } from './types.ts';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Parses the environment once into a frozen Config. Throws a CONFIG_INVALID error naming the
 * first bad variable. This is the only function that reads environment variables.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  const e: Env = { ...env, ...overrides };
  refuseRedisCluster(e);
  // Sentinel, when configured, wins over every URL setting (those are not even checked).
  const sentinel = resolveSentinel(e);
  const redisUrl: ResolvedRedisUrl = sentinel
    ? { url: null, source: 'REDIS_SENTINELS', tls: bool(e, 'REDIS_TLS', false) }
    : resolveRedisUrl(e);
  const keyPrefix = read(e, 'REDIS_KEY_PREFIX') ?? 'tradecache';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(keyPrefix)) {
    throw invalid('REDIS_KEY_PREFIX', 'expected 1-64 characters of A-Z a-z 0-9 _ . -');
  }
  const config: Config = {
    redis: {
      ...redisUrl,
      sentinel,
      maxConnections: int(e, 'REDIS_MAX_CONNECTIONS', 10, 4, 10_000),
      keyPrefix,
      commandTimeoutMs: int(e, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 10, 600_000),
      maxOfflineQueue: int(e, 'REDIS_MAX_OFFLINE_QUEUE', 1000, 0, 1_000_000),
    },
    http: {
      host: read(e, 'HOST') ?? '127.0.0.1',
      port: int(e, 'PORT', 8000, 0, 65535),
    },
    dataDir: path.resolve(read(e, 'TRADECACHE_DATA_DIR') ?? './.tradecache'),
    exchange: {
      kind: oneOf(e, 'EXCHANGE', ['binance', 'simulated'] as const, 'binance'),
      spotUrl: httpUrl(e, 'BINANCE_SPOT_URL', 'https://api.binance.com'),
      futuresUrl: httpUrl(e, 'BINANCE_FUTURES_URL', 'https://fapi.binance.com'),
      timeoutMs: int(e, 'EXCHANGE_TIMEOUT_MS', 10_000, 100, 600_000),
    },
    symbols: {
      cacheTtlSec: int(e, 'SYMBOLS_CACHE_TTL', 300, 1, 7 * 86_400),
      warmupIntervalSec: int(e, 'SYMBOLS_WARMUP_INTERVAL', 300, 1, 7 * 86_400),
      quoteAsset: asset(e, 'SYMBOLS_QUOTE_ASSET', 'USDT'),
      popularBaseAssets: Object.freeze(assetList(e, 'POPULAR_BASE_ASSETS', 'BTC,ETH,BNB,SOL,XRP,ADA,DOGE')),
    },
    auth: {
      adminToken: minLength(e, 'ADMIN_TOKEN', 16),
      secret: minLength(e, 'AUTH_SECRET', 32),
      sessionTtlSec: int(e, 'SESSION_TTL', 86_400, 60, 90 * 86_400),
      maxSessionsPerUser: int(e, 'MAX_SESSIONS_PER_USER', 10, 1, 1000),
    },
    encryptionKeys: encryptionKeys(e),
    history: {
      maxRangeDays: int(e, 'HISTORY_MAX_RANGE_DAYS', 1830, 1, 36_500),
      maxCandles: int(e, 'HISTORY_MAX_CANDLES', 100_000, 10, 10_000_000),
      maxConcurrent: int(e, 'HISTORY_MAX_CONCURRENT', 2, 1, 64),
      maxQueued: int(e, 'HISTORY_MAX_QUEUED', 4, 0, 1000),
      anonymousPerMinute: int(e, 'HISTORY_ANON_PER_MIN', 5, 0, 100_000),
    },
    logLevel: oneOf(e, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: int(e, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
  };
  return deepFreeze(config);
}

/** A secret that must be long enough to resist guessing; the message never shows it. */
function minLength(env: Env, name: string, min: number): string | null {
  const value = read(env, name);
  if (value === undefined) return null;
  if (value.length < min) throw invalid(name, `must be at least ${min} characters`);
  return value;
}

function encryptionKeys(env: Env): string | null {
  const value = read(env, 'CACHE_ENCRYPTION_KEYS');
  if (value === undefined) return null;
  try {
    parseKeyring(value);
  } catch (err) {
    throw invalid('CACHE_ENCRYPTION_KEYS', (err as Error).message);
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
