import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/redis/embedded-state.ts';
import { type RunningService, runCli, startService } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait.ts';

let dataDir: string;
let service: RunningService;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-e2e-'));
  service = await startService(['demo'], { TRADECACHE_DATA_DIR: dataDir, SYMBOLS_WARMUP_INTERVAL: '1' });
}, 60_000);
afterAll(async () => {
  if (service.child.exitCode === null) await service.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('tradecache demo (embedded Redis, simulated exchange, one process)', () => {
  it('serves symbols with BTCUSDT first', async () => {
    const res = await fetch(`${service.url}/api/v1/symbols/spot`);
    expect(res.status).toBe(200);
    expect(['HIT', 'MISS']).toContain(res.headers.get('x-cache'));
    const body = (await res.json()) as { symbols: { symbol: string }[]; count: number };
    expect(body.symbols[0]?.symbol).toBe('BTCUSDT');
    expect(body.count).toBeGreaterThan(100);
  });

  it('runs the warmup jobs on their schedule', async () => {
    const runs = await waitFor(async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      const match =
        /tradecache_job_runs_total\{job="warmup-symbols-futures",outcome="completed"\} (\d+)/.exec(text);
      return match && Number(match[1]) >= 2 ? Number(match[1]) : undefined;
    });
    expect(runs).toBeGreaterThanOrEqual(2);
    // The seeds' Redis counters reach /metrics through a background read (every 5 s), not at scrape time.
    await waitFor(async () => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      return /tradecache_symbols_cache_counter\{market="spot",counter="warmup_success"\} [1-9]/.test(text);
    }, 15_000);
  });

  it('lets CLI commands share the running embedded Redis', async () => {
    const ping = await runCli(['ping'], { TRADECACHE_DATA_DIR: dataDir });
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(/^PONG from redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 in [\d.]+ ms \(redis \d/);
    const password = readFileSync(path.join(dataDir, 'redis.password'), 'utf8').trim();
    expect(ping.stdout + ping.stderr).not.toContain(password);

    // No EXCHANGE: the demo recorded in its data dir that it is simulated, and warmup follows it
    // (offline, Binance would fail) and says so.
    expect(JSON.parse(readFileSync(path.join(dataDir, 'exchange.json'), 'utf8'))).toMatchObject({
      exchange: 'simulated',
      role: 'demo',
    });
    const warmup = await runCli(['warmup', 'futures'], { TRADECACHE_DATA_DIR: dataDir });
    expect(warmup.code).toBe(0);
    expect(warmup.stdout).toMatch(/^futures: \d+ symbols cached \(BTCUSDT, ETHUSDT/);
    expect(warmup.stderr).toContain('exchange simulated (recorded by `tradecache demo`');
    const asJson = await runCli(['warmup', 'spot', '--json'], { TRADECACHE_DATA_DIR: dataDir });
    expect(JSON.parse(asJson.stdout)).toMatchObject({ market: 'spot', exchange: 'simulated' });
    // An explicit choice wins over the marker.
    const chosen = await runCli(['market', 'BTCUSDT', '--exchange', 'binance'], {
      TRADECACHE_DATA_DIR: dataDir,
    });
    expect(chosen.stderr).toContain('exchange binance (--exchange');
    // The service still answers: the CLI did not stop the shared Redis.
    expect((await fetch(`${service.url}/ready`)).status).toBe(200);
  });

  it('shuts down cleanly on SIGTERM and stops its redis-server', async () => {
    const redisPid = Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    expect(isAlive(redisPid)).toBe(true);
    const code = await service.stop('SIGTERM');
    expect(code).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
    expect(isAlive(redisPid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'redis', 'owner.pid'))).toBe(false);
  });
});
