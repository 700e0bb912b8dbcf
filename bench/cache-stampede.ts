import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createCacheEngine } from '../src/cache/index.ts';

/**
 * One process of the stampede bench: for each round, 500 concurrent getOrSet on a fresh cold key
 * with a 50 ms factory. Prints one JSON line per round: factory calls made here, and when (epoch
 * ms, sub-ms precision, comparable across processes) the first call started and the last resolved.
 * Usage: cache-stampede.ts <url> <prefix> <startAt> <rounds>
 */
const [url = '', prefix = '', startAt = '0', rounds = '1'] = process.argv.slice(2);
const ROUND_GAP_MS = 400;
const redis = new Redis(url);
const engine = createCacheEngine({
  redis,
  subscriber: () => new Redis(url, { lazyConnect: true }),
  prefix,
  logger: pino({ level: 'silent' }),
});
await engine.ready();
const ns = engine.namespace('stampede');
const clock = () => performance.timeOrigin + performance.now();
for (let round = 0; round < Number(rounds); round++) {
  let calls = 0;
  const factory = async () => {
    calls += 1;
    await new Promise((r) => setTimeout(r, 50));
    return { symbol: 'BTCUSDT', lastPrice: '60755.18' };
  };
  // Both processes start each round together so they race for the same cold key.
  const at = Number(startAt) + round * ROUND_GAP_MS;
  await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
  const firstCallAt = clock();
  let lastResolvedAt = 0;
  await Promise.all(
    Array.from({ length: 500 }, () =>
      ns.getOrSet(`BTCUSDT-${round}`, factory).then(() => {
        lastResolvedAt = clock();
      }),
    ),
  );
  process.stdout.write(`${JSON.stringify({ calls, firstCallAt, lastResolvedAt })}\n`);
}
await engine.close();
redis.disconnect();
