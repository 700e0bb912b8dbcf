import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { type Proc, restartNode, startNode, stop, type TestRedisNode } from './sentinel.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface TestClusterNode extends TestRedisNode {
  /** Kills the process with SIGKILL (no AOF fsync, no goodbye to the cluster). */
  kill(): Promise<void>;
  /**
   * Starts a killed node again on its port with its data and `nodes.conf`: a master that was
   * failed over rejoins as a replica of the node that took its slots.
   */
  restart(): Promise<void>;
  /**
   * SIGSTOP / SIGCONT: a stopped node reads nothing and answers nothing (its peers see it as
   * slow, then failed after `cluster-node-timeout`). Never call other helpers on it meanwhile.
   */
  pause(): void;
  resume(): void;
}

export interface TestCluster {
  /** Password of every node (`requirepass` and `masterauth`). */
  readonly password: string;
  /** All nodes (six, or three without replicas), in the order they were given to `redis-cli --cluster create`. */
  readonly nodes: readonly TestClusterNode[];
  /** `redis+cluster://:<password>@h1:p1,h2:p2,...` listing every node. */
  readonly url: string;
  /** The temp dir holding every node's config, nodes.conf and AOF. */
  readonly dataDir: string;
  /** The tradecache environment that reaches this cluster. */
  env(): Record<string, string>;
  /** `host:port` of the nodes that are masters now, as CLUSTER NODES on a live node says. */
  masters(): Promise<string[]>;
  /** A plain ioredis Cluster client on it (closed by `destroy()`). */
  client(): Cluster;
  /** A plain client to one node (closed by `destroy()`). */
  nodeClient(node: TestRedisNode): Redis;
  /** Resolves once every live node says `cluster_state:ok`. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  /** Stops every process and deletes the temp dir. */
  destroy(): Promise<void>;
}

const MASTERS = 3;

const running = (proc: Proc | undefined) => proc?.child.exitCode === null && !proc.child.signalCode;

export interface TestClusterOptions {
  /** Replicas per master. @default 1 (failover tests need them; a benchmark may not) */
  replicas?: 0 | 1;
}

/**
 * Three masters and three replicas (none with `replicas: 0`), each a `redis-server` child process
 * on a free loopback port with `cluster-enabled yes`, its own `nodes.conf` and an AOF in a private
 * temp dir, joined with `redis-cli --cluster create ... --cluster-replicas 1`. Returns once every
 * node reports `cluster_state:ok` and knows all the others. The password reaches redis-cli through
 * REDISCLI_AUTH, never its arguments (which `ps` shows).
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const replicas = options.replicas ?? 1;
  const password = randomBytes(16).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-cluster-'));
  const procs: Proc[] = [];
  const clients: Array<Redis | Cluster> = [];
  const destroy = async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await Promise.all(procs.splice(0).map(stop));
    await rm(dir, { recursive: true, force: true });
  };

  const nodeClient = (node: TestRedisNode) => {
    const client = new Redis({
      host: '127.0.0.1',
      port: node.port,
      password,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    client.on('error', () => {});
    clients.push(client);
    return client;
  };
  const ask = async (node: TestRedisNode, ...command: string[]): Promise<string> => {
    const client = nodeClient(node);
    try {
      await client.connect();
      return (await client.call(command[0] as string, ...command.slice(1))) as string;
    } catch {
      return '';
    } finally {
      client.disconnect();
    }
  };

  try {
    const nodes: TestClusterNode[] = [];
    // The process each node runs now (a restart replaces it; `procs` keeps every one for destroy).
    const current: Proc[] = [];
    for (let i = 0; i < MASTERS * (1 + replicas); i++) {
      const node = await startNode(dir, `node${i}`, clusterNodeConf(password), procs);
      current[i] = procs.at(-1) as Proc;
      nodes.push({
        ...node,
        async kill() {
          const proc = current[i];
          if (!proc || !running(proc)) return;
          proc.child.kill('SIGKILL');
          await proc.exited;
        },
        async restart() {
          if (running(current[i])) return;
          current[i] = await restartNode(dir, `node${i}`, node.port, procs);
        },
        pause: () => current[i]?.child.kill('SIGSTOP'),
        resume: () => current[i]?.child.kill('SIGCONT'),
      });
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => n.address),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { env: { ...process.env, REDISCLI_AUTH: password }, timeout: 30_000 },
    );
    const alive = () => nodes.filter((_, i) => running(current[i]));
    // Ready means: every live node says ok, knows all six, sees three masters that own slots and
    // every other live node as their replica (gossip spreads the roles after `create` returns),
    // and each replica's link to its master is up (else WAIT and failover have nothing to use).
    const settled = async () => {
      const live = alive();
      for (const node of live) {
        const info = await ask(node, 'CLUSTER', 'INFO');
        if (!/^cluster_state:ok\b/m.test(info)) return false;
        if (!new RegExp(`^cluster_known_nodes:${nodes.length}\\b`, 'm').test(info)) return false;
        const view = parseNodes(await ask(node, 'CLUSTER', 'NODES'));
        if (view.filter((n) => n.master && n.hasSlots).length !== MASTERS) return false;
        if (view.filter((n) => !n.master && !n.failed).length !== live.length - MASTERS) return false;
        const replication = await ask(node, 'INFO', 'replication');
        if (/^role:slave\b/m.test(replication) && !/^master_link_status:up\b/m.test(replication))
          return false;
      }
      return true;
    };
    const waitUntilOk = async (timeoutMs = 20_000) => {
      await waitFor(settled, timeoutMs, 50);
    };
    // Beside a busy suite (the resharding test) on two cores, settling has taken over 20 s.
    await waitUntilOk(45_000);

    const masters = async () => {
      for (const node of alive()) {
        const view = parseNodes(await ask(node, 'CLUSTER', 'NODES'));
        if (view.length === 0) continue;
        return view
          .filter((n) => n.master && n.hasSlots && !n.failed)
          .map((n) => n.address)
          .sort();
      }
      throw new Error('no cluster node answers');
    };

    const addresses = nodes.map((n) => n.address).join(',');
    return {
      password,
      nodes,
      dataDir: dir,
      url: `redis+cluster://:${password}@${addresses}`,
      env: () => ({ REDIS_CLUSTER_NODES: addresses, REDIS_PASSWORD: password }),
      masters,
      client() {
        const client = new Cluster(
          nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
          { redisOptions: { password } },
        );
        client.on('error', () => {});
        clients.push(client);
        return client;
      },
      nodeClient,
      waitUntilOk,
      destroy,
    };
  } catch (err) {
    await destroy();
    throw err;
  }
}

function clusterNodeConf(password: string) {
  return (port: number) => [
    `port ${port}`,
    'bind 127.0.0.1',
    `requirepass ${password}`,
    // A replica authenticates to its master, and a promoted master's old master to it.
    `masterauth ${password}`,
    'cluster-enabled yes',
    'cluster-config-file nodes.conf',
    // Short, so a failover test does not wait 15 s for the cluster to call a master failed.
    'cluster-node-timeout 2000',
    'appendonly yes',
    'save ""',
    'repl-diskless-sync-delay 0',
  ];
}

interface NodeRow {
  address: string;
  master: boolean;
  failed: boolean;
  hasSlots: boolean;
}

/** CLUSTER NODES lines: `<id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...` */
function parseNodes(table: string): NodeRow[] {
  return table
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const fields = line.trim().split(' ');
      const flags = (fields[2] ?? '').split(',');
      return {
        address: (fields[1] ?? '').split('@')[0] as string,
        master: flags.includes('master'),
        failed: flags.includes('fail') || flags.includes('fail?'),
        hasSlots: fields.length > 8,
      };
    });
}
