import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

// What `npm install tradecache` gives a user: the tarball of `npm pack`, unpacked into a fresh
// project's node_modules, run with plain `node` (no tsx, no TypeScript sources).
//
// The dependencies are this checkout's own, linked in: `npm install --offline <tarball>` needs
// the registry's metadata of every dependency, which `npm ci` never stores in the cache, so it
// cannot resolve them offline. Only the lockfile's production packages are linked (none marked
// dev), which is the tree `npm install tradecache` would give: if the package needed tsx or
// TypeScript at run time, these tests would fail.

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const PREFIX = `pkg${process.pid}`;

/** The first ```js block of the README's "Use as a library" section: the example users copy. */
function readmeExample(): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Use as a library\n'));
  const code = section && /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ```js example under "## Use as a library"');
  return code;
}

let tmp: string;
let project: string;
let packed: { files: { path: string }[] };
let redis: TestRedis;
let env: Record<string, string>;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'tradecache-package-'));
  // --ignore-scripts: the global setup has just built dist/ from these sources.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: ROOT,
  });
  const [result] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  packed = result;
  const tarball = path.join(tmp, path.basename(result.filename));

  project = path.join(tmp, 'consumer');
  const installed = path.join(project, 'node_modules', 'tradecache');
  mkdirSync(installed, { recursive: true });
  writeFileSync(
    path.join(project, 'package.json'),
    '{ "name": "consumer", "private": true, "type": "module" }\n',
  );
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = key.slice('node_modules/'.length);
    if (
      !key.startsWith('node_modules/') ||
      name.includes('/node_modules/') ||
      entry.dev ||
      entry.devOptional
    ) {
      continue;
    }
    mkdirSync(path.dirname(path.join(project, 'node_modules', name)), { recursive: true });
    symlinkSync(path.join(ROOT, key), path.join(project, 'node_modules', name));
  }
  // What npm does with the package's `bin`.
  mkdirSync(path.join(project, 'node_modules', '.bin'));
  symlinkSync('../tradecache/bin/tradecache.js', path.join(project, 'node_modules', '.bin', 'tradecache'));
  chmodSync(path.join(installed, 'bin', 'tradecache.js'), 0o755);
  writeFileSync(path.join(project, 'example.mjs'), readmeExample());

  redis = await startTestRedis();
  env = {
    PATH: process.env.PATH ?? '',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    TRADECACHE_DATA_DIR: path.join(tmp, 'data'),
  };
}, 120_000);

afterAll(async () => {
  await redis?.destroy();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the built library with its types and runtime files, and no sources, tests or benches', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/tradecache.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cache/index.d.ts',
      'dist/trading/index.d.ts',
      'dist/keyv/index.d.ts',
      'dist/redis/lua/alert-check-6.lua',
      'dist/http/routes/dashboard/page.html',
      'dist/http/routes/dashboard/page.js',
    ]) {
      expect(files, file).toContain(file);
    }
    const outside = files.filter(
      (f) =>
        !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'bin/tradecache.js'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it("runs the README's library example with plain node: a two-tier namespace and a stored price", async () => {
    // The writer stands in for the live feed: the same Redis and key prefix, the price as a string.
    const feed = await startTestApp({ ...env, LOG_LEVEL: 'warn' }, { role: 'tool' });
    const time = Date.parse('2026-01-02T03:04:05.000Z');
    try {
      await feed.ctx.market.data.spot.setPrice('BTCUSDT', '64250.12000000', time);
    } finally {
      await feed.close();
    }

    const example = path.join(project, 'example.mjs');
    const first = await run(process.execPath, [example], { cwd: project, env });
    expect(first.stdout).toBe(
      'fees 0.00100/0.00100, first read from factory\nBTCUSDT 64250.12000000 at 2026-01-02T03:04:05.000Z\n',
    );
    // A second process finds the value the first one stored in Redis.
    const second = await run(process.execPath, [example], { cwd: project, env });
    expect(second.stdout.split('\n')[0]).toBe('fees 0.00100/0.00100, first read from l2');
  });

  it('gives TypeScript users the declarations: a price is a decimal string', async () => {
    writeFileSync(
      path.join(project, 'check.ts'),
      `import { createApp, loadConfig } from 'tradecache';
import { createCacheEngine } from 'tradecache/cache';
import { MARKET_TYPES } from 'tradecache/trading';
const app = await createApp(loadConfig({}), { role: 'tool' });
const point = await app.market.data.spot.getPrice('BTCUSDT');
// @ts-expect-error the exchange's decimal string, never a number (unused if the types were lost)
const asNumber: number | undefined = point?.price;
const markets: readonly string[] = MARKET_TYPES;
console.log(asNumber, markets, typeof createCacheEngine);
`,
    );
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
      (err: { stdout: string }) => ({ stdout: err.stdout, failed: true }),
    );
    expect(result.stdout).toBe('');
  });

  it('installs a tradecache command that prints the version and pings Redis', async () => {
    const bin = path.join(project, 'node_modules', '.bin', 'tradecache');
    const version = await run(bin, ['--version'], { cwd: project, env });
    expect(version.stdout).toBe(`${pkg.version}\n`);
    const ping = await run(bin, ['ping'], { cwd: project, env });
    expect(ping.stdout).toMatch(/^PONG from redis:\/\/\S*127\.0\.0\.1:\d+\S* in [\d.]+ ms \(redis /);
  });
});
