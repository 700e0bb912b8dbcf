import { healthSchema } from '../operations/schemas.ts';
import { dashboardResponseSchema } from './schemas.ts';

/** The chart samples of the last hour (`DashboardSample`), oldest first. */
const samplesSchema = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    properties: {
      at: { type: 'integer', description: 'epoch ms' },
      hitRatio: { type: ['number', 'null'], description: 'this process, over the interval before `at`' },
      usedMemory: { type: ['integer', 'null'] },
      maxMemory: { type: ['integer', 'null'], description: '0 = no limit' },
    },
    required: ['at', 'hitRatio', 'usedMemory', 'maxMemory'],
  },
} as const;

/** `GET /api/v1/dashboard`: the process snapshot, the cache health answer and the chart samples. */
export const dashboardAnswerSchema = {
  ...dashboardResponseSchema,
  properties: {
    ...dashboardResponseSchema.properties,
    health: healthSchema,
    samples: samplesSchema,
    market: {
      type: 'object',
      additionalProperties: false,
      properties: { watched: { type: 'array', items: { type: 'string' } } },
      required: ['watched'],
    },
  },
  required: [...dashboardResponseSchema.required, 'health', 'samples', 'market'],
} as const;
