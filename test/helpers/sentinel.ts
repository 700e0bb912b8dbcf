import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../../src/redis/embedded.ts';
import { waitFor } from './wait.ts';

export interface TestRedisNode {
  readonly port: number;
  /** `127.0.0.1:<port>`, as Sentinel reports addresses. */
  readonly address: string;
}

export interface TestSentinelSetup {
  readonly masterName: string;
  /** Password of the data nodes (master and replica). */
  readonly password: string;
  /** Password clients give the sentinels. */
  readonly sentinelPassword: string;
  readonly master: TestRedisNode;
  readonly replica: TestRedisNode;
  readonly sentinels: readonly TestRedisNode[];
  /** The tradecache environment that reaches this setup through its sentinels. */
  env(): Record<string, string>;
  /** `host:port` of the master as the first sentinel reports it now. */
  currentMaster(): Promise<string>;
  /**
   * `SENTINEL FAILOVER` (promotes the replica without killing anything) and waits until the
   * sentinel reports the other node as master and that node accepts writes.
   */
  failover(): Promise<TestRedisNode>;
  /** `master` or `slave`, as the node itself says in INFO replication. */
  role(node: TestRedisNode): Promise<string>;
  /** A plain client to one data node (the caller closes it). */
  nodeClient(node: TestRedisNode): Redis;
  /** Stops every process and deletes the temp dir. */
  destroy(): Promise<void>;
}

export interface TestSentinelOptions {
  sentinels?: number;
  masterName?: string;
}

export interface Proc {
  child: ChildProcess;
  exited: Promise<unknown>;
}

/**
 * A master, one replica and `sentinels` Sentinel processes on free loopback ports, each a
 * real `redis-server` child process with its config in a private temp dir (Sentinel rewrites
 * its config file, so it must be writable; passwords live in 0600 files, not in `ps`).
 * Returns once the sentinels know the replica, so `failover()` has a node to promote.
 */
export async function startTestSentinels(options: TestSentinelOptions = {}): Promise<TestSentinelSetup> {
  const masterName = options.masterName ?? 'tcmaster';
  const password = randomBytes(16).toString('hex');
  const sentinelPassword = randomBytes(16).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-sentinel-'));
  const procs: Proc[] = [];
  const clients: Redis[] = [];

  const destroy = async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(procs.splice(0).map(stop));
    await rm(dir, { recursive: true, force: true });
  };

  try {
    const master = await startNode(dir, 'master', dataNodeConf(password), procs);
    await waitFor(() => answers(master.port, password));
    const replica = await startNode(
      dir,
      'replica',
      (port) => [...dataNodeConf(password)(port), `replicaof 127.0.0.1 ${master.port}`],
      procs,
    );
    // Sentinel learns replicas from the master's INFO: start it once the replica is in sync,
    // otherwise the first INFO lists none and the next one comes 10 s later.
    await waitFor(async () => /slave0:.*state=online/.test(await info(master.port, password)), 10_000, 25);

    const sentinels: TestRedisNode[] = [];
    for (let i = 0; i < (options.sentinels ?? 1); i++) {
      sentinels.push(
        await startNode(
          dir,
          `sentinel${i}`,
          (port) => [
            `port ${port}`,
            'bind 127.0.0.1',
            `requirepass ${sentinelPassword}`,
            `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
            `sentinel auth-pass ${masterName} ${password}`,
            `sentinel down-after-milliseconds ${masterName} 1000`,
            `sentinel failover-timeout ${masterName} 5000`,
            `sentinel parallel-syncs ${masterName} 1`,
          ],
          procs,
          true,
        ),
      );
    }

    const sentinelClient = (node: TestRedisNode) => {
      const client = new Redis({
        host: '127.0.0.1',
        port: node.port,
        password: sentinelPassword,
        lazyConnect: true,
        maxRetriesPerRequest: 1,
      });
      client.on('error', () => {});
      clients.push(client);
      return client;
    };
    const first = sentinels[0];
    if (!first) throw new Error('at least one sentinel is needed');
    const control = sentinelClient(first);
    await control.connect();

    // A replica can be promoted once every sentinel sees it up (else FAILOVER: NOGOODSLAVE).
    const sentinelsSeeReplica = async (node: TestRedisNode) => {
      for (const client of sentinelClients) {
        if (client.status === 'wait') await client.connect();
        const rows = (await client.call('SENTINEL', 'replicas', masterName)) as string[][];
        const up = rows.some((row) => {
          const fields = toObject(row);
          return fields.port === String(node.port) && !/disconnected|s_down|o_down/.test(fields.flags ?? '');
        });
        if (!up) return false;
      }
      return true;
    };
    const sentinelClients = sentinels.map(sentinelClient);
    await waitFor(() => sentinelsSeeReplica(replica));

    const currentMaster = async () => {
      const reply = (await control.call('SENTINEL', 'get-master-addr-by-name', masterName)) as string[];
      return `${reply[0]}:${reply[1]}`;
    };

    const nodeClient = (node: TestRedisNode) => {
      const client = new Redis({ host: '127.0.0.1', port: node.port, password, lazyConnect: true });
      client.on('error', () => {});
      return client;
    };

    return {
      masterName,
      password,
      sentinelPassword,
      master,
      replica,
      sentinels,
      env: () => ({
        REDIS_SENTINELS: sentinels.map((s) => s.address).join(','),
        REDIS_SENTINEL_MASTER: masterName,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
        REDIS_PASSWORD: password,
      }),
      currentMaster,
      async failover() {
        const before = await currentMaster();
        const next = before === master.address ? replica : master;
        await waitFor(() => sentinelsSeeReplica(next));
        await control.call('SENTINEL', 'FAILOVER', masterName);
        await waitFor(async () => (await currentMaster()) === next.address, 10_000);
        await waitFor(async () => /role:master/.test(await info(next.port, password, 'replication')));
        return next;
      },
      role: async (node) => /role:(\w+)/.exec(await info(node.port, password))?.[1] ?? 'unknown',
      nodeClient,
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

export interface TestRedisProcess extends TestRedisNode {
  readonly password: string;
  /** `redis://:<password>@127.0.0.1:<port>/0` */
  readonly url: string;
  destroy(): Promise<void>;
}

/**
 * One password-protected redis-server with extra config lines (say `cluster-enabled yes`), for
 * setups the product's embedded launcher does not make.
 */
export async function startTestRedisProcess(extraConf: string[] = []): Promise<TestRedisProcess> {
  const password = randomBytes(16).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-redis-'));
  const procs: Proc[] = [];
  const destroy = async () => {
    await Promise.all(procs.splice(0).map(stop));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const node = await startNode(
      dir,
      'node',
      (port) => [...dataNodeConf(password)(port), ...extraConf],
      procs,
    );
    await waitFor(() => answers(node.port, password));
    return { ...node, password, url: `redis://:${password}@${node.address}/0`, destroy };
  } catch (err) {
    await destroy();
    throw err;
  }
}

function dataNodeConf(password: string) {
  return (port: number) => [
    `port ${port}`,
    'bind 127.0.0.1',
    `requirepass ${password}`,
    // After a failover the old master becomes a replica and must authenticate to the new one.
    `masterauth ${password}`,
    'save ""',
    'appendonly no',
    // The default 5 s wait for more replicas before a full sync would dominate the setup time.
    'repl-diskless-sync-delay 0',
  ];
}

/** One redis-server child process with its config in `<root>/<name>`; resolves once it listens. */
export async function startNode(
  root: string,
  name: string,
  conf: (port: number) => string[],
  procs: Proc[],
  sentinel = false,
): Promise<TestRedisNode> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // A port free when we asked can be taken before redis-server binds it, and a cluster node
  // also binds port + 10000 (its bus), which freePort() never looked at: a lost race is retried
  // on another port rather than failing the suite.
  for (let attempt = 1; ; attempt++) {
    const lines = conf(0);
    const port = await freeNodePort(lines.includes('cluster-enabled yes'));
    const confPath = path.join(dir, 'redis.conf');
    await writeFile(
      confPath,
      [...conf(port), `dir ${JSON.stringify(dir)}`, 'logfile redis.log', 'daemonize no', ''].join('\n'),
      {
        mode: 0o600,
      },
    );
    const child = spawn('redis-server', sentinel ? [confPath, '--sentinel'] : [confPath], {
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = once(child, 'exit').catch(() => undefined);
    const proc = { child, exited };
    procs.push(proc);
    try {
      await waitFor(() => child.exitCode === null && listening(port), 10_000, 25);
      return { port, address: `127.0.0.1:${port}` };
    } catch {
      await stop(proc);
      procs.splice(procs.indexOf(proc), 1);
      const lastLine = (await readFile(path.join(dir, 'redis.log'), 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .at(-1);
      if (attempt < 5 && lastLine !== undefined && /Failed listening|Address already in use/.test(lastLine))
        continue;
      throw new Error(`${name} redis-server did not start on port ${port}: ${lastLine}`);
    }
  }
}

/** A free loopback port; for a cluster node one whose bus port (port + 10000) is free too. */
async function freeNodePort(cluster: boolean): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!cluster) return port;
    if (port + 10_000 <= 65_535 && (await portFree(port + 10_000))) return port;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts `<root>/<name>` again from the config `startNode` wrote (same port, same data: AOF,
 * `nodes.conf`), as after a crash; resolves once it listens.
 */
export async function restartNode(root: string, name: string, port: number, procs: Proc[]): Promise<Proc> {
  const confPath = path.join(root, name, 'redis.conf');
  const child = spawn('redis-server', [confPath], { stdio: ['ignore', 'ignore', 'ignore'] });
  const proc = { child, exited: once(child, 'exit').catch(() => undefined) };
  procs.push(proc);
  await waitFor(() => child.exitCode === null && listening(port), 10_000, 25);
  return proc;
}

/** Something accepts connections on the port (a sentinel or a data node, password or not). */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function answers(port: number, password: string): Promise<boolean> {
  return (await info(port, password)) !== '';
}

async function info(port: number, password: string, section = 'replication'): Promise<string> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.info(section);
  } catch {
    return '';
  } finally {
    client.disconnect();
  }
}

function toObject(row: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < row.length; i += 2) out[row[i] as string] = row[i + 1] as string;
  return out;
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. */
export async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5_000);
  await proc.exited;
  clearTimeout(timer);
}
