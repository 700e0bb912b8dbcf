import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// compose.yaml's redis service, run as written against a real redis-server on this host: its
// command script (which writes requirepass only when REDIS_PASSWORD is set) and its health check.
// Two thin wrappers on PATH put the server on a free loopback port and a temp dir instead of
// 6379 and /data; everything else is the real redis-server and redis-cli.

interface RedisService {
  command: string[];
  healthcheck: { test: string[] };
}
const compose = parse(readFileSync(path.resolve(import.meta.dirname, '../../compose.yaml'), 'utf8')) as {
  services: { redis: RedisService };
};
const redis = compose.services.redis;
// compose turns `$$` into `$` before the container's shell sees the script.
const asTheContainerSees = (script: string) => script.replaceAll('$$', '$');
const startScript = asTheContainerSees(redis.command.join('\n'));
const [checkKind, checkScript = ''] = redis.healthcheck.test;
const healthScript = asTheContainerSees(checkScript);

const which = (tool: string) =>
  spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const running: ChildProcess[] = [];
const temp: string[] = [];
afterEach(() => {
  for (const child of running.splice(0)) child.kill('SIGKILL');
  for (const dir of temp.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startComposeRedis(password: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tradecache-compose-redis-'));
  temp.push(dir);
  const port = await freePort();
  const wrapper = (name: string, body: string) => {
    writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  };
  // Records what the script passes, then runs the real server on its config file only.
  wrapper(
    'redis-server',
    `printf '%s\\n' "$@" > "${dir}/args"\nexec ${which('redis-server')} "$1" --port ${port} --bind 127.0.0.1 --dir "${dir}"`,
  );
  wrapper('redis-cli', `exec ${which('redis-cli')} -p ${port} "$@"`);
  const env = { PATH: `${dir}:${process.env.PATH ?? ''}`, TMPDIR: dir, REDIS_PASSWORD: password };
  let stderr = '';
  const child = spawn('sh', ['-c', startScript], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  running.push(child);
  /** Exit code of the health check run as written, with `checkPassword` as the container's REDIS_PASSWORD. */
  const health = (checkPassword = password) =>
    spawnSync('sh', ['-c', healthScript], { env: { ...env, REDIS_PASSWORD: checkPassword }, timeout: 5_000 })
      .status;
  await expect.poll(() => health(), { timeout: 10_000, interval: 100 }).toBe(0);
  return { dir, health, stderr: () => stderr };
}

describe('compose.yaml redis service', () => {
  it('is a shell health check (CMD-SHELL)', () => {
    expect(checkKind).toBe('CMD-SHELL');
  });

  it('requires the password when one is set, kept out of the command line', async () => {
    const password = 'c0ffee'.repeat(8);
    const server = await startComposeRedis(password);
    // Healthy with the password; a check without it meets NOAUTH and fails.
    expect(server.health()).toBe(0);
    expect(server.health('')).not.toBe(0);
    const conf = path.join(server.dir, 'requirepass.conf');
    expect(readFileSync(conf, 'utf8')).toBe(`requirepass ${password}\n`);
    expect(statSync(conf).mode & 0o777).toBe(0o600);
    const args = readFileSync(path.join(server.dir, 'args'), 'utf8');
    expect(args).toContain('--appendonly\nyes\n--appendfsync\neverysec\n--dir\n/data');
    expect(args).not.toContain(password);
    expect(server.stderr()).not.toContain(password);
  });

  it('runs without requirepass when REDIS_PASSWORD is empty, and says so', async () => {
    const server = await startComposeRedis('');
    expect(server.health('')).toBe(0);
    expect(readFileSync(path.join(server.dir, 'requirepass.conf'), 'utf8')).toBe('');
    // Written before the server started; the pipe may be read after the first healthy check.
    await expect
      .poll(() => server.stderr())
      .toContain('REDIS_PASSWORD is empty: Redis runs without a password');
  });
});
