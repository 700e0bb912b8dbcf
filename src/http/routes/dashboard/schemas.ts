/**
 * Response schema of `GET /api/v1/dashboard` (OpenAPI description and fast serialization).
 * `additionalProperties: false` everywhere: the serializer drops any field not listed here, so
 * a value added to a source object later cannot leak into the answer unnoticed.
 */
const int = { type: 'integer' } as const;
const nullableInt = { type: ['integer', 'null'] } as const;
const nullableTime = { type: ['string', 'null'], format: 'date-time' } as const;

const namespaceRow = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    hitsL1: int,
    hitsL2: int,
    misses: int,
    stale: int,
    lastGood: int,
    factoryCalls: int,
    factoryErrors: int,
    l2Errors: int,
    writeFailures: int,
    decodeErrors: int,
    hitRatio: { type: ['number', 'null'], description: '(L1 + L2 hits) / reads; null before any read' },
  },
  required: [
    'name',
    'hitsL1',
    'hitsL2',
    'misses',
    'stale',
    'lastGood',
    'factoryCalls',
    'factoryErrors',
    'l2Errors',
    'writeFailures',
    'decodeErrors',
    'hitRatio',
  ],
} as const;

const marketRow = {
  type: 'object',
  additionalProperties: false,
  properties: {
    market: { type: 'string', enum: ['spot', 'futures'] },
    count: { ...nullableInt, description: 'symbols in the list this process last served or refreshed' },
    refreshedAt: nullableTime,
    ageMs: nullableInt,
    hits: { ...nullableInt, description: 'all processes (Redis counter); null when Redis did not answer' },
    misses: nullableInt,
    warmupSuccess: nullableInt,
    warmupError: nullableInt,
    lastWarmupAt: nullableTime,
  },
  required: [
    'market',
    'count',
    'refreshedAt',
    'ageMs',
    'hits',
    'misses',
    'warmupSuccess',
    'warmupError',
    'lastWarmupAt',
  ],
} as const;

const schedulerRow = {
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string' },
    job: { type: 'string' },
    everyMs: nullableInt,
    nextRunAt: nullableTime,
    iterations: int,
    declared: { type: 'boolean' },
  },
  required: ['id', 'job', 'everyMs', 'nextRunAt', 'iterations', 'declared'],
} as const;

export const dashboardResponseSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    generatedAt: { type: 'string', format: 'date-time' },
    service: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        role: { type: 'string', enum: ['start', 'api', 'worker', 'tool'] },
        startedAt: { type: 'string', format: 'date-time' },
        uptimeSec: int,
        node: { type: 'string' },
      },
      required: ['name', 'version', 'role', 'startedAt', 'uptimeSec', 'node'],
    },
    redis: {
      type: 'object',
      additionalProperties: false,
      properties: {
        mode: { type: 'string', enum: ['embedded', 'standalone', 'sentinel', 'cluster'] },
        masterName: { type: ['string', 'null'], description: 'Sentinel mode: the master name' },
        master: { type: ['string', 'null'], description: 'Sentinel mode: host:port of the master now' },
        tls: { type: 'boolean' },
        status: { type: 'string', description: 'state of the command connection (ready, reconnecting...)' },
        reachable: { type: 'boolean', description: 'this request PINGed Redis successfully' },
        latencyMs: { type: ['number', 'null'] },
        failures: int,
        lastError: { type: ['string', 'null'] },
        lastErrorAt: nullableTime,
      },
      required: [
        'mode',
        'masterName',
        'master',
        'tls',
        'status',
        'reachable',
        'latencyMs',
        'failures',
        'lastError',
        'lastErrorAt',
      ],
    },
    cluster: {
      type: ['object', 'null'],
      description: 'Redis Cluster only (null otherwise): every node as CLUSTER NODES shows it',
      additionalProperties: false,
      properties: {
        error: { type: ['string', 'null'], description: 'no node answered CLUSTER NODES' },
        nodes: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            properties: {
              address: { type: 'string', description: 'host:port the node announces' },
              role: { type: 'string', enum: ['master', 'replica'] },
              slots: { ...int, description: 'hash slots owned (0 for a replica)' },
              up: { type: 'boolean', description: 'not flagged failing and its cluster link is connected' },
              master: { type: ['string', 'null'], description: "a replica's master (host:port)" },
            },
            required: ['address', 'role', 'slots', 'up', 'master'],
          },
        },
      },
      required: ['error', 'nodes'],
    },
    cache: {
      type: 'object',
      additionalProperties: false,
      properties: {
        breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
        namespaces: { type: 'array', items: namespaceRow },
      },
      required: ['breaker', 'namespaces'],
    },
    symbols: {
      type: 'object',
      additionalProperties: false,
      properties: {
        error: { type: ['string', 'null'] },
        markets: { type: 'array', items: marketRow },
      },
      required: ['error', 'markets'],
    },
    jobs: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean', description: 'whether this process has a job runtime' },
        error: { type: ['string', 'null'] },
        schedulers: { type: 'array', items: schedulerRow },
      },
      required: ['enabled', 'error', 'schedulers'],
    },
  },
  required: ['generatedAt', 'service', 'redis', 'cluster', 'cache', 'symbols', 'jobs'],
} as const;
