/** OpenAPI/JSON schemas of the operations routes (OpenAPI 3.1: JSON Schema 2020-12 within what Fastify's validator reads). */

const count = { type: 'integer', minimum: 0 } as const;
const counts = { type: 'object', additionalProperties: count } as const;

export const queueDepthSchema = {
  type: 'object',
  required: ['waiting', 'active', 'delayed', 'failed'],
  properties: { waiting: count, active: count, delayed: count, failed: count },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status', 'redisConnected'],
  properties: {
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    redisConnected: { type: 'boolean' },
    redisInfo: {
      type: ['object', 'null'],
      properties: {
        version: { type: 'string' },
        mode: { type: 'string' },
        usedMemory: count,
        usedMemoryHuman: { type: 'string' },
        maxMemory: count,
        evictionPolicy: { type: 'string' },
        connectedClients: count,
        uptimeSeconds: count,
        aofEnabled: { type: 'boolean' },
      },
    },
    cacheStats: {
      type: 'object',
      additionalProperties: { type: 'object', properties: { totalKeys: count } },
    },
    queues: { type: 'object', additionalProperties: queueDepthSchema },
    isRunning: { type: 'boolean' },
    warnings: { type: 'array', items: { type: 'string' } },
    checkedAt: { type: 'string', format: 'date-time' },
  },
  example: { status: 'healthy', redisConnected: true },
} as const;

export const statsSchema = {
  type: 'object',
  required: ['totalKeys', 'symbolCount', 'complete'],
  properties: {
    totalKeys: count,
    symbolCount: count,
    symbolsByMarket: counts,
    areas: counts,
    cacheNamespaces: counts,
    hitRates: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { hits: count, misses: count, hitRate: { type: ['number', 'null'] } },
      },
    },
    complete: { type: 'boolean' },
  },
} as const;

export const cleanupSchema = {
  type: 'object',
  required: ['removed', 'failed', 'totalRemoved'],
  properties: {
    removed: counts,
    failed: { type: 'object', additionalProperties: { type: 'string' } },
    totalRemoved: count,
    startedAt: { type: 'string', format: 'date-time' },
    durationMs: count,
  },
} as const;

export const clearSchema = {
  type: 'object',
  required: ['namespaces', 'symbolKeys', 'totalRemoved', 'complete'],
  properties: { namespaces: counts, symbolKeys: count, totalRemoved: count, complete: { type: 'boolean' } },
} as const;

export const clearQuerySchema = {
  type: 'object',
  properties: {
    confirm: {
      type: 'string',
      maxLength: 8,
      description: 'Must be `true`: without it nothing is deleted (400).',
    },
  },
} as const;
