export { type FlushResult, WRITE_KINDS, type WriteCounts, type WriteKind } from './kinds.ts';
export { MarketWriteBatch } from './write-batch.ts';
