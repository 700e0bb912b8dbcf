import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { redactUrl, SecretScrubber } from '../../src/config/redact.ts';
import { ENV_VARIABLES } from '../../src/config/variables.ts';
import { isTradecacheError } from '../../src/errors.ts';
import { describeRedisTarget, redisMode, redisSecrets } from '../../src/redis/connection.ts';

/** The message of the error `fn` throws (the test fails if it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('Redis URL resolution (Python platform order)', () => {
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

  it('puts REDIS_USERNAME into the AUTH of REDIS_HOST (plain and TLS) and of the Sentinel master', () => {
    const env = { REDIS_HOST: 'c', REDIS_USERNAME: 'tc@app', REDIS_PASSWORD: 'p w' };
    expect(loadConfig(env).redis.url).toBe('redis://tc%40app:p%20w@c:6379/0');
    expect(loadConfig({ ...env, REDIS_TLS: 'true' }).redis.url).toBe('rediss://tc%40app:p%20w@c:6379/0');
    const { REDIS_HOST: _h, ...rest } = env;
    expect(loadConfig({ ...rest, REDIS_SENTINELS: 's1' }).redis.sentinel).toMatchObject({
      username: 'tc@app',
      password: 'p w',
    });
  });

  it('refuses REDIS_USERNAME beside a URL (the URL names its user) and without any Redis', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://h:6379/0', REDIS_USERNAME: 'u' })).toThrow(
      /REDIS_USERNAME.*redis:\/\/<user>:<password>@/,
    );
    expect(() => loadConfig({ REDIS_USERNAME: 'u' })).toThrow(
      /REDIS_USERNAME.*REDIS_HOST or REDIS_SENTINELS/,
    );
    expect(() => loadConfig({ REDIS_HOST: 'h', REDIS_USERNAME: 'a b' })).toThrow(/REDIS_USERNAME/);
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
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 8000,
      trustProxy: false,
      // A slowloris socket (headers or body dribbled in) is cut off within 30 s.
      limits: {
        requestTimeoutMs: 10_000,
        idleTimeoutMs: 20_000,
        keepAliveTimeoutMs: 10_000,
        bodyLimitBytes: 65_536,
        maxParamLength: 100,
        maxHeaderBytes: 16_384,
        maxConnections: 1000,
        ratePerMinute: 1200,
      },
    });
    expect(config.logRequests).toBe('errors');
    expect(config.logRepeatIntervalMs).toBe(10_000);
    expect(config.auth.metricsToken).toBeNull();
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

describe('Redis Sentinel configuration', () => {
  it('reads the sentinels, the master name and the data-node password, db and TLS', () => {
    const redis = loadConfig({
      REDIS_SENTINELS: ' s1:26380 , s2 ,[::1]:26381,s1:26380',
      REDIS_SENTINEL_MASTER: 'trading',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'master-secret',
      REDIS_DB: '3',
      REDIS_TLS: 'true',
    }).redis;
    expect(redis).toMatchObject({ url: null, source: 'REDIS_SENTINELS', tls: true });
    expect(redis.sentinel).toEqual({
      // Port 26379 when left out; IPv6 in brackets; a repeated entry counted once.
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      masterName: 'trading',
      sentinelPassword: 'sentinel-secret',
      username: null,
      password: 'master-secret',
      db: 3,
    });
    expect(redisMode(redis)).toBe('sentinel');
    expect(redisSecrets(redis).sort()).toEqual(['master-secret', 'sentinel-secret']);
    const target = describeRedisTarget(redis);
    expect(target).toBe('master "trading" through sentinels s1:26380,s2:26379,[::1]:26381');
  });

  it('defaults the master name to mymaster and needs no passwords', () => {
    const redis = loadConfig({ REDIS_SENTINELS: 'sentinel:26379' }).redis;
    expect(redis.sentinel).toMatchObject({
      masterName: 'mymaster',
      sentinelPassword: null,
      password: null,
      db: 0,
    });
    expect(redis.tls).toBe(false);
  });

  it('wins over every URL setting only when REDIS_SENTINELS is set', () => {
    const urls = { REDIS_URL: 'redis://a:6379/0', CELERY_BROKER_URL: 'redis://b:6379/0', REDIS_HOST: 'c' };
    expect(loadConfig({ ...urls, REDIS_SENTINELS: 's:26379' }).redis.source).toBe('REDIS_SENTINELS');
    expect(loadConfig({ ...urls, REDIS_SENTINELS: ' ' }).redis).toMatchObject({
      source: 'REDIS_URL',
      sentinel: null,
    });
    expect(redisMode(loadConfig(urls).redis)).toBe('standalone');
    expect(redisMode(loadConfig({}).redis)).toBe('embedded');
  });

  it.each([
    ['s1:26379,,s2:26379', 'entry 2 is empty'],
    ['s1:0', 'entry 1 is not host:port'],
    ['s1:70000', 'entry 1 is not host:port'],
    ['s1:port', 'entry 1 is not host:port'],
    ['s1:26379:1', 'entry 1 is not host:port'],
    ['-s1:26379', 'entry 1 is not host:port'],
    ['[zz::1]:26379', 'entry 1 is not host:port'],
    ['s1:26379,redis://:hunter2secret@s2:26379', 'entry 2 looks like a URL'],
    ['s1:26379,user:hunter2secret@s2', 'entry 2 looks like a URL'],
  ])('REDIS_SENTINELS=%s is refused (%s) without echoing the value', (value, why) => {
    const err = thrown(() =>
      loadConfig({ REDIS_SENTINELS: value, REDIS_SENTINEL_PASSWORD: 'sentinel-secret' }),
    );
    expect(isTradecacheError(err, 'CONFIG_INVALID')).toBe(true);
    expect(err.message).toContain(`invalid REDIS_SENTINELS: ${why}`);
    expect(err.message).not.toContain('hunter2secret');
    expect(err.message).not.toContain('sentinel-secret');
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it('refuses a bad master name, and Sentinel settings without sentinels', () => {
    expect(
      thrown(() => loadConfig({ REDIS_SENTINELS: 's', REDIS_SENTINEL_MASTER: 'my master' })).message,
    ).toContain('invalid REDIS_SENTINEL_MASTER');
    expect(thrown(() => loadConfig({ REDIS_SENTINEL_MASTER: 'trading' })).message).toBe(
      'invalid REDIS_SENTINEL_MASTER: set it together with REDIS_SENTINELS',
    );
    const password = thrown(() => loadConfig({ REDIS_SENTINEL_PASSWORD: 'sentinel-secret' })).message;
    expect(password).toContain('invalid REDIS_SENTINEL_PASSWORD');
    expect(password).not.toContain('sentinel-secret');
  });

  it('scrubs the sentinel and master passwords from any text', () => {
    const scrubber = new SecretScrubber();
    const redis = loadConfig({
      REDIS_SENTINELS: 's',
      REDIS_SENTINEL_PASSWORD: 'sentinel-secret',
      REDIS_PASSWORD: 'master-secret',
    }).redis;
    for (const secret of redisSecrets(redis)) scrubber.add(secret);
    const line = scrubber.scrub('AUTH sentinel-secret failed; AUTH master-secret failed');
    expect(line).toBe('AUTH *** failed; AUTH *** failed');
  });
});

describe('durable writes (WAIT)', () => {
  it('waits for one replica on a Cluster or with Sentinel, for none on one Redis', () => {
    expect(loadConfig({}).redis).toMatchObject({
      durableReplicas: 0,
      durableWaitMs: 500,
      appendfsync: 'everysec',
    });
    expect(loadConfig({ REDIS_URL: 'redis://h:6379' }).redis.durableReplicas).toBe(0);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000' }).redis.durableReplicas).toBe(1);
    expect(loadConfig({ REDIS_URL: 'redis+cluster://n1:7000' }).redis.durableReplicas).toBe(1);
    expect(loadConfig({ REDIS_SENTINELS: 's1' }).redis.durableReplicas).toBe(1);
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_DURABLE_REPLICAS: '0' }).redis.durableReplicas,
    ).toBe(0);
    expect(loadConfig({ REDIS_APPENDFSYNC: 'always' }).redis.appendfsync).toBe('always');
  });

  it('refuses a WAIT as long as the command timeout, which would answer first', () => {
    expect(
      thrown(() =>
        loadConfig({
          REDIS_DURABLE_REPLICAS: '1',
          REDIS_DURABLE_WAIT_MS: '2000',
          REDIS_COMMAND_TIMEOUT_MS: '2000',
        }),
      ).message,
    ).toContain('invalid REDIS_DURABLE_WAIT_MS: must be below REDIS_COMMAND_TIMEOUT_MS (2000)');
    // A short command timeout alone halves the default wait; without replicas no WAIT runs.
    expect(loadConfig({ REDIS_COMMAND_TIMEOUT_MS: '200' }).redis.durableWaitMs).toBe(100);
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'n1:7000', REDIS_COMMAND_TIMEOUT_MS: '300' }).redis.durableWaitMs,
    ).toBe(150);
    expect(thrown(() => loadConfig({ REDIS_DURABLE_REPLICAS: '-1' })).message).toContain(
      'REDIS_DURABLE_REPLICAS',
    );
    expect(thrown(() => loadConfig({ REDIS_APPENDFSYNC: 'no' })).message).toContain('REDIS_APPENDFSYNC');
  });
});

describe('Redis Cluster', () => {
  it('takes its seed nodes from REDIS_CLUSTER_NODES, with REDIS_PASSWORD and REDIS_TLS', () => {
    const redis = loadConfig({
      REDIS_CLUSTER_NODES: 'n1:7000, n2 ,[::1]:7002,n1:7000',
      REDIS_PASSWORD: 'cluster-secret',
      REDIS_USERNAME: 'svc',
      REDIS_TLS: 'true',
    }).redis;
    expect(redis.url).toBeNull();
    expect(redis.source).toBe('REDIS_CLUSTER_NODES');
    expect(redis.tls).toBe(true);
    expect(redis.cluster).toEqual({
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      username: 'svc',
      password: 'cluster-secret',
    });
    expect(redisMode(redis)).toBe('cluster');
    expect(redisSecrets(redis)).toEqual(['cluster-secret']);
  });

  it('reads a redis+cluster:// URL with a user and a percent-encoded password', () => {
    const redis = loadConfig({ REDIS_URL: 'rediss+cluster://svc:p%40ss%3Aword@n1:7000,n2:7001/' }).redis;
    expect(redis.source).toBe('REDIS_URL');
    expect(redis.tls).toBe(true);
    expect(redis.cluster).toEqual({
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      username: 'svc',
      password: 'p@ss:word',
    });
  });

  it('is not taken from a later variable when REDIS_URL names one Redis', () => {
    const redis = loadConfig({
      REDIS_URL: 'redis://n1:6379/0',
      CELERY_BROKER_URL: 'redis+cluster://n1:7000',
    }).redis;
    expect(redis.cluster).toBeNull();
    expect(redis.url).toBe('redis://n1:6379/0');
  });

  it.each([
    [{ REDIS_CLUSTER_NODES: 'n1:7000,,n2' }, 'invalid REDIS_CLUSTER_NODES: entry 2 is empty'],
    [{ REDIS_CLUSTER_NODES: 'redis://:pw1234@n1' }, 'invalid REDIS_CLUSTER_NODES: entry 1 looks like a URL'],
    [{ REDIS_CLUSTER_NODES: 'n1:70000' }, 'invalid REDIS_CLUSTER_NODES: entry 1 is not host:port'],
    [
      { REDIS_CLUSTER_NODES: 'n1:7000', REDIS_DB: '2' },
      'invalid REDIS_DB: a Redis Cluster has database 0 only',
    ],
    [
      { REDIS_CLUSTER_NODES: 'n1:7000', REDIS_SENTINELS: 's1:26379' },
      'invalid REDIS_CLUSTER_NODES: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES',
    ],
    [
      { REDIS_URL: 'redis+cluster://:pw1234@n1:7000', REDIS_USERNAME: 'svc' },
      'invalid REDIS_USERNAME: with REDIS_URL, put the user in the URL',
    ],
    [{ REDIS_URL: 'redis+cluster://:pw1234@n1:7000/3' }, 'invalid REDIS_URL: expected redis+cluster://'],
    [
      { CELERY_BROKER_URL: 'rediss+cluster://:pw1234@' },
      'invalid CELERY_BROKER_URL: expected redis+cluster://',
    ],
    [{ REDIS_URL: 'redis://:pw1234@n1,n2/0' }, 'invalid REDIS_URL: expected a single host'],
    [
      { REDIS_URL: 'redis+sentinel://s1:26379/mymaster' },
      'invalid REDIS_URL: Sentinel is configured with REDIS_SENTINELS',
    ],
  ])('%o is refused in one line', (env, message) => {
    const err = thrown(() => loadConfig(env));
    expect(isTradecacheError(err, 'CONFIG_INVALID')).toBe(true);
    expect(err.message).toContain(message);
    expect(err.message).not.toContain('pw1234');
  });
});

describe('exchange stream URLs', () => {
  it("default to Binance's stream hosts and accept ws:// and wss:// bases, trailing slash dropped", () => {
    expect(loadConfig({}).exchange).toMatchObject({
      spotStreamUrl: 'wss://stream.binance.com:9443',
      futuresStreamUrl: 'wss://fstream.binance.com',
    });
    const custom = loadConfig({
      BINANCE_SPOT_STREAM_URL: 'ws://127.0.0.1:9000/',
      BINANCE_FUTURES_STREAM_URL: 'wss://proxy.example.invalid/fstream',
    }).exchange;
    expect(custom).toMatchObject({
      spotStreamUrl: 'ws://127.0.0.1:9000',
      futuresStreamUrl: 'wss://proxy.example.invalid/fstream',
    });
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
    ['LOG_REQUESTS', 'some'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_MAX_CONNECTIONS', 'many'],
    ['METRICS_TOKEN', 'short'],
    ['BINANCE_SPOT_URL', 'ftp://x'],
    ['BINANCE_SPOT_STREAM_URL', 'https://stream.example.invalid'],
    ['BINANCE_FUTURES_STREAM_URL', 'wss://fstream.example.invalid/stream?streams=x'],
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

describe('ENV_VARIABLES', () => {
  it('lists every variable the config code reads', () => {
    // Every read goes through a helper called as `(e, 'NAME'` or `(env, 'NAME'`.
    const dir = path.resolve(import.meta.dirname, '../../src/config');
    const read = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(path.join(dir, file), 'utf8').matchAll(
        /\((?:e|env), '([A-Z][A-Z0-9_]*)'/g,
      )) {
        read.add(m[1] ?? '');
      }
    }
    expect(read.size).toBeGreaterThan(20);
    const listed = new Set(ENV_VARIABLES.map((v) => v.name));
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
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
