import { openMarketServices, type Realtime, registerMarketCleanup, startMarketFeeds } from './app-market.ts';
import { type CacheEngine, createCacheEngine } from './cache/index.ts';
import { loadLocalSecrets } from './config/local-secrets.ts';
import { SecretScrubber } from './config/redact.ts';
import type { Config, LogLevel } from './config/types.ts';
import { type OpenedExchange, openExchange } from './exchange/open.ts';
import type { SimulatedExchange } from './exchange/simulated/index.ts';
import { FailSoftWarnings } from './fail-soft-warnings.ts';
import { type HistoryServices, openHistory } from './history/open.ts';
import { createJobRuntime, type JobRuntime } from './jobs/index.ts';
import { jobDefinitions } from './jobs/processors/registry.ts';
import { createLogger, type Logger } from './logger.ts';
import type { PriceAlerts, TradableSymbols } from './market/alerts/index.ts';
import type { MarketFeeds } from './market/feed/index.ts';
import { LiveMarket } from './market/live-market.ts';
import { SymbolCatalog } from './market/symbols/index.ts';
import { Metrics } from './metrics.ts';
import { type OperationsServices, openOperations } from './operations/index.ts';
import type { RedisClient } from './redis/client.ts';
import { closeRedisClient, connectRedisClient, redisMode, redisSecrets } from './redis/connection.ts';
import { ConnectionBudget } from './redis/connection-budget.ts';
import { logRedisConnection } from './redis/connection-log.ts';
import { CounterBuffer } from './redis/counter-buffer.ts';
import { DurableAck } from './redis/durable-ack.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from './redis/embedded.ts';
import { RedisHealth } from './redis/health.ts';
import { createKeys, type Keys } from './redis/keys/index.ts';
import { RedisStore } from './redis/store.ts';
import { openSessions, type SessionServices } from './sessions/open.ts';
import type { ExchangeClient } from './trading/index.ts';

/** What a process runs: `start` = API + worker + schedulers; `tool` = a one-shot CLI command. */
export type AppRole = 'start' | 'api' | 'worker' | 'tool';

export interface AppOptions {
  role: AppRole;
  /** Log sink; stdout by default (tests capture lines to check for secrets). */
  logWrite?: (line: string) => void;
  /** Log level instead of LOG_LEVEL (one-shot commands log only warnings). */
  logLevel?: LogLevel;
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
  readonly redis: RedisClient;
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
  /** Realtime fan-out: the feed's publisher, this process's subscriber and WebSocket hub. */
  readonly realtime: Realtime;
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
    level: options.logLevel ?? config.logLevel,
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
      embeddedRedis = await startEmbeddedRedis({
        dataDir: config.dataDir,
        appendfsync: config.redis.appendfsync,
      });
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
    const connect = (role: 'command' | 'queue' | 'subscriber' | 'feed' | 'feed-prices' | 'durable') =>
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
    // WAIT holds up the connection it runs on (Redis answers one connection in order): durable
    // writes get their own, so a lagging replica never stalls reads on the command connection.
    let durable = DurableAck.off;
    if (redisConfig.durableReplicas > 0) {
      const durableRedis = connect('durable');
      closers.push({ name: 'redis (durable writes)', close: () => closeRedisClient(durableRedis) });
      await connectRedisClient(durableRedis, redisConfig);
      durable = DurableAck.of(redisConfig, durableRedis);
    }
    const sessions = openSessions(config, redis, keys.sessions, secrets, cache, durable);

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

    const { market, alerts, tradableSymbols, realtime } = await openMarketServices({
      config,
      redis,
      keys,
      exchange,
      logger,
      subscriber: options.role === 'tool' ? null : () => connect('subscriber'),
      durable,
      closers,
    });

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
    registerMarketCleanup(operations.cleanup, { market, alerts, realtime });
    if (options.role !== 'tool') {
      operations.service.start();
      operations.monitor.start();
      jobs = createJobRuntime({
        connection: () => connect('queue'),
        prefix: keys.bullPrefix,
        definitions: jobDefinitions({ config, symbols, operations: operations.service }),
        logger,
        metrics,
        startupScope: config.exchange.kind,
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
    const runsFeed =
      (options.role === 'start' || options.role === 'worker') && config.feed.markets.length > 0;
    // The feed writes on its own connection: Redis answers one connection's commands in order,
    // so an HTTP read on the command connection would otherwise wait behind a whole feed pipeline.
    // Its current prices on one more: there they never wait behind the feed's bulk pipelines.
    const feedRedis = runsFeed ? { bulk: connect('feed'), prices: connect('feed-prices') } : null;
    if (feedRedis) {
      closers.push({ name: 'feed redis', close: () => closeRedisClient(feedRedis.bulk) });
      closers.push({ name: 'feed price redis', close: () => closeRedisClient(feedRedis.prices) });
      await Promise.all([
        connectRedisClient(feedRedis.bulk, redisConfig),
        connectRedisClient(feedRedis.prices, redisConfig),
      ]);
    }
    const feed = feedRedis
      ? startMarketFeeds(
          { config, redis: feedRedis.bulk, keys, exchange, symbols, metrics, logger, closers },
          opened.streamUrls,
          {
            market: new LiveMarket({
              redis: feedRedis.bulk,
              priceRedis: feedRedis.prices,
              keys: keys.market,
              options: market.options,
            }),
            alerts,
            realtime,
            tradableSymbols,
          },
        )
      : null;

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
