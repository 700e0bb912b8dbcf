import type { Redis } from 'ioredis';
import { type CacheEngine, createCacheEngine } from './cache/index.ts';
import { loadLocalSecrets } from './config/local-secrets.ts';
import { SecretScrubber } from './config/redact.ts';
import type { Config, RedisConfig } from './config/types.ts';
import { ErrorCodes, TradecacheError } from './errors.ts';
import { type OpenedExchange, openExchange } from './exchange/open.ts';
import type { SimulatedExchange } from './exchange/simulated/index.ts';
import { FailSoftWarnings } from './fail-soft-warnings.ts';
import type { BacktestService, HistoryStore } from './history/index.ts';
import { type HistoryServices, openHistory } from './history/open.ts';
import { WebSocketHub } from './http/ws/hub.ts';
import { SubscriptionTracker } from './http/ws/subscription-tracker.ts';
import { createJobRuntime, type JobRuntime } from './jobs/index.ts';
import { jobDefinitions } from './jobs/processors/registry.ts';
import { createLogger, type Logger } from './logger.ts';
import { PriceAlerts, TradableSymbols } from './market/alerts/index.ts';
import { MarketFeeds } from './market/feed/index.ts';
import { LiveMarket } from './market/live-market.ts';
import { MarketUpdatePublisher, RealtimeBus } from './market/realtime/index.ts';
import { SymbolCatalog } from './market/symbols/index.ts';
import type { ExchangeClient } from './market/vocabulary/index.ts';
import { Metrics } from './metrics.ts';
import { type OperationsServices, openOperations } from './operations/index.ts';
import {
  closeRedisClient,
  connectRedisClient,
  createRedisClient,
  redisMode,
  redisSecrets,
} from './redis/connection.ts';
import { ConnectionBudget } from './redis/connection-budget.ts';
import { logRedisConnection } from './redis/connection-log.ts';
import { CounterBuffer } from './redis/counter-buffer.ts';
import { type EmbeddedRedis, findEmbeddedRedis, startEmbeddedRedis } from './redis/embedded.ts';
import { RedisHealth } from './redis/health.ts';
import { createKeys, type Keys } from './redis/keys/index.ts';
import { RedisStore } from './redis/store.ts';
import { openSessions, type SessionServices } from './sessions/open.ts';

/** What a process runs: `start` = API + worker + schedulers; `tool` = a one-shot CLI command. */
export type AppRole = 'start' | 'api' | 'worker' | 'tool';

export interface AppOptions {
  role: AppRole;
  /** Log sink; stdout by default (tests capture lines to check for secrets). */
  logWrite?: (line: string) => void;
  scrubber?: SecretScrubber;
}

/** The object graph of one tradecache process, built once. Close it to release everything. */
export interface AppContext {
  readonly config: Config;
  readonly role: AppRole;
  readonly logger: Logger;
  readonly scrubber: SecretScrubber;
  /** Fail-soft warnings of every service, counted per cause and interval. */
  readonly warnings: FailSoftWarnings;
  readonly metrics: Metrics;
  readonly keys: Keys;
  readonly redis: Redis;
  /**
   * The URL actually used (embedded or configured); null in Sentinel mode, where the sentinels
   * name the master. Holds the password: never log it.
   */
  readonly redisUrl: string | null;
  readonly health: RedisHealth;
  readonly store: RedisStore;
  readonly counters: CounterBuffer;
  readonly exchange: ExchangeClient;
  readonly symbols: SymbolCatalog;
  /** Live market data (MarketDataCache, PriceCache per market) and the feed's write batch. */
  readonly market: LiveMarket;
  /**
   * The live market feed (roles `start` and `worker`; null otherwise). `feed.watch(market,
   * symbol)` adds a watched symbol at run time.
   */
  readonly feed: MarketFeeds | null;
  /** Price alerts and notifications; `alerts.checkPrices` is the feed's seam. */
  readonly alerts: PriceAlerts;
  /** The exchange's TRADING symbols (any quote asset), for validating alert symbols. */
  readonly tradableSymbols: TradableSymbols;
  /**
   * Realtime fan-out: `publisher` is the feed's (market updates to every process), `bus` this
   * process's subscriber (null for CLI tools), `hub` the WebSocket sockets of this process
   * (`hub.onWatch` tells the feed which symbols clients watch).
   */
  readonly realtime: {
    readonly publisher: MarketUpdatePublisher;
    readonly bus: RealtimeBus | null;
    readonly hub: WebSocketHub;
  };
  readonly jobs: JobRuntime | null;
  readonly embeddedRedis: EmbeddedRedis | null;
  readonly simulatedExchange: SimulatedExchange | null;
  /** WebSocket market-stream bases (the simulated exchange's with `EXCHANGE=simulated`). */
  readonly exchangeStreamUrls: OpenedExchange['streamUrls'];
  readonly history: HistoryServices;
  readonly sessions: SessionServices;
  /** The two-tier cache engine (L1 memory + Redis, cross-process bus). */
  readonly cache: CacheEngine;
  /** Cache service (health, stats, cleanup, clear) and the Redis monitor. */
  readonly operations: OperationsServices;
  /** Closes in reverse order of creation; safe to call twice. */
  close(): Promise<void>;
}

/**
 * config → redis → exchange → domain services → jobs. Each step registers its closer, so a
 * failure half-way releases what was already created.
 */
export async function createApp(config: Config, options: AppOptions): Promise<AppContext> {
  const scrubber = options.scrubber ?? new SecretScrubber();
  const logger = createLogger({
    level: config.logLevel,
    scrubber,
    ...(options.logWrite ? { write: options.logWrite } : {}),
  });
  const warnings = new FailSoftWarnings(logger, config.logRepeatIntervalMs);
  // First in, last out: the counts of warnings raised while closing are still written.
  const closers: Array<{ name: string; close: () => Promise<unknown> }> = [
    { name: 'warnings', close: async () => warnings.close() },
  ];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer.close();
      } catch (err) {
        logger.error({ err, resource: closer.name }, 'close failed');
      }
    }
  };

  try {
    let embeddedRedis: EmbeddedRedis | null = null;
    let redisUrl = config.redis.url;
    if (config.redis.source === 'embedded') {
      embeddedRedis = await startEmbeddedRedis({ dataDir: config.dataDir });
      closers.push({
        name: 'embedded redis-server',
        close: () => embeddedRedis?.stop() ?? Promise.resolve(),
      });
      redisUrl = embeddedRedis.url;
      logger.info({ port: embeddedRedis.port, dataDir: config.dataDir }, 'embedded redis-server started');
    }
    const redisConfig = { ...config.redis, url: redisUrl };
    for (const secret of redisSecrets(redisConfig)) scrubber.add(secret);
    // Every connection of this process (commands, cache bus, BullMQ and its duplicates) comes
    // from here, so in Sentinel mode each one finds the master through the sentinels.
    const connections = new ConnectionBudget(redisConfig);
    const connect = (role: 'command' | 'queue' | 'subscriber') =>
      connections.create(role === 'queue' ? { role, forBullmq: true } : { role });

    const metrics = new Metrics({ collectDefault: options.role !== 'tool' });
    const keys = createKeys(config.redis.keyPrefix);
    const redis = connect('command');
    const mode = redisMode(redisConfig);
    const masterName = redisConfig.sentinel?.masterName;
    const health = new RedisHealth(redis, scrubber, masterName ? { mode, masterName } : { mode });
    closers.push({ name: 'redis', close: () => closeRedisClient(redis) });
    await connectRedisClient(redis, redisConfig);
    logRedisConnection(redis, redisConfig, logger);

    const store = new RedisStore(redis, {
      logger,
      metrics,
      health,
      warnings,
      maxOfflineQueue: config.redis.maxOfflineQueue,
    });
    const counters = new CounterBuffer(redis, { logger, metrics, warnings });
    counters.start();
    closers.push({ name: 'counters', close: () => counters.close() });

    const opened = await openExchange(config, logger, metrics);
    closers.push({ name: 'exchange', close: () => opened.close() });
    const exchange = opened.client;
    const simulatedExchange = opened.simulated;

    const history = openHistory(config, exchange);
    const local = config.auth.secret && config.encryptionKeys ? null : await loadLocalSecrets(config.dataDir);
    const secrets = {
      authSecret: config.auth.secret ?? local?.authSecret ?? '',
      encryptionKeys: config.encryptionKeys ?? local?.encryptionKeys ?? '',
    };
    for (const secret of [secrets.authSecret, config.auth.adminToken, config.auth.metricsToken]) {
      scrubber.add(secret);
    }
    const cache = createCacheEngine({
      redis,
      subscriber: () => connect('subscriber'),
      prefix: keys.cache.root,
      // Hit/miss counters at the shared `metrics:` keys (the Python platform reads symbols_*).
      counterKey: (counter, ns) =>
        counter === 'cache_hit' ? keys.metrics.cacheHit(ns) : keys.metrics.cacheMiss(ns),
      logger,
      warnings,
      metrics,
    });
    closers.push({ name: 'cache engine', close: () => cache.close() });
    await cache.ready();
    const sessions = openSessions(config, redis, keys.sessions, secrets, cache);

    const symbols = new SymbolCatalog({
      cache,
      store,
      counters,
      keys,
      exchange,
      rules: config.symbols,
      logger,
      warnings,
      metrics,
    });

    const m = config.market;
    const market = new LiveMarket({
      redis,
      keys: keys.market,
      options: {
        realtimeTtlMs: m.realtimeTtlSec * 1000,
        statsTtlMs: m.statsTtlSec * 1000,
        infoTtlMs: m.infoTtlSec * 1000,
        freshMs: m.freshMs,
        tradesKept: m.tradesKept,
        orderBookDepth: m.orderBookDepth,
        retentionMs: m.retentionMs,
      },
    });

    const alerts = new PriceAlerts({
      redis,
      keys: keys.alerts,
      maxAlertsPerUser: config.alerts.maxAlertsPerUser,
      notificationsKept: config.alerts.notificationsKept,
      currentPrice: (marketType, symbol) => market.data[marketType].getPrice(symbol),
    });
    const tradableSymbols = new TradableSymbols({ exchange, ttlMs: config.symbols.cacheTtlSec * 1000 });

    let bus: RealtimeBus | null = null;
    if (options.role !== 'tool') {
      const realtimeBus = new RealtimeBus(connect('subscriber'), keys, logger);
      bus = realtimeBus;
      closers.push({ name: 'realtime bus', close: () => realtimeBus.close() });
      await realtimeBus.start();
    }
    const ws = config.webSocket;
    const hub = new WebSocketHub({
      bus,
      tracker: new SubscriptionTracker(redis, keys.sessions, ws.subscriptionTtlSec),
      limits: ws,
      logger,
      heartbeatMs: Math.min(30_000, (ws.subscriptionTtlSec * 1000) / 3),
    });
    closers.push({ name: 'websocket hub', close: () => hub.close() });
    const realtime = { publisher: new MarketUpdatePublisher(redis, keys.market), bus, hub };

    let jobs: JobRuntime | null = null;
    const operations = openOperations({
      redis,
      keys,
      cache,
      sessions: sessions.sessions,
      queues: () => new Map(jobs ? [[jobs.queue.name, jobs.queue]] : []),
      logger,
      monitorIntervalMs: config.operations.monitorIntervalMs,
    });
    closers.push({ name: 'operations', close: () => operations.close() });
    // Ticks and candles past their retention go with the cleanup and the nightly maintenance.
    operations.cleanup.register('alerts', async () => {
      const result = await alerts.cleanup();
      return result.expiredRemoved + result.outboxRecovered;
    });
    operations.cleanup.register('market-data', async () => {
      let removed = 0;
      for (const result of Object.values(await market.cleanupOldData())) {
        removed += result.ticks + result.indexEntries;
        for (const count of Object.values(result.candles)) removed += count;
      }
      return removed;
    });
    if (options.role !== 'tool') {
      operations.service.start();
      operations.monitor.start();
      jobs = createJobRuntime({
        connection: () => connect('queue'),
        prefix: keys.bullPrefix,
        definitions: jobDefinitions({ config, symbols, operations: operations.service }),
        logger,
        metrics,
      });
      const runtime = jobs;
      closers.push({ name: 'jobs', close: () => runtime.close(config.shutdownTimeoutMs) });
      if (options.role === 'start' || options.role === 'worker') {
        await runtime.reconcileSchedulers();
        await runtime.startWorker();
        await runtime.enqueueStartupRuns();
      }
    }

    // After the jobs: closed before them (reverse order), so the last writes still go out.
    let feed: MarketFeeds | null = null;
    if ((options.role === 'start' || options.role === 'worker') && config.feed.markets.length > 0) {
      const running = new MarketFeeds({
        config: config.feed,
        redis,
        keys: keys.market,
        live: market,
        exchange,
        symbols,
        streamUrls: opened.streamUrls,
        metrics,
        logger,
        // Every flushed price moves the alerts; every flush goes out to the WebSocket clients of
        // every process.
        onFlushed: (m, digest) =>
          Promise.all([
            digest.prices.length > 0 ? alerts.checkPrices(m, digest.prices) : null,
            digest.updates.length > 0 ? realtime.publisher.publish(m, digest.updates) : null,
          ]),
      });
      feed = running;
      // A symbol a WebSocket client subscribes to becomes a watched symbol of the feed.
      realtime.hub.onWatch((m, symbol) => running.watch(m, symbol));
      closers.push({ name: 'market feed', close: () => running.close() });
      running.start();
    }

    return {
      config,
      role: options.role,
      logger,
      scrubber,
      warnings,
      metrics,
      keys,
      redis,
      redisUrl,
      health,
      store,
      counters,
      exchange,
      symbols,
      market,
      feed,
      alerts,
      tradableSymbols,
      realtime,
      jobs,
      embeddedRedis,
      simulatedExchange,
      exchangeStreamUrls: opened.streamUrls,
      history,
      sessions,
      cache,
      operations,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What `tradecache history ...` needs: the exchange and the kline store, no Redis. */
export interface HistoryTools {
  readonly store: HistoryStore;
  readonly backtest: BacktestService;
  close(): Promise<void>;
}

/**
 * The history tools of one CLI command. Logs go to stderr (at warn unless asked for more), so
 * stdout stays the command's output.
 */
export async function createHistoryTools(config: Config): Promise<HistoryTools> {
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    scrubber: new SecretScrubber(),
    write: (line) => process.stderr.write(line),
  });
  const exchange = await openExchange(config, logger, new Metrics({ collectDefault: false }));
  const { store, backtest } = openHistory(config, exchange.client);
  return { store, backtest, close: () => exchange.close() };
}

/** A one-shot connection for probes (`tradecache ping`), with the settings it was made from. */
export interface RedisProbe {
  readonly client: Redis;
  readonly redisConfig: RedisConfig;
}

/**
 * Connects a one-shot client to the configured Redis, or to the embedded one when it is running
 * (a probe never starts a Redis). The caller disconnects it.
 */
export async function openRedisProbe(config: Config): Promise<RedisProbe> {
  let redisConfig: RedisConfig = config.redis;
  if (config.redis.source === 'embedded') {
    const embedded = await findEmbeddedRedis(config.dataDir);
    if (!embedded) {
      throw new TradecacheError(
        ErrorCodes.REDIS_UNAVAILABLE,
        `no Redis configured and the embedded redis-server of ${config.dataDir} is not running (run tradecache start, or set REDIS_URL)`,
      );
    }
    redisConfig = { ...config.redis, url: embedded.url };
  }
  const client = createRedisClient(redisConfig, { role: 'probe', oneShot: true });
  client.on('error', () => {});
  return { client, redisConfig };
}
