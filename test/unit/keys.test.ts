import { describe, expect, it } from 'vitest';
import { assertKeyPart, createKeys } from '../../src/redis/keys.ts';

describe('key registry', () => {
  const keys = createKeys('tradecache');

  it('keeps the seeds keys as written, under the prefix', () => {
    expect(keys.symbols.cache('spot')).toBe('tradecache:cache:symbols:spot:v1');
    expect(keys.symbols.cache('futures')).toBe('tradecache:cache:symbols:futures:v1');
    expect(keys.symbols.lastGood('spot')).toBe('tradecache:cache:symbols:spot:v1:last_good');
    expect(keys.symbols.refreshedAt('futures')).toBe('tradecache:cache:symbols:futures:v1:refresh_ts');
    expect(keys.metrics.cacheHit('symbols_spot')).toBe('tradecache:metrics:cache_hit:symbols_spot');
    expect(keys.metrics.cacheMiss('symbols_futures')).toBe('tradecache:metrics:cache_miss:symbols_futures');
    expect(keys.metrics.warmupSuccess('symbols_spot')).toBe('tradecache:metrics:warmup_success:symbols_spot');
    expect(keys.metrics.warmupError('symbols_spot')).toBe('tradecache:metrics:warmup_error:symbols_spot');
  });

  it('puts every BullMQ key of the deployment in one Cluster hash slot', () => {
    expect(keys.bullPrefix).toBe('{tradecache:bull}');
  });

  it('refuses key parts that could escape the namespace or a SCAN pattern', () => {
    for (const bad of ['a:b', 'a*', '', 'a b', '../x', 'x?', '[a]'])
      expect(() => assertKeyPart(bad)).toThrow();
    expect(() => createKeys('bad:prefix')).toThrow();
    expect(() => keys.metrics.cacheHit('symbols*')).toThrow();
  });
});
