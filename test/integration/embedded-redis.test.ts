import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isTradecacheError } from '../../src/errors.ts';
import { startEmbeddedRedis } from '../../src/redis/embedded.ts';

const dirs: string[] = [];
async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-embedded-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('embedded redis-server', () => {
  it('keeps data across a restart, with the same generated password', async () => {
    const dataDir = await tempDir();
    const first = await startEmbeddedRedis({ dataDir });
    const client = new Redis(first.url);
    await client.set('tradecache:test:survivor', 'BTCUSDT');
    await client.quit();
    await first.stop();

    const second = await startEmbeddedRedis({ dataDir });
    try {
      expect(second.password).toBe(first.password);
      const again = new Redis(second.url);
      expect(await again.get('tradecache:test:survivor')).toBe('BTCUSDT');
      await again.quit();
    } finally {
      await second.stop();
    }
  });

  it('requires the password, binds loopback, and keeps the password file private', async () => {
    const dataDir = await tempDir();
    const server = await startEmbeddedRedis({ dataDir });
    try {
      expect(await rawCommand(server.port, 'PING')).toMatch(/^-NOAUTH/);

      const mode = (await stat(path.join(dataDir, 'redis.password'))).mode & 0o777;
      expect(mode).toBe(0o600);
      const client = new Redis(server.url);
      const config = (await client.config('GET', 'appendonly')) as string[];
      expect(config[1]).toBe('yes');
      const bind = (await client.config('GET', 'bind')) as string[];
      expect(bind[1]).toBe('127.0.0.1');
      await client.quit();
    } finally {
      await server.stop();
    }
  });

  it('lets a second process share a running embedded Redis without stopping it', async () => {
    const dataDir = await tempDir();
    const owner = await startEmbeddedRedis({ dataDir });
    try {
      const second = await startEmbeddedRedis({ dataDir });
      expect(second.owned).toBe(false);
      expect(second.port).toBe(owner.port);
      await second.stop();
      const client = new Redis(owner.url);
      expect(await client.ping()).toBe('PONG');
      await client.quit();
    } finally {
      await owner.stop();
    }
  });

  it('says how to install redis-server when it is missing', async () => {
    const dataDir = await tempDir();
    const err = await startEmbeddedRedis({ dataDir, binary: 'redis-server-that-does-not-exist' }).catch(
      (e) => e,
    );
    expect(isTradecacheError(err, 'REDIS_SERVER_MISSING')).toBe(true);
    expect(err.message).toMatch(/apt-get install -y redis-server/);
    expect(err.message).toMatch(/REDIS_URL/);
  });
});

/** Sends one inline command without authenticating and returns the first reply line. */
function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      resolve(data.toString().split('\r\n')[0] ?? '');
      socket.destroy();
    });
    socket.once('error', reject);
  });
}
