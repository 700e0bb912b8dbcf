import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createCacheEngine } from '../src/cache/index.ts';

/**
 * One process of the stampede bench: 500 concurrent getOrSet on a cold key with a 50 ms factory.
 * Prints the number of factory calls this process made. Usage: cache-stampede.ts <url> <prefix> <startAt>
 */
const [url = '', prefix = '', startAt = '0'] = process.argv.slice(2);
const redis = new Redis(url);
const engine = createCacheEngine({
  redis,
  subscriber: () => new Redis(url, { lazyConnect: true }),
  prefix,
  logger: pino({ level: 'silent' }),
});
await engine.ready();
let calls = 0;
const factory = async () => {
  calls += 1;
  await new Promise((r) => setTimeout(r, 50));
  return { symbol: 'BTCUSDT', lastPrice: '60755.18' };
};
// Both processes start together so they race for the same cold key.
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const ns = engine.namespace('stampede');
await Promise.all(Array.from({ length: 500 }, () => ns.getOrSet('BTCUSDT', factory)));
process.stdout.write(`${calls}\n`);
await engine.close();
redis.disconnect();
