import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisClient, scanNodes } from '../../src/redis/client.ts';
import { loadScripts, runScript } from '../../src/redis/scripts.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';

let server: TestRedis;
let client: RedisClient;

beforeAll(async () => {
  server = await startTestRedis();
  client = server.client({ lazyConnect: false });
});
afterAll(async () => {
  client?.disconnect();
  await server?.destroy();
});

describe('Lua script loader', () => {
  it('defines every lua/<name>-<keys>.lua under a content-versioned name', () => {
    loadScripts(client);
    const dir = new URL('../../src/redis/lua/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.lua'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const version = createHash('sha1')
        .update(readFileSync(new URL(file, dir)))
        .digest('hex')
        .slice(0, 8);
      const command = `tc_${file.replace(/-(\d+|n)\.lua$/, '').replace(/-/g, '_')}_${version}`;
      expect(typeof (client as unknown as Record<string, unknown>)[command]).toBe('function');
    }
  });

  it('runs a script with its keys and arguments', async () => {
    await client.set('lease:a', 'owner-1');
    expect(await runScript<number>(client, 'release-lease', ['lease:a'], ['someone-else'])).toBe(0);
    expect(await client.get('lease:a')).toBe('owner-1');
    expect(await runScript<number>(client, 'release-lease', ['lease:a'], ['owner-1'])).toBe(1);
    expect(await client.exists('lease:a')).toBe(0);
  });

  it('refuses a call with the wrong number of keys before it reaches Redis', () => {
    expect(() => runScript(client, 'release-lease', ['a', 'b'], ['x'])).toThrow(/takes 1 keys/);
  });

  it('survives a SCRIPT FLUSH (EVALSHA falls back to EVAL)', async () => {
    // Every master's script cache (on a Cluster the key's master runs the call).
    for (const node of scanNodes(client)) await node.script('FLUSH');
    await client.set('lease:b', 't');
    expect(await runScript<number>(client, 'release-lease', ['lease:b'], ['t'])).toBe(1);
  });
});
