import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ErrorCodes, TradecacheError } from '../../errors.ts';

function refuseNonFinite(values: unknown): void {
  if (typeof values !== 'object' || values === null) return;
  for (const [name, value] of Object.entries(values)) {
    const list = Array.isArray(value) ? value : [value];
    if (list.some((v) => typeof v === 'number' && !Number.isFinite(v))) {
      throw new TradecacheError(ErrorCodes.VALIDATION_FAILED, `${name}: expected a finite number`);
    }
  }
}

/**
 * Refuses ±Infinity in querystrings and path parameters. Ajv coerces a string such as `1e309`
 * or `Infinity` to an integer (its test, `x == +x && !(x % 1)`, holds for Infinity) and then
 * skips `minimum`/`maximum` for a number that is not finite, so `?limit=1e309` reached handlers
 * as Infinity: Redis refused the range, which answered 503 as if Redis were down. Runs after
 * validation, before every handler; JSON bodies need no such check (their numbers are typed,
 * never coerced, and Ajv's number types demand finite values).
 */
export const finiteNumbersPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', async (request: FastifyRequest) => {
      refuseNonFinite(request.query);
      refuseNonFinite(request.params);
    });
  },
  { name: 'tradecache-finite-numbers' },
);
