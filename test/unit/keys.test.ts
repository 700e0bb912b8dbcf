import { describe, expect, it } from 'vitest';
import { assertKeyPart, createKeys } from '../../src/redis/keys/index.ts';

describe('key registry', () => {
  const keys = createKeys('tradecache');

  it('keeps the Python platform keys as written, under the prefix', () => {
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

describe('key registry with an empty prefix (shared with the Python platform)', () => {
  const keys = createKeys('');

  it('uses the Python keys exactly and keeps our own keys under tradecache:', () => {
    expect(keys.symbols.cache('spot')).toBe('cache:symbols:spot:v1');
    expect(keys.symbols.lastGood('futures')).toBe('cache:symbols:futures:v1:last_good');
    expect(keys.symbols.refreshedAt('spot')).toBe('cache:symbols:spot:v1:refresh_ts');
    expect(keys.metrics.cacheHit('symbols_spot')).toBe('metrics:cache_hit:symbols_spot');
    expect(keys.metrics.warmupError('symbols_futures')).toBe('metrics:warmup_error:symbols_futures');
    expect(keys.cache.root).toBe('tradecache:cache');
    expect(keys.sessions.userIndex).toBe('tradecache:users:index');
    expect(keys.bullPrefix).toBe('{tradecache:bull}');
    expect(keys.ownKeys).toBe('tradecache:*');
  });
});

describe('Cluster hash tags', () => {
  const keys = createKeys('tc');
  const tagOf = (key: string) => /\{([^}]*)\}/.exec(key)?.[1];

  it('puts every key of one user in one slot', () => {
    const s = keys.sessions;
    const all = [
      s.session('alice', 'x'.repeat(43)),
      s.sessionIndex('alice'),
      s.account('alice'),
      s.preferences('alice'),
    ];
    expect(new Set(all.map(tagOf))).toEqual(new Set(['alice']));
    expect(tagOf(keys.alerts.notifications('alice'))).toBe('alice');
  });

  it('puts every key of one symbol in one slot, and an alert symbol set with its records', () => {
    const m = keys.market;
    const all = [
      m.price('spot', 'BTCUSDT'),
      m.ticks('spot', 'BTCUSDT'),
      m.candles('spot', 'BTCUSDT'),
      m.candleIndex('spot', 'BTCUSDT'),
      m.seriesMark('spot', 'BTCUSDT'),
      m.trades('spot', 'BTCUSDT'),
    ];
    expect(new Set(all.map(tagOf))).toEqual(new Set(['spot:BTCUSDT']));
    const a = keys.alerts;
    const symbolArea = [
      a.targets('spot', 'BTCUSDT', 'above'),
      a.targets('spot', 'BTCUSDT', 'below'),
      a.records('spot', 'BTCUSDT'),
      a.expiring('spot', 'BTCUSDT'),
      a.lastChecked('spot', 'BTCUSDT'),
      a.outbox('spot', 'BTCUSDT'),
    ];
    expect(new Set(symbolArea.map(tagOf))).toEqual(new Set(['alerts:spot:BTCUSDT']));
    expect(tagOf(a.userAlerts('alice'))).toBe(tagOf(a.activeAlerts('alice')));
  });

  it('refuses user input that is not a symbol, interval or user id before it reaches a key', () => {
    expect(() => keys.market.price('spot', 'BTC:*')).toThrow();
    expect(() => keys.market.candleField('7m' as never, 0)).toThrow();
    expect(() => keys.sessions.account('a}b')).toThrow();
    expect(() => keys.alerts.records('spot', 'BTC:*')).toThrow();
    expect(() => keys.sessions.socketSubscriptions('alice', 'x:y')).toThrow();
  });
});
