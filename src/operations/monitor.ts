import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { RedisClient } from '../redis/client.ts';
import { MEMORY_WARNING_RATIO } from './cache-service.ts';
import { isEvictingPolicy, memoryUsageRatio, type RedisInfo, redisInfoOf } from './redis-info.ts';

/** One slow-log entry as we expose it: the command name and its duration, never its arguments. */
export interface SlowCommand {
  id: number;
  /** Epoch ms Redis logged it at. */
  at: number;
  durationMicros: number;
  /** The command name only (`HGETALL`): arguments can hold user data. */
  command: string;
}

/** What the last round saw; read by /metrics and the dashboard without touching Redis. */
export interface MonitorSnapshot {
  info: RedisInfo | null;
  /** Epoch ms of the last good round; null before it. */
  sampledAt: number | null;
  memoryRatio: number | null;
  memoryWarning: boolean;
  evictingPolicy: boolean;
  /** Newest last, at most `recentSlowLimit`. */
  recentSlow: SlowCommand[];
  /** Slow-log entries seen since start (each counted once). */
  slowTotal: number;
  lastError: string | null;
}

export interface RedisMonitorOptions {
  redis: RedisClient;
  logger: Logger;
  intervalMs: number;
  /** Run when memory reaches 80 % of maxmemory (the cache service's cleanup). */
  onMemoryPressure: () => Promise<unknown>;
  /** Also run each round (queue depths for /metrics); its failure fails only itself. */
  onRound?: () => Promise<void>;
  /** Slow-log entries kept for display. @default 20 */
  recentSlowLimit?: number;
}

/** Entries asked from SLOWLOG GET per round; more than this between two rounds are not all seen. */
const SLOWLOG_SAMPLE = 128;

/**
 * The monitor loop (seed 002's health loop and memory check): every `intervalMs`, one INFO and
 * one SLOWLOG GET, a warning and a cleanup when memory reaches 80 % of maxmemory, and at start a
 * warning when the eviction policy can drop queues and user data. Results stay in memory: the
 * /metrics scrape reads them and never calls Redis.
 */
export class RedisMonitor {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private cleaning = false;
  private lastSlowId = -1;
  /** SLOWLOG is refused to this Redis user (an ACL without `@dangerous`): not asked again. */
  private slowLogDenied = false;
  private policyChecked = false;
  private readonly state: MonitorSnapshot = {
    info: null,
    sampledAt: null,
    memoryRatio: null,
    memoryWarning: false,
    evictingPolicy: false,
    recentSlow: [],
    slowTotal: 0,
    lastError: null,
  };

  constructor(private readonly options: RedisMonitorOptions) {}

  /** Runs a first round now, then one per interval. */
  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  snapshot(): Readonly<MonitorSnapshot> {
    return this.state;
  }

  /** One round; a round still running is joined, not doubled. Never throws. */
  tick(): Promise<void> {
    this.round ??= this.sample().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async sample(): Promise<void> {
    const { redis, logger } = this.options;
    try {
      const info = redisInfoOf(await redis.info());
      this.state.info = info;
      this.state.sampledAt = Date.now();
      this.state.lastError = null;
      this.checkPolicy(info);
      this.checkMemory(info);
      await this.sampleSlowLog();
      await this.options
        .onRound?.()
        .catch((err: unknown) =>
          logger.debug({ error: errorMessage(err) }, 'redis monitor side sample failed'),
        );
    } catch (err) {
      this.state.lastError = errorMessage(err);
      logger.debug({ error: this.state.lastError }, 'redis monitor round failed');
    }
  }

  private checkPolicy(info: RedisInfo): void {
    this.state.evictingPolicy = isEvictingPolicy(info.evictionPolicy);
    if (this.policyChecked) return;
    this.policyChecked = true;
    if (this.state.evictingPolicy) {
      this.options.logger.warn(
        { evictionPolicy: info.evictionPolicy },
        'Redis maxmemory-policy can evict keys: BullMQ queues, sessions and user data live in this Redis; set maxmemory-policy noeviction',
      );
    }
  }

  private checkMemory(info: RedisInfo): void {
    const ratio = memoryUsageRatio(info);
    this.state.memoryRatio = ratio;
    this.state.memoryWarning = ratio !== null && ratio >= MEMORY_WARNING_RATIO;
    if (!this.state.memoryWarning || ratio === null) return;
    this.options.logger.warn(
      { usedMemory: info.usedMemory, maxMemory: info.maxMemory, percent: Math.round(ratio * 100) },
      'Redis memory above 80 % of maxmemory; running the cleanup of expired data',
    );
    if (this.cleaning) return;
    this.cleaning = true;
    void this.options
      .onMemoryPressure()
      .catch((err: unknown) =>
        this.options.logger.warn({ error: errorMessage(err) }, 'cleanup under memory pressure failed'),
      )
      .finally(() => {
        this.cleaning = false;
      });
  }

  private async sampleSlowLog(): Promise<void> {
    if (this.slowLogDenied) return;
    let raw: unknown[];
    try {
      raw = (await this.options.redis.call('SLOWLOG', 'GET', SLOWLOG_SAMPLE)) as unknown[];
    } catch (err) {
      // The least-privilege ACL user (README "Least privilege") may not read SLOWLOG: it shows
      // every client's commands. Everything else of the monitor still works without it.
      if (!/^NOPERM/.test(errorMessage(err))) throw err;
      this.slowLogDenied = true;
      this.options.logger.warn(
        'the Redis user may not run SLOWLOG (ACL without @dangerous): slow commands are not sampled; grant +slowlog|get to see them',
      );
      return;
    }
    const fresh: SlowCommand[] = [];
    for (const entry of raw) {
      const slow = slowCommandOf(entry);
      if (slow && slow.id > this.lastSlowId) fresh.push(slow);
    }
    if (fresh.length === 0) return;
    fresh.sort((a, b) => a.id - b.id);
    this.lastSlowId = fresh[fresh.length - 1]?.id ?? this.lastSlowId;
    this.state.slowTotal += fresh.length;
    const limit = this.options.recentSlowLimit ?? 20;
    this.state.recentSlow = [...this.state.recentSlow, ...fresh].slice(-limit);
  }
}

/** `[id, unixSeconds, micros, [command, ...args], client, name]`: keeps the name, drops the args. */
function slowCommandOf(entry: unknown): SlowCommand | null {
  if (!Array.isArray(entry) || entry.length < 4) return null;
  const [id, at, micros, argv] = entry as [unknown, unknown, unknown, unknown];
  const name = Array.isArray(argv) ? argv[0] : undefined;
  if (typeof id !== 'number' || typeof at !== 'number' || typeof micros !== 'number') return null;
  return {
    id,
    at: at * 1000,
    durationMicros: micros,
    command: typeof name === 'string' ? name.toUpperCase().slice(0, 32) : 'UNKNOWN',
  };
}
