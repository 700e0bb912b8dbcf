import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BenchResult, toMarkdown } from './report.ts';

/**
 * `npm run bench [name...]`: runs the benchmarks (all by default), prints each table and writes
 * BENCHMARKS.md. Never part of `npm test`: timings on a shared machine are noisy, so every
 * benchmark reports ratios against a baseline measured in the same run.
 */
const BENCHES: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  cache: async () => (await import('./cache-engine.ts')).runCacheBench(),
  codec: async () => (await import('./cache-codec.ts')).runCodecBench(),
  history: async () => (await import('./history-load.ts')).runHistoryBench(),
  'history-fetch': async () => (await import('./history-fetch.ts')).runHistoryFetchBench(),
  auth: async () => (await import('./auth-overhead.ts')).runAuthBench(),
  'market-decimal': async () => (await import('./market-decimal.ts')).runMarketDecimalBench(),
  market: async () => (await import('./market.ts')).runMarketBench(),
  'market-writes': async () => (await import('./market-writes.ts')).runMarketWritesBench(),
  alerts: async () => (await import('./alerts.ts')).runAlertsBench(),
  durable: async () => (await import('./durable-writes.ts')).runDurableWritesBench(),
  cluster: async () => (await import('./cluster.ts')).runClusterBench(),
};

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
  const results: BenchResult[] = [];
  for (const name of names) {
    process.stderr.write(`running ${name}...\n`);
    const run = BENCHES[name];
    if (!run) continue;
    const result = await run();
    for (const r of Array.isArray(result) ? result : [result]) {
      results.push(r);
      process.stdout.write(`${toMarkdown([r], new Date()).split('\n').slice(10).join('\n')}\n`);
    }
  }
  const file = path.resolve(import.meta.dirname, '../BENCHMARKS.md');
  // A partial run (`npm run bench history`) keeps the other sections of the last full run.
  const previous = await readFile(file, 'utf8').catch(() => '');
  const fresh = toMarkdown(results, new Date());
  const kept = previousSections(previous).filter(
    (section) => !results.some((r) => section.startsWith(`## ${r.name}\n`)),
  );
  await writeFile(file, `${[fresh.trimEnd(), ...kept].join('\n\n')}\n`);
  process.stderr.write(`wrote ${file}\n`);
}

/** `## ...` sections of an earlier BENCHMARKS.md, each up to the next heading. */
function previousSections(markdown: string): string[] {
  return markdown
    .split(/\n(?=## )/)
    .filter((part) => part.startsWith('## '))
    .map((part) => part.trimEnd());
}

await main();
