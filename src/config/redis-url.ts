import { bool, type Env, int, invalid, read } from './parse.ts';
import type { RedisSource } from './types.ts';

export interface ResolvedRedisUrl {
  url: string | null;
  source: RedisSource;
  tls: boolean;
}

/**
 * The Python platform's resolution order: `REDIS_URL`, else `CELERY_BROKER_URL`, else the `REDIS_HOST`
 * parts, else nothing (the caller starts the embedded redis-server).
 */
export function resolveRedisUrl(env: Env): ResolvedRedisUrl {
  for (const name of ['REDIS_URL', 'CELERY_BROKER_URL'] as const) {
    const raw = read(env, name);
    if (raw !== undefined)
      return { url: checkRedisUrl(name, raw), source: name, tls: raw.startsWith('rediss:') };
  }
  const host = read(env, 'REDIS_HOST');
  if (host === undefined) return { url: null, source: 'embedded', tls: false };
  if (!/^[A-Za-z0-9.\-_:[\]]+$/.test(host)) throw invalid('REDIS_HOST', 'expected a host name or address');
  const port = int(env, 'REDIS_PORT', 6379, 1, 65535);
  const db = int(env, 'REDIS_DB', 0, 0, 15);
  const tls = bool(env, 'REDIS_TLS', false);
  const password = read(env, 'REDIS_PASSWORD');
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
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
