import type { AlertsConfig, WebSocketConfig } from './alerts.ts';
import type { FeedConfig } from './feed.ts';
import type { MarketConfig } from './market.ts';
import type { TrustProxy } from './trust-proxy.ts';

/** Where the Redis connection settings came from: Sentinel, else the Python platform's resolution order. */
export type RedisSource =
  | 'REDIS_SENTINELS'
  | 'REDIS_CLUSTER_NODES'
  | 'REDIS_URL'
  | 'CELERY_BROKER_URL'
  | 'REDIS_HOST'
  | 'embedded';

/** How this process reaches Redis, as /ready and `tradecache ping` report it. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster' | 'embedded';

export interface SentinelAddress {
  readonly host: string;
  readonly port: number;
}

/** A master found through Redis Sentinel (`REDIS_SENTINELS`). */
export interface SentinelConfig {
  readonly sentinels: readonly SentinelAddress[];
  /** The name the sentinels monitor the master under (`sentinel monitor <name> ...`). */
  readonly masterName: string;
  /** AUTH for the sentinels themselves; null when they need none. Never log it. */
  readonly sentinelPassword: string | null;
  /** ACL user of the master (`REDIS_USERNAME`); null for the `default` user. */
  readonly username: string | null;
  /** AUTH for the master (`REDIS_PASSWORD`). Never log it. */
  readonly password: string | null;
  readonly db: number;
}

/** A Redis Cluster (`REDIS_CLUSTER_NODES` or a `redis+cluster://` URL). */
export interface ClusterConfig {
  /** Seed nodes: the client learns every master and replica from them. */
  readonly nodes: readonly SentinelAddress[];
  /** ACL user of every node; null for the default user. */
  readonly username: string | null;
  /** AUTH for every node. Never log it. */
  readonly password: string | null;
}

export type ExchangeKind = 'binance' | 'simulated';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Which answered requests get an access-log line at `info` (`LOG_REQUESTS`). */
export type RequestLogMode = 'all' | 'errors' | 'off';

/** Limits of the HTTP edge, so a slow or hostile client cannot hold sockets or memory. */
export interface HttpLimits {
  /** Headers and body must have arrived within this (Node `requestTimeout`), else 408 and close. */
  readonly requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (Fastify `connectionTimeout`). */
  readonly idleTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** Largest request body in bytes (routes may set a smaller one). */
  readonly bodyLimitBytes: number;
  /** Longest path parameter, in characters; longer answers 414. */
  readonly maxParamLength: number;
  /** Largest request head (request line + headers) in bytes; larger answers 431. */
  readonly maxHeaderBytes: number;
  /** Open client connections at most; more are refused at accept. */
  readonly maxConnections: number;
  /** Requests a minute per client address on any route (per process). */
  readonly ratePerMinute: number;
}

export interface RedisConfig {
  /**
   * Connection URL; `null` with source `embedded` means "start the embedded redis-server", with
   * a `sentinel` it means "ask the sentinels". Contains the password: never log it.
   */
  readonly url: string | null;
  readonly source: RedisSource;
  /** Set (source `REDIS_SENTINELS`) when the master is found through Sentinel; absent or null otherwise. */
  readonly sentinel?: SentinelConfig | null;
  /** Set when Redis is a Cluster (`url` is then null); absent or null otherwise. */
  readonly cluster?: ClusterConfig | null;
  /** `rediss://` URLs (or `REDIS_TLS` with `REDIS_HOST` / `REDIS_SENTINELS`) connect over TLS. */
  readonly tls: boolean;
  /** Upper bound on connections this process opens (command, subscriber, queue, worker...). */
  readonly maxConnections: number;
  /** Every key this process writes starts with `<keyPrefix>:`. */
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Commands queued while disconnected beyond this number fail at once. */
  readonly maxOfflineQueue: number;
  /** Replicas that must confirm (WAIT) a durable write before it is acknowledged; 0: no WAIT. */
  readonly durableReplicas: number;
  /** Longest WAIT for those replicas, in ms; past it the request gets 503 WRITE_UNCONFIRMED. */
  readonly durableWaitMs: number;
  /** `appendfsync` of the embedded redis-server. */
  readonly appendfsync: 'always' | 'everysec';
}

export interface SymbolsConfig {
  readonly cacheTtlSec: number;
  readonly warmupIntervalSec: number;
  readonly quoteAsset: string;
  /** Base assets listed first, in this order (`BTCUSDT` first by default). */
  readonly popularBaseAssets: readonly string[];
}

/** Bounds on the work one history/backtest request may cause (see README, "Work bounds"). */
export interface HistoryLimitsConfig {
  readonly maxRangeDays: number;
  /** Candles one `/backtest/data` or `/backtest/run` request may cover. */
  readonly maxCandles: number;
  /** Expensive history requests running at once in this process. */
  readonly maxConcurrent: number;
  /** Expensive requests waiting for a slot; past that, 503 with Retry-After. */
  readonly maxQueued: number;
  /** Expensive requests per minute an anonymous address may make (0: none). */
  readonly anonymousPerMinute: number;
}

export interface Config {
  readonly redis: RedisConfig;
  readonly http: {
    readonly host: string;
    readonly port: number;
    /** Proxies whose forwarded headers are believed (client address, https); off by default. */
    readonly trustProxy: TrustProxy;
    readonly limits: HttpLimits;
  };
  readonly dataDir: string;
  readonly exchange: {
    readonly kind: ExchangeKind;
    readonly spotUrl: string;
    readonly futuresUrl: string;
    /** WebSocket market-stream bases (`<base>/stream?streams=...`). */
    readonly spotStreamUrl: string;
    readonly futuresStreamUrl: string;
    readonly timeoutMs: number;
  };
  readonly symbols: SymbolsConfig;
  readonly auth: {
    /** Operator token for admin routes; null when unset. Never log it. */
    readonly adminToken: string | null;
    /** Bearer token `/metrics` requires when set; null leaves it open. Never log it. */
    readonly metricsToken: string | null;
    /** Master auth secret; null means "use the one generated in the data dir". */
    readonly secret: string | null;
    readonly sessionTtlSec: number;
    readonly maxSessionsPerUser: number;
    /** Failed-login budgets (see `LoginLimits` in sessions/login-limiter.ts). */
    readonly login: {
      readonly windowSec: number;
      readonly failuresPerUserAddress: number;
      readonly failuresPerAddress: number;
      readonly alertFailuresPerUser: number;
      readonly alertWindowSec: number;
    };
  };
  /** `kid:base64key,...`; null means "use the key generated in the data dir". Never log it. */
  readonly encryptionKeys: string | null;
  readonly history: HistoryLimitsConfig;
  /** Live market data: TTLs, freshness, depth, retention. */
  readonly market: MarketConfig;
  /** The live market feed: source, polling, watched symbols, leader lease. */
  readonly feed: FeedConfig;
  /** Price alerts and notifications: per-user cap, notifications kept. */
  readonly alerts: AlertsConfig;
  /** The WebSocket push: send buffer, message rate, subscription heartbeat. */
  readonly webSocket: WebSocketConfig;
  readonly logLevel: LogLevel;
  /** Access-log lines: every request, only 4xx/5xx answers, or none (probes are sampled). */
  readonly logRequests: RequestLogMode;
  /** Window over which repeated fail-soft warnings are counted into one line per cause. */
  readonly logRepeatIntervalMs: number;
  readonly shutdownTimeoutMs: number;
  /** Redis monitor and scheduled maintenance (see src/operations). */
  readonly operations: {
    readonly monitorIntervalMs: number;
    /** Cron pattern (5 or 6 fields) of the maintenance job, checked at load. */
    readonly maintenanceCron: string;
    /** IANA zone the pattern is read in. */
    readonly maintenanceTz: string;
  };
}
