export { type BatchDigest, digestOf, type PricePoint } from './digest.ts';
export { type FlushResult, WRITE_KINDS, type WriteCounts, type WriteKind } from './kinds.ts';
export { TurnBudget } from './turns.ts';
export { MarketWriteBatch } from './write-batch.ts';
