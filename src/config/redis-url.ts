import { bool, type Env, int, invalid, read } from './parse.ts';
import type { RedisSource } from './types.ts';

export interface ResolvedRedisUrl {
  url: string | null;
  source: RedisSource;
  tls: boolean;
}

/**
 * `REDIS_USERNAME`: the Redis ACL user that AUTHs with `REDIS_PASSWORD` (Redis 6+), or undefined
 * for the `default` user. Printable ASCII without spaces, as `ACL SETUSER` takes it.
 */
export function redisUsername(env: Env): string | undefined {
  const user = read(env, 'REDIS_USERNAME');
  if (user !== undefined && !/^[!-~]{1,128}$/.test(user)) {
    throw invalid('REDIS_USERNAME', 'expected 1-128 printable characters without spaces');
  }
  return user;
}

/**
 * The Python platform's resolution order: `REDIS_URL`, else `CELERY_BROKER_URL`, else the `REDIS_HOST`
 * parts, else nothing (the caller starts the embedded redis-server).
 */
export function resolveRedisUrl(env: Env): ResolvedRedisUrl {
  for (const name of ['REDIS_URL', 'CELERY_BROKER_URL'] as const) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    const url = checkRedisUrl(name, raw);
    // A URL carries its own user (`redis://user:password@host`): two places for one setting
    // would leave the reader guessing which one won.
    if (read(env, 'REDIS_USERNAME') !== undefined) {
      throw invalid(
        'REDIS_USERNAME',
        `with ${name}, put the user in the URL: redis://<user>:<password>@<host>:<port>`,
      );
    }
    return { url, source: name, tls: raw.startsWith('rediss:') };
  }
  const host = read(env, 'REDIS_HOST');
  if (host === undefined) {
    if (read(env, 'REDIS_USERNAME') !== undefined) {
      throw invalid('REDIS_USERNAME', 'set it together with REDIS_HOST or REDIS_SENTINELS');
    }
    return { url: null, source: 'embedded', tls: false };
  }
  if (!/^[A-Za-z0-9.\-_:[\]]+$/.test(host)) throw invalid('REDIS_HOST', 'expected a host name or address');
  const port = int(env, 'REDIS_PORT', 6379, 1, 65535);
  const db = int(env, 'REDIS_DB', 0, 0, 15);
  const tls = bool(env, 'REDIS_TLS', false);
  const password = read(env, 'REDIS_PASSWORD');
  const username = redisUsername(env);
  const user = username === undefined ? '' : encodeURIComponent(username);
  const auth =
    password === undefined ? (user === '' ? '' : `${user}@`) : `${user}:${encodeURIComponent(password)}@`;
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `${tls ? 'rediss' : 'redis'}://${auth}${hostPart}:${port}/${db}`, source: 'REDIS_HOST', tls };
}

function checkRedisUrl(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // The URL may hold a password: the message names the variable only.
    throw invalid(name, 'expected a redis:// or rediss:// URL');
  }
  if (/^rediss?\+sentinel:$/.test(parsed.protocol)) {
    throw invalid(name, 'Sentinel is configured with REDIS_SENTINELS, not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw invalid(name, 'expected a redis:// or rediss:// URL');
  }
  // `redis://a,b/0` lists several nodes: not one Redis (a cluster is written redis+cluster://).
  if (parsed.hostname.includes(',')) {
    throw invalid(name, 'expected a single host (one Redis; a cluster is redis+cluster://h1:p1,h2:p2)');
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw invalid(name, 'the database part must be a number');
  return raw;
}
