/** Where the Redis connection settings came from, in the seeds' resolution order. */
export type RedisSource = 'REDIS_URL' | 'CELERY_BROKER_URL' | 'REDIS_HOST' | 'embedded';

export type ExchangeKind = 'binance' | 'simulated';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RedisConfig {
  /** Connection URL; `null` means "start the embedded redis-server". Contains the password: never log it. */
  readonly url: string | null;
  readonly source: RedisSource;
  /** `rediss://` URLs connect over TLS. */
  readonly tls: boolean;
  /** Upper bound on connections this process opens (command, subscriber, queue, worker...). */
  readonly maxConnections: number;
  /** Every key this process writes starts with `<keyPrefix>:`. */
  readonly keyPrefix: string;
  readonly commandTimeoutMs: number;
  /** Commands queued while disconnected beyond this number fail at once. */
  readonly maxOfflineQueue: number;
}

export interface SymbolsConfig {
  readonly cacheTtlSec: number;
  readonly warmupIntervalSec: number;
  readonly quoteAsset: string;
  /** Base assets listed first, in this order (`BTCUSDT` first by default). */
  readonly popularBaseAssets: readonly string[];
}

export interface Config {
  readonly redis: RedisConfig;
  readonly http: { readonly host: string; readonly port: number };
  readonly dataDir: string;
  readonly exchange: {
    readonly kind: ExchangeKind;
    readonly spotUrl: string;
    readonly futuresUrl: string;
    readonly timeoutMs: number;
  };
  readonly symbols: SymbolsConfig;
  readonly auth: {
    /** Operator token for admin routes; null when unset. Never log it. */
    readonly adminToken: string | null;
    /** Master auth secret; null means "use the one generated in the data dir". */
    readonly secret: string | null;
    readonly sessionTtlSec: number;
    readonly maxSessionsPerUser: number;
  };
  /** `kid:base64key,...`; null means "use the key generated in the data dir". Never log it. */
  readonly encryptionKeys: string | null;
  readonly history: { readonly maxRangeDays: number };
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
}
