import { LRUCache } from 'lru-cache';
import { deepFreeze } from '../../deep-freeze.ts';
import type { CacheEntry } from '../codec/envelope.ts';

/** An L1 entry: the decoded, deep-frozen value and its lifetime. */
export interface MemoryEntry extends CacheEntry {
  /** Estimated heap bytes, charged against the byte budget. */
  size: number;
}

// Decoded JS objects take roughly twice their JSON size on the V8 heap (measured by
// bench/cache-engine.ts "L1 bytes per entry"); the constant covers the LRU node and key.
const HEAP_FACTOR = 2;
const NODE_OVERHEAD = 120;

/**
 * The in-process tier: an LRU bounded by bytes. Values are frozen once when stored, so a hit
 * hands out the same object with neither a copy nor a parse, and no caller can corrupt it for
 * the next one.
 */
export class MemoryTier {
  private readonly lru: LRUCache<string, MemoryEntry>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<string, MemoryEntry>({
      maxSize: maxBytes,
      sizeCalculation: (entry) => entry.size,
    });
  }

  static sizeOf(key: string, payloadBytes: number): number {
    return Math.max(1, payloadBytes * HEAP_FACTOR + key.length * 2 + NODE_OVERHEAD);
  }

  get(key: string): MemoryEntry | undefined {
    return this.lru.get(key);
  }

  set(key: string, entry: CacheEntry, payloadBytes: number): MemoryEntry {
    const stored = new StoredEntry(
      deepFreeze(entry.value),
      entry.createdAt,
      entry.expiresAt,
      entry.staleUntil,
      entry.keepUntil,
      MemoryTier.sizeOf(key, payloadBytes),
    );
    this.lru.set(key, stored);
    return stored;
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Drops every key starting with `prefix` (a namespace clear). */
  deletePrefix(prefix: string): void {
    for (const key of this.lru.keys()) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get calculatedBytes(): number {
    return this.lru.calculatedSize;
  }
}

/**
 * One shape for every L1 entry, built field by field: a spread copy (`{ ...entry }`) took ~300 more
 * heap bytes per entry (V8 gives spread results a slower, larger layout) and carried along any
 * extra field of its source, such as the encoded bytes read from Redis.
 */
class StoredEntry implements MemoryEntry {
  constructor(
    readonly value: unknown,
    readonly createdAt: number,
    readonly expiresAt: number,
    readonly staleUntil: number,
    readonly keepUntil: number,
    readonly size: number,
  ) {}
}
