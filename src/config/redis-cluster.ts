import { parseAddressList } from './address-list.ts';
import { bool, type Env, invalid, read } from './parse.ts';
import { redisUsername } from './redis-url.ts';
import type { ClusterConfig, RedisSource } from './types.ts';

/** The port a cluster seed node listens on unless told otherwise. */
export const DEFAULT_CLUSTER_PORT = 6379;

const EXAMPLE = 'expected comma-separated host:port entries such as redis-1:7000,redis-2:7001';
/** `redis+cluster://[user:pass@]h1:p1,h2:p2` (`rediss+cluster://` for TLS); no database part. */
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/?#]*)@)?([^@/?#]+)\/?$/;

export interface ResolvedCluster {
  cluster: ClusterConfig;
  source: RedisSource;
  tls: boolean;
}

/**
 * Cluster settings when `REDIS_CLUSTER_NODES` is set, or `REDIS_URL` / `CELERY_BROKER_URL` is a
 * `redis+cluster://` URL; else null. The nodes listed are seeds only: the client learns every
 * master and replica from them (CLUSTER SLOTS). User, password and TLS come from `REDIS_USERNAME` / `REDIS_PASSWORD` /
 * `REDIS_TLS` as for `REDIS_HOST`, or from the URL. A cluster has database 0 only.
 */
export function resolveCluster(env: Env): ResolvedCluster | null {
  const list = read(env, 'REDIS_CLUSTER_NODES');
  if (list !== undefined) {
    refuseDatabase(env, 'REDIS_CLUSTER_NODES');
    return {
      cluster: {
        nodes: parseAddressList('REDIS_CLUSTER_NODES', list, DEFAULT_CLUSTER_PORT, EXAMPLE),
        username: redisUsername(env) ?? null,
        password: read(env, 'REDIS_PASSWORD') ?? null,
      },
      source: 'REDIS_CLUSTER_NODES',
      tls: bool(env, 'REDIS_TLS', false),
    };
  }
  for (const name of ['REDIS_URL', 'CELERY_BROKER_URL'] as const) {
    const raw = read(env, name);
    if (raw === undefined) continue;
    // The first URL set is the one used; only a cluster one is resolved here.
    if (!/^rediss?\+cluster:/i.test(raw)) return null;
    if (read(env, 'REDIS_USERNAME') !== undefined) {
      throw invalid(
        'REDIS_USERNAME',
        `with ${name}, put the user in the URL: redis+cluster://<user>:<password>@<hosts>`,
      );
    }
    return { ...parseClusterUrl(name, raw), source: name };
  }
  return null;
}

function parseClusterUrl(name: string, raw: string): { cluster: ClusterConfig; tls: boolean } {
  const match = CLUSTER_URL.exec(raw);
  // The URL may hold a password: messages name the variable only.
  if (!match) {
    throw invalid(name, 'expected redis+cluster://[user:password@]host:port,host:port (no database part)');
  }
  const [, scheme, auth, hosts = ''] = match;
  let username: string | null = null;
  let password: string | null = null;
  if (auth !== undefined) {
    const colon = auth.indexOf(':');
    const user = colon < 0 ? auth : auth.slice(0, colon);
    const pass = colon < 0 ? '' : auth.slice(colon + 1);
    try {
      username = user === '' ? null : decodeURIComponent(user);
      password = pass === '' ? null : decodeURIComponent(pass);
    } catch {
      throw invalid(name, 'the user or password part is not valid percent-encoding');
    }
  }
  return {
    cluster: { nodes: parseAddressList(name, hosts, DEFAULT_CLUSTER_PORT, EXAMPLE), username, password },
    tls: scheme === 'rediss',
  };
}

function refuseDatabase(env: Env, variable: string): void {
  const db = read(env, 'REDIS_DB');
  if (db !== undefined && db !== '0') {
    throw invalid('REDIS_DB', `a Redis Cluster has database 0 only (with ${variable})`);
  }
}
