import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/redis/embedded-state.ts';
import { type RunningService, startService } from '../helpers/cli.ts';

let dataDir: string;
let service: RunningService;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-ctrl-c-'));
  service = await startService(['demo'], { TRADECACHE_DATA_DIR: dataDir }, 30_000, true);
}, 60_000);
afterAll(async () => {
  if (service.child.exitCode === null) await service.stop('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('Ctrl-C on a demo in a terminal (SIGINT to the whole process group)', () => {
  it('shuts down cleanly: its embedded redis-server outlives the shutdown and is stopped by it', async () => {
    const redisPid = Number(readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
    expect(isAlive(redisPid)).toBe(true);
    const exited = new Promise<number | null>((r) => service.child.once('exit', (code) => r(code)));
    // What a terminal does on Ctrl-C: the signal goes to every process of the foreground group.
    process.kill(-(service.child.pid ?? 0), 'SIGINT');
    expect(await exited).toBe(0);
    const output = service.output();
    expect(output).toContain('"msg":"stopped"');
    // Writes and queues reached their Redis to the end: no connection error on the way out.
    expect(output).not.toMatch(/Unhandled error event|ECONNREFUSED|queue error/);
    expect(isAlive(redisPid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'redis', 'owner.pid'))).toBe(false);
  });
});
