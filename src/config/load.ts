import path from 'node:path';
import { CronExpressionParser } from 'cron-parser';
import { parseKeyring } from '../crypto/aes-gcm.ts';
import { deepFreeze } from '../deep-freeze.ts';
import {
  asset,
  assetList,
  bool,
  type Env,
  httpUrl,
  int,
  invalid,
  KEY_PART_CHARS,
  oneOf,
  read,
  wsUrl,
} from './parse.ts';
import { trustProxy } from './trust-proxy.ts';

const KEY_PREFIX = new RegExp(`^[${KEY_PART_CHARS}]{1,64}$`);

import { loadAlertsConfig, loadWebSocketConfig } from './alerts.ts';
import { loadFeedConfig } from './feed.ts';
import { loadMarketConfig } from './market.ts';
import { resolveCluster } from './redis-cluster.ts';
import { resolveSentinel } from './redis-sentinel.ts';
import { type ResolvedRedisUrl, resolveRedisUrl } from './redis-url.ts';
import type { Config, LogLevel, RequestLogMode } from './types.ts';

/**
 * WAIT for durable writes: on by default only where replicas exist by design (Cluster,
 * Sentinel). The wait must end before the command timeout, or that timeout would answer first:
 * by default it is 500 ms, or half a shorter command timeout; a value set that does not end
 * first is refused, but only where WAIT runs at all (replicas > 0).
 */
function durableWrites(e: Env, mode: { cluster: unknown; sentinel: unknown }) {
  const commandTimeoutMs = int(e, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 10, 600_000);
  const durableReplicas = int(e, 'REDIS_DURABLE_REPLICAS', mode.cluster || mode.sentinel ? 1 : 0, 0, 16);
  const fallbackWaitMs = Math.max(1, Math.min(500, Math.floor(commandTimeoutMs / 2)));
  const durableWaitMs = int(e, 'REDIS_DURABLE_WAIT_MS', fallbackWaitMs, 1, 600_000);
  if (durableReplicas > 0 && durableWaitMs >= commandTimeoutMs) {
    throw invalid('REDIS_DURABLE_WAIT_MS', `must be below REDIS_COMMAND_TIMEOUT_MS (${commandTimeoutMs})`);
  }
  return {
    durableReplicas,
    durableWaitMs,
    appendfsync: oneOf(e, 'REDIS_APPENDFSYNC', ['everysec', 'always'] as const, 'everysec'),
  };
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const REQUEST_LOG_MODES: readonly RequestLogMode[] = ['all', 'errors', 'off'];

/**
 * Parses the environment once into a frozen Config. Throws a CONFIG_INVALID error naming the
 * first bad variable. This is the only function that reads environment variables.
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Record<string, string>> = {}): Config {
  const e: Env = { ...env, ...overrides };
  // Sentinel, when configured, wins over every URL setting (those are not even checked); then
  // a cluster (REDIS_CLUSTER_NODES or a redis+cluster:// URL); then one Redis.
  const sentinel = resolveSentinel(e);
  if (sentinel && read(e, 'REDIS_CLUSTER_NODES') !== undefined) {
    throw invalid('REDIS_CLUSTER_NODES', 'set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both');
  }
  const clustered = sentinel ? null : resolveCluster(e);
  const redisUrl: ResolvedRedisUrl = sentinel
    ? { url: null, source: 'REDIS_SENTINELS', tls: bool(e, 'REDIS_TLS', false) }
    : clustered
      ? { url: null, source: clustered.source, tls: clustered.tls }
      : resolveRedisUrl(e);
  // Set but empty: the keys shared with the Python platform carry no prefix (see redis/keys).
  const keyPrefix = e.REDIS_KEY_PREFIX?.trim() === '' ? '' : (read(e, 'REDIS_KEY_PREFIX') ?? 'tradecache');
  if (keyPrefix !== '' && !KEY_PREFIX.test(keyPrefix)) {
    throw invalid('REDIS_KEY_PREFIX', 'expected empty or 1-64 characters of A-Z a-z 0-9 _ . @ -');
  }
  const config: Config = {
    redis: {
      ...redisUrl,
      sentinel,
      cluster: clustered?.cluster ?? null,
      maxConnections: int(e, 'REDIS_MAX_CONNECTIONS', 10, 4, 10_000),
      keyPrefix,
      commandTimeoutMs: int(e, 'REDIS_COMMAND_TIMEOUT_MS', 2000, 10, 600_000),
      maxOfflineQueue: int(e, 'REDIS_MAX_OFFLINE_QUEUE', 1000, 0, 1_000_000),
      ...durableWrites(e, { cluster: clustered, sentinel }),
    },
    http: {
      host: read(e, 'HOST') ?? '127.0.0.1',
      port: int(e, 'PORT', 8000, 0, 65535),
      trustProxy: trustProxy(e),
      limits: {
        requestTimeoutMs: int(e, 'HTTP_REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
        idleTimeoutMs: int(e, 'HTTP_IDLE_TIMEOUT_MS', 20_000, 100, 600_000),
        keepAliveTimeoutMs: int(e, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 10_000, 100, 600_000),
        bodyLimitBytes: int(e, 'HTTP_BODY_LIMIT_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
        maxParamLength: int(e, 'HTTP_MAX_PARAM_LENGTH', 100, 16, 4096),
        maxHeaderBytes: int(e, 'HTTP_MAX_HEADER_BYTES', 16 * 1024, 1024, 1024 * 1024),
        maxConnections: int(e, 'HTTP_MAX_CONNECTIONS', 1000, 1, 1_000_000),
        ratePerMinute: int(e, 'HTTP_RATE_LIMIT_PER_MIN', 1200, 1, 100_000_000),
      },
    },
    dataDir: path.resolve(read(e, 'TRADECACHE_DATA_DIR') ?? './.tradecache'),
    exchange: {
      kind: oneOf(e, 'EXCHANGE', ['binance', 'simulated'] as const, 'binance'),
      spotUrl: httpUrl(e, 'BINANCE_SPOT_URL', 'https://api.binance.com'),
      futuresUrl: httpUrl(e, 'BINANCE_FUTURES_URL', 'https://fapi.binance.com'),
      spotStreamUrl: wsUrl(e, 'BINANCE_SPOT_STREAM_URL', 'wss://stream.binance.com:9443'),
      futuresStreamUrl: wsUrl(e, 'BINANCE_FUTURES_STREAM_URL', 'wss://fstream.binance.com'),
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
      metricsToken: minLength(e, 'METRICS_TOKEN', 16),
      secret: minLength(e, 'AUTH_SECRET', 32),
      sessionTtlSec: int(e, 'SESSION_TTL', 86_400, 60, 90 * 86_400),
      maxSessionsPerUser: int(e, 'MAX_SESSIONS_PER_USER', 10, 1, 1000),
      login: {
        windowSec: int(e, 'LOGIN_FAILURE_WINDOW', 60, 1, 86_400),
        failuresPerUserAddress: int(e, 'LOGIN_FAILURES_PER_USER_ADDRESS', 10, 1, 10_000),
        failuresPerAddress: int(e, 'LOGIN_FAILURES_PER_ADDRESS', 30, 1, 1_000_000),
        alertFailuresPerUser: int(e, 'LOGIN_ALERT_FAILURES_PER_USER', 100, 1, 1_000_000),
        alertWindowSec: int(e, 'LOGIN_ALERT_WINDOW', 600, 1, 7 * 86_400),
      },
    },
    encryptionKeys: encryptionKeys(e),
    history: {
      maxRangeDays: int(e, 'HISTORY_MAX_RANGE_DAYS', 1830, 1, 36_500),
      maxCandles: int(e, 'HISTORY_MAX_CANDLES', 100_000, 10, 10_000_000),
      maxConcurrent: int(e, 'HISTORY_MAX_CONCURRENT', 2, 1, 64),
      maxQueued: int(e, 'HISTORY_MAX_QUEUED', 4, 0, 1000),
      anonymousPerMinute: int(e, 'HISTORY_ANON_PER_MIN', 5, 0, 100_000),
    },
    market: loadMarketConfig(e),
    feed: loadFeedConfig(e),
    alerts: loadAlertsConfig(e),
    webSocket: loadWebSocketConfig(e),
    logLevel: oneOf(e, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logRequests: oneOf(e, 'LOG_REQUESTS', REQUEST_LOG_MODES, 'errors'),
    logRepeatIntervalMs: int(e, 'LOG_REPEAT_INTERVAL_SEC', 10, 1, 3600) * 1000,
    shutdownTimeoutMs: int(e, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    operations: {
      monitorIntervalMs: int(e, 'MONITOR_INTERVAL_MS', 60_000, 100, 86_400_000),
      ...maintenanceSchedule(e),
    },
  };
  return deepFreeze(config);
}

/** MAINTENANCE_CRON and MAINTENANCE_TZ, parsed once so a typo fails the boot, not the 2 a.m. run. */
function maintenanceSchedule(env: Env): { maintenanceCron: string; maintenanceTz: string } {
  const maintenanceTz = read(env, 'MAINTENANCE_TZ') ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: maintenanceTz });
  } catch {
    throw invalid('MAINTENANCE_TZ', 'expected an IANA time zone such as UTC or Europe/Berlin');
  }
  const maintenanceCron = read(env, 'MAINTENANCE_CRON') ?? '0 2 * * *';
  const fields = maintenanceCron.trim().split(/\s+/).length;
  try {
    if (fields < 5 || fields > 6) throw new Error('field count');
    CronExpressionParser.parse(maintenanceCron, { tz: maintenanceTz });
  } catch {
    throw invalid('MAINTENANCE_CRON', 'expected a cron pattern of 5 or 6 fields, such as 0 2 * * *');
  }
  return { maintenanceCron, maintenanceTz };
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
