import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

/** The chart library's version, part of its URL so a year-long cache never serves a stale copy. */
function chartsPackage(): { version: string; dir: string } {
  const manifest = require.resolve('lightweight-charts/package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { version, dir: path.dirname(manifest) };
}

/** Path the dashboard page loads the chart library from (same origin, no CDN). */
export function chartsScriptPath(): string {
  return `/dashboard/assets/lightweight-charts-${chartsPackage().version}.js`;
}

/**
 * Serves TradingView's lightweight-charts standalone build from node_modules: read once at
 * startup, immutable for a year (the version is in the URL).
 */
export async function dashboardAssetRoutes(app: FastifyInstance) {
  const { dir } = chartsPackage();
  const script = readFileSync(path.join(dir, 'dist', 'lightweight-charts.standalone.production.js'));
  app.get(chartsScriptPath(), { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .type('text/javascript; charset=utf-8')
      .send(script),
  );
}
