import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { redactUrl, SecretScrubber } from '../../src/config/redact.ts';
import { ENV_VARIABLES } from '../../src/config/variables.ts';
import { isTradecacheError } from '../../src/errors.ts';

describe('Redis URL resolution (seed order)', () => {
  it('prefers REDIS_URL over CELERY_BROKER_URL over REDIS_HOST', () => {
    const all = {
      REDIS_URL: 'redis://a:6379/0',
      CELERY_BROKER_URL: 'redis://b:6379/0',
      REDIS_HOST: 'c',
    };
    expect(loadConfig(all).redis).toMatchObject({ url: 'redis://a:6379/0', source: 'REDIS_URL' });
    const { REDIS_URL: _a, ...noRedisUrl } = all;
    expect(loadConfig(noRedisUrl).redis).toMatchObject({
      url: 'redis://b:6379/0',
      source: 'CELERY_BROKER_URL',
    });
    expect(
      loadConfig({ REDIS_HOST: 'c', REDIS_PORT: '6380', REDIS_DB: '2', REDIS_PASSWORD: 'p@ss w' }).redis,
    ).toMatchObject({
      url: 'redis://:p%40ss%20w@c:6380/2',
      source: 'REDIS_HOST',
      tls: false,
    });
  });

  it('starts the embedded Redis when nothing is configured', () => {
    expect(loadConfig({}).redis).toMatchObject({ url: null, source: 'embedded' });
  });

  it('treats rediss:// as TLS', () => {
    expect(loadConfig({ REDIS_URL: 'rediss://h:6380/0' }).redis.tls).toBe(true);
    expect(loadConfig({ REDIS_HOST: 'h', REDIS_TLS: 'true' }).redis.url).toBe('rediss://h:6379/0');
  });

  it('applies the documented defaults and freezes the result', () => {
    const config = loadConfig({});
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(config.redis.keyPrefix).toBe('tradecache');
    expect(config.exchange.kind).toBe('binance');
    expect(config.exchange.spotUrl).toBe('https://api.binance.com');
    expect(config.symbols.popularBaseAssets).toEqual(['BTC', 'ETH', 'BNB', 'SOL', 'XRP', 'ADA', 'DOGE']);
    expect(Object.isFrozen(config.symbols)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow();
  });
});

describe('invalid configuration', () => {
  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['EXCHANGE', 'kraken'],
    ['SYMBOLS_CACHE_TTL', '0'],
    ['REDIS_KEY_PREFIX', 'a:b'],
    ['LOG_LEVEL', 'loud'],
    ['BINANCE_SPOT_URL', 'ftp://x'],
    ['POPULAR_BASE_ASSETS', 'BTC,,ETH'],
  ])('%s=%s is refused with an error naming the variable', (name, value) => {
    const err = (() => {
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(isTradecacheError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain(name);
  });

  it('never echoes a bad URL, which may contain a password', () => {
    let message = '';
    try {
      loadConfig({ REDIS_URL: 'http://user:hunter2secret@host' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('REDIS_URL');
    expect(message).not.toContain('hunter2secret');
  });
});

describe('redaction', () => {
  it('masks the password of a Redis URL', () => {
    expect(redactUrl('redis://:s3cretpass@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(redactUrl('redis://h:6379/0')).toBe('redis://h:6379/0');
  });

  it('scrubs known secrets and URL credentials from any text', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('topsecretvalue');
    const line = scrubber.scrub('connect redis://u:pw123@h failed; token=topsecretvalue');
    expect(line).not.toContain('pw123');
    expect(line).not.toContain('topsecretvalue');
  });
});

describe('README', () => {
  it('documents every environment variable with its default', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const variable of ENV_VARIABLES) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${variable.name}\` |`));
      expect(row, variable.name).toBeDefined();
      if (variable.default !== undefined) expect(row).toContain(`\`${variable.default}\``);
    }
  });
});
