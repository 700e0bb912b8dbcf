import type { FailSoftWarnings } from '../fail-soft-warnings.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { BusMessage } from './bus.ts';
import type { Codec } from './codec/codec.ts';
import type { MemoryTier } from './tiers/memory-tier.ts';
import type { RedisTier } from './tiers/redis-tier.ts';

/** What every namespace of one engine shares. Internal. */
export interface EngineCore {
  readonly id: string;
  readonly prefix: string;
  readonly logger: Logger;
  /** Fail-soft warnings, counted per cause and interval (see FailSoftWarnings). */
  readonly warnings: FailSoftWarnings;
  readonly metrics: Metrics | undefined;
  readonly now: () => number;
  readonly codec: Codec;
  readonly compressThresholdBytes: number;
  readonly l1: MemoryTier;
  readonly l2: RedisTier;
  /** Aborted by `engine.close()`: running factories see it through their signal. */
  readonly closing: AbortSignal;
  /** L1 may serve fresh values only while the bus delivers invalidations. */
  l1Trusted(): boolean;
  /** Fire-and-forget bus message; a failure is logged, never thrown. */
  publish(message: Omit<BusMessage, 'o'>): void;
  /** Resolves when a `fill` for `redisKey` arrives or after `ms`, whichever is first. */
  waitForFill(redisKey: string, ms: number): Promise<void>;
  /** Keeps background work (soft-timeout refreshes) visible to `close()`. */
  track(work: Promise<unknown>): void;
}
