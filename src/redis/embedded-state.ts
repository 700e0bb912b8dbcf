import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Files an embedded redis-server leaves in `<dataDir>/redis`: `redis.pid` (written by Redis),
 * `redis.conf` (its port) and `owner.pid` (the tradecache process responsible for stopping it).
 * They let a second tradecache process (a CLI command next to a running server) attach to the
 * live Redis instead of starting a rival on the same files, and let a restart adopt a Redis
 * orphaned by a killed owner.
 */
export interface RunningRedis {
  pid: number;
  port: number;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/** The redis-server recorded in `dir`, if that process is still a live redis-server. */
export async function findRunningRedis(dir: string): Promise<RunningRedis | null> {
  const pid = await readPid(path.join(dir, 'redis.pid'));
  if (pid === null || !isAlive(pid)) return null;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline && !cmdline.includes('redis-server')) return null;
  const conf = await readFile(path.join(dir, 'redis.conf'), 'utf8').catch(() => '');
  const port = Number(/^port (\d+)$/m.exec(conf)?.[1]);
  return Number.isInteger(port) && port > 0 ? { pid, port } : null;
}

export async function ownerIsAlive(dir: string): Promise<boolean> {
  const owner = await readPid(path.join(dir, 'owner.pid'));
  return owner !== null && isAlive(owner);
}

export async function claimOwnership(dir: string): Promise<void> {
  await writeFile(path.join(dir, 'owner.pid'), `${process.pid}\n`, { mode: 0o600 });
}

export async function releaseOwnership(dir: string): Promise<void> {
  const owner = await readPid(path.join(dir, 'owner.pid'));
  if (owner === process.pid) await unlink(path.join(dir, 'owner.pid')).catch(() => {});
}

/** SIGTERM (Redis fsyncs its AOF and exits), then SIGKILL after `timeoutMs`. */
export async function stopProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
