import { parseAddressList } from './address-list.ts';
import { type Env, int, invalid, read } from './parse.ts';
import { redisUsername } from './redis-url.ts';
import type { SentinelAddress, SentinelConfig } from './types.ts';

/** The port Sentinel listens on unless told otherwise. */
export const DEFAULT_SENTINEL_PORT = 26379;
export const DEFAULT_SENTINEL_MASTER = 'mymaster';

const EXAMPLE = 'expected comma-separated host:port entries such as sentinel-1:26379,sentinel-2:26379';

/**
 * Sentinel settings when `REDIS_SENTINELS` is set, else null. The data nodes' user, password,
 * database and TLS come from the same `REDIS_USERNAME` / `REDIS_PASSWORD` / `REDIS_DB` / `REDIS_TLS` as for
 * `REDIS_HOST`, so moving from one Redis to a Sentinel-managed one changes only the address.
 */
export function resolveSentinel(env: Env): SentinelConfig | null {
  const list = read(env, 'REDIS_SENTINELS');
  if (list === undefined) {
    // A master name or sentinel password without sentinels is a half-done Sentinel setup:
    // connecting to another Redis instead would be silently wrong.
    for (const name of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'])
      if (read(env, name) !== undefined) throw invalid(name, 'set it together with REDIS_SENTINELS');
    return null;
  }
  const masterName = read(env, 'REDIS_SENTINEL_MASTER') ?? DEFAULT_SENTINEL_MASTER;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(masterName)) {
    throw invalid('REDIS_SENTINEL_MASTER', 'expected 1-128 characters of A-Z a-z 0-9 . _ : -');
  }
  return {
    sentinels: parseSentinelList(list),
    masterName,
    sentinelPassword: read(env, 'REDIS_SENTINEL_PASSWORD') ?? null,
    username: redisUsername(env) ?? null,
    password: read(env, 'REDIS_PASSWORD') ?? null,
    db: int(env, 'REDIS_DB', 0, 0, 15),
  };
}

/** `host:port,host:port` (port 26379 when left out; IPv6 as `[::1]:26379`). */
export function parseSentinelList(raw: string): SentinelAddress[] {
  return parseAddressList('REDIS_SENTINELS', raw, DEFAULT_SENTINEL_PORT, EXAMPLE);
}
