import type { AppRole } from '../../../app.ts';
import type { CacheEngine, CacheNamespaceStats } from '../../../cache/index.ts';
import type { SecretScrubber } from '../../../config/redact.ts';
import { errorMessage } from '../../../errors.ts';
import type { JobRuntime } from '../../../jobs/index.ts';
import type { SymbolCatalog } from '../../../market/symbols/index.ts';
import type { ClusterNodeRow } from '../../../redis/cluster-nodes.ts';
import type { RedisHealth, RedisHealthSnapshot } from '../../../redis/health.ts';
import { MARKET_TYPES, type MarketType } from '../../../trading/index.ts';

export type RedisMode = 'standalone' | 'sentinel' | 'cluster' | 'embedded';
/** What a RedisHealth snapshot may say about the topology. */
interface Topology {
  mode: RedisMode;
  masterName: string;
  master: string | null;
}

/**
 * Everything the dashboard reads, narrowed on purpose: no config object and no Redis URL ever
 * reaches this module, so no secret can end up in a snapshot.
 */
export interface DashboardSources {
  service: { role: AppRole; version: string; startedAt: number };
  /** Health reports the mode (and, in Sentinel mode, the master) itself. */
  redis: {
    tls: boolean;
    health: RedisHealth;
    /** On a Redis Cluster: its nodes as the cluster sees them (absent otherwise). */
    clusterNodes?: () => Promise<ClusterNodeRow[]>;
  };
  cache: Pick<CacheEngine, 'stats' | 'breakerState'>;
  symbols: Pick<SymbolCatalog, 'counters' | 'lastListing'>;
  /** Null in processes without a job runtime (one-shot tools). */
  jobs: Pick<JobRuntime, 'schedulers'> | null;
  /** Scrubs error messages (a Redis or BullMQ error could quote a URL). */
  scrubber: SecretScrubber;
  now?: () => number;
  /**
   * Longest wait for one Redis-backed section. The dashboard matters most while Redis is
   * failing: then a section reports its error instead of holding the whole answer (BullMQ
   * waits for a reconnect forever).
   */
  sectionTimeoutMs?: number;
}

export interface NamespaceRow extends CacheNamespaceStats {
  name: string;
  /** (L1 + L2 hits) / reads, where stale and last-good answers count as misses like the Python platform's; null before any read. */
  hitRatio: number | null;
}

export interface MarketRow {
  market: MarketType;
  /** Size of the list this process last served or refreshed; null before the first. */
  count: number | null;
  refreshedAt: string | null;
  ageMs: number | null;
  hits: number | null;
  misses: number | null;
  warmupSuccess: number | null;
  warmupError: number | null;
  lastWarmupAt: string | null;
}

export interface SchedulerRow {
  id: string;
  job: string;
  everyMs: number | null;
  nextRunAt: string | null;
  iterations: number;
  declared: boolean;
}

export interface DashboardSnapshot {
  generatedAt: string;
  service: {
    name: string;
    version: string;
    role: AppRole;
    startedAt: string;
    uptimeSec: number;
    node: string;
  };
  redis: {
    mode: RedisMode;
    /** Sentinel mode: the master's name and the `host:port` connected now (never credentials). */
    masterName: string | null;
    master: string | null;
    tls: boolean;
    status: string;
    reachable: boolean;
    latencyMs: number | null;
    failures: number;
    lastError: string | null;
    lastErrorAt: string | null;
  };
  /** Null unless Redis is a Cluster; `error` when no node answered CLUSTER NODES. */
  cluster: { error: string | null; nodes: ClusterNodeRow[] } | null;
  cache: { breaker: 'closed' | 'open' | 'half-open'; namespaces: NamespaceRow[] };
  symbols: { error: string | null; markets: MarketRow[] };
  jobs: { enabled: boolean; error: string | null; schedulers: SchedulerRow[] };
}

/** One look at the process: at most one PING, one MGET + GET per market, one scheduler listing. */
export async function dashboardSnapshot(sources: DashboardSources): Promise<DashboardSnapshot> {
  const now = sources.now ?? Date.now;
  const timeoutMs = sources.sectionTimeoutMs ?? 2_000;
  const scrub = (err: unknown) => sources.scrubber.scrub(errorMessage(err));
  const [redis, cluster, symbols, jobs] = await Promise.all([
    redisSection(sources, scrub),
    clusterSection(sources, timeoutMs, scrub),
    symbolsSection(sources, now, timeoutMs, scrub),
    jobsSection(sources, timeoutMs, scrub),
  ]);
  const { service } = sources;
  return {
    generatedAt: new Date(now()).toISOString(),
    service: {
      name: 'tradecache',
      version: service.version,
      role: service.role,
      startedAt: new Date(service.startedAt).toISOString(),
      uptimeSec: Math.max(0, Math.round((now() - service.startedAt) / 1000)),
      node: process.version,
    },
    redis,
    cluster,
    cache: { breaker: sources.cache.breakerState, namespaces: namespaceRows(sources.cache.stats()) },
    symbols,
    jobs,
  };
}

async function redisSection(
  { redis }: DashboardSources,
  scrub: (err: unknown) => string,
): Promise<DashboardSnapshot['redis']> {
  let latencyMs: number | null = null;
  let pingError: string | null = null;
  try {
    // RedisHealth.ping carries its own 1 s deadline; this is the dashboard's only PING.
    latencyMs = Math.round((await redis.health.ping()) * 100) / 100;
  } catch (err) {
    pingError = scrub(err);
  }
  const health: RedisHealthSnapshot & Partial<Topology> = redis.health.snapshot();
  return {
    mode: health.mode,
    masterName: health.masterName ?? null,
    master: health.master ?? null,
    tls: redis.tls,
    status: health.status,
    reachable: latencyMs !== null,
    latencyMs,
    failures: health.failures,
    lastError: pingError ?? health.lastError,
    lastErrorAt: health.lastErrorAt === null ? null : new Date(health.lastErrorAt).toISOString(),
  };
}

async function clusterSection(
  { redis }: DashboardSources,
  timeoutMs: number,
  scrub: (err: unknown) => string,
): Promise<DashboardSnapshot['cluster']> {
  if (!redis.clusterNodes) return null;
  try {
    return { error: null, nodes: await withDeadline(redis.clusterNodes(), timeoutMs, 'cluster nodes') };
  } catch (err) {
    return { error: scrub(err), nodes: [] };
  }
}

function namespaceRows(stats: Record<string, CacheNamespaceStats>): NamespaceRow[] {
  return Object.entries(stats)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => {
      const hits = s.hitsL1 + s.hitsL2;
      const reads = hits + s.misses + s.stale + s.lastGood;
      return { name, ...s, hitRatio: reads === 0 ? null : Math.round((hits / reads) * 10_000) / 10_000 };
    });
}

async function symbolsSection(
  { symbols }: DashboardSources,
  now: () => number,
  timeoutMs: number,
  scrub: (err: unknown) => string,
): Promise<DashboardSnapshot['symbols']> {
  let error: string | null = null;
  const markets = await Promise.all(
    MARKET_TYPES.map(async (market): Promise<MarketRow> => {
      const seen = symbols.lastListing(market);
      const row: MarketRow = {
        market,
        count: seen?.count ?? null,
        refreshedAt: null,
        ageMs: null,
        hits: null,
        misses: null,
        warmupSuccess: null,
        warmupError: null,
        lastWarmupAt: null,
      };
      let refreshedAt = seen?.refreshedAt ?? null;
      try {
        const c = await withDeadline(symbols.counters(market), timeoutMs, 'symbol counters');
        Object.assign(row, {
          hits: c.hits,
          misses: c.misses,
          warmupSuccess: c.warmupSuccess,
          warmupError: c.warmupError,
          lastWarmupAt: isoOrNull(c.lastWarmupAt),
        });
        // Redis's refresh_ts is shared by every process: newer than this process's copy, if any.
        if (typeof c.refreshedAt === 'number') refreshedAt = Math.max(c.refreshedAt, refreshedAt ?? 0);
      } catch (err) {
        error = scrub(err);
      }
      row.refreshedAt = isoOrNull(refreshedAt);
      row.ageMs = refreshedAt === null ? null : Math.max(0, now() - refreshedAt);
      return row;
    }),
  );
  return { error, markets };
}

async function jobsSection(
  { jobs }: DashboardSources,
  timeoutMs: number,
  scrub: (err: unknown) => string,
): Promise<DashboardSnapshot['jobs']> {
  if (!jobs) return { enabled: false, error: null, schedulers: [] };
  try {
    const schedulers = await withDeadline(jobs.schedulers(), timeoutMs, 'job schedulers');
    return {
      enabled: true,
      error: null,
      schedulers: schedulers
        .map((s) => ({
          id: s.id,
          job: s.job,
          everyMs: s.every,
          nextRunAt: isoOrNull(s.nextRunAt),
          iterations: s.iterations,
          declared: s.declared,
        }))
        .sort((a, b) => a.id.localeCompare(b.id)),
    };
  } catch (err) {
    return { enabled: true, error: scrub(err), schedulers: [] };
  }
}

function isoOrNull(epochMs: number | null | undefined): string | null {
  return typeof epochMs === 'number' && Number.isFinite(epochMs) && epochMs > 0
    ? new Date(epochMs).toISOString()
    : null;
}

/** Rejects after `ms` (the work goes on and its late result is dropped). */
async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
