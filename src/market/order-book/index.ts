export { BookSide, type ParsedLevel } from './book-side.ts';
export { type BookPhase, LocalOrderBook, type LocalOrderBookOptions } from './local-order-book.ts';
export { bridges, follows, isBehind, isStaleSnapshot } from './sync-rules.ts';
export type {
  ApplyResult,
  BookLevel,
  BookMarket,
  DepthDiff,
  DepthSnapshot,
  ResyncEvent,
  ResyncReason,
} from './types.ts';
export { parseDiff, parseLevels, parseSnapshot } from './validate.ts';
