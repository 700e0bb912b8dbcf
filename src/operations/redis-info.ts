/** The figures of `INFO` an operator reads (seed 002's `redis_info`, plus what the monitor needs). */
export interface RedisInfo {
  version: string;
  /** `standalone`, `sentinel` or `cluster`, as the server reports it. */
  mode: string;
  usedMemory: number;
  usedMemoryHuman: string;
  /** 0 means "no limit". */
  maxMemory: number;
  evictionPolicy: string;
  connectedClients: number;
  uptimeSeconds: number;
  aofEnabled: boolean;
  opsPerSecond: number;
}

/** Parses the text of `INFO` (`key:value` lines, `#` section headers) into its fields. */
export function parseInfoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

const num = (fields: Map<string, string>, name: string) => {
  const value = Number(fields.get(name));
  return Number.isFinite(value) ? value : 0;
};

/** The operator's view of one `INFO` answer (all sections: server, clients, memory, persistence, stats). */
export function redisInfoOf(text: string): RedisInfo {
  const fields = parseInfoFields(text);
  return {
    version: fields.get('redis_version') ?? 'unknown',
    mode: fields.get('redis_mode') ?? 'standalone',
    usedMemory: num(fields, 'used_memory'),
    usedMemoryHuman: fields.get('used_memory_human') ?? '',
    maxMemory: num(fields, 'maxmemory'),
    evictionPolicy: fields.get('maxmemory_policy') ?? 'unknown',
    connectedClients: num(fields, 'connected_clients'),
    uptimeSeconds: num(fields, 'uptime_in_seconds'),
    aofEnabled: fields.get('aof_enabled') === '1',
    opsPerSecond: num(fields, 'instantaneous_ops_per_sec'),
  };
}

/**
 * Whether Redis may drop keys under memory pressure. `noeviction` is the only safe policy for
 * the Redis that holds BullMQ queues and user data: `volatile-*` still drops sessions (they
 * carry a TTL) and `allkeys-*` drops queues and accounts too.
 */
export function isEvictingPolicy(policy: string): boolean {
  return policy !== 'noeviction';
}

/** Share of `maxmemory` in use, or null when no limit is set. */
export function memoryUsageRatio(info: Pick<RedisInfo, 'usedMemory' | 'maxMemory'>): number | null {
  return info.maxMemory > 0 ? info.usedMemory / info.maxMemory : null;
}
