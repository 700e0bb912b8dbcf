import type { Redis } from 'ioredis';
import type { TestCluster } from './cluster.ts';

/** One master as CLUSTER NODES shows it: its id, `host:port` and the slots it owns. */
export interface SlotOwner {
  id: string;
  address: string;
  slots: Set<number>;
}

/** Redirection counts of one node, from INFO errorstats (what clients were answered). */
export interface Redirections {
  MOVED: number;
  ASK: number;
  TRYAGAIN: number;
}

/**
 * Moves hash slots between the masters of a test cluster by hand, the steps `redis-cli --cluster
 * reshard` takes (CLUSTER SETSLOT IMPORTING / MIGRATING, MIGRATE ... KEYS in batches, SETSLOT
 * NODE on every master), with a hook half-way through a slot's keys so a test can hold the slot
 * in its migrating state (keys split between two masters: ASK, and TRYAGAIN for multi-key
 * commands) while its traffic runs.
 */
export class ClusterResharder {
  private readonly clients = new Map<string, Redis>();

  constructor(private readonly cluster: TestCluster) {}

  /** The masters that own slots now, with their slots. */
  async masters(): Promise<SlotOwner[]> {
    const [anyMaster] = await this.cluster.masters();
    if (!anyMaster) throw new Error('the test cluster has no master');
    const table = (await (await this.node(anyMaster)).call('CLUSTER', 'NODES')) as string;
    return parseMasters(table);
  }

  /** `host:port` of the master owning `slot`. */
  async ownerOf(slot: number): Promise<string> {
    const owner = (await this.masters()).find((m) => m.slots.has(slot));
    if (!owner) throw new Error(`no master owns slot ${slot}`);
    return owner.address;
  }

  /**
   * Moves `slot` to master `to` (`host:port`). `midway` runs once about half of the slot's keys
   * are on the new master and the rest still on the old one.
   */
  async moveSlot(slot: number, to: string, midway?: () => Promise<void>): Promise<void> {
    const masters = await this.masters();
    const source = masters.find((m) => m.slots.has(slot));
    const target = masters.find((m) => m.address === to);
    if (!source || !target) throw new Error(`cannot move slot ${slot} to ${to}`);
    if (source.address === target.address) return;
    const from = await this.node(source.address);
    const into = await this.node(target.address);
    await into.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
    await from.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
    const keys = (await from.call('CLUSTER', 'GETKEYSINSLOT', slot, 100_000)) as string[];
    const half = Math.ceil(keys.length / 2);
    await this.migrate(from, target.address, keys.slice(0, half));
    await midway?.();
    // Keys written to the old master meanwhile (ASK only sends a key away once it is gone).
    for (;;) {
      const left = (await from.call('CLUSTER', 'GETKEYSINSLOT', slot, 1000)) as string[];
      if (left.length === 0) break;
      await this.migrate(from, target.address, left);
    }
    // The new owner first, then the old one, then the others (the order redis-cli uses).
    await into.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    await from.call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    for (const other of masters) {
      if (other.address === source.address || other.address === target.address) continue;
      await (await this.node(other.address)).call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    }
    // The new owner's claim must carry the highest config epoch: this test moves slots both ways
    // between the same masters, so the old owner may have bumped its epoch since (importing
    // another slot), and a replica gossiping its master's not yet updated slots with that epoch
    // hands the slot back to the old owner on the nodes that hear it. Both masters then answer
    // MOVED to each other for seconds (the remedy `redis-cli --cluster fix` applies too).
    await into.call('CLUSTER', 'BUMPEPOCH');
    await this.untilAgreed(slot, target.address);
  }

  /** Waits until every node, replicas included, names `owner` as the master of `slot`. */
  private async untilAgreed(slot: number, owner: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const views = await Promise.all(
        this.cluster.nodes.map(async (n) => {
          const table = (await (await this.node(n.address)).call('CLUSTER', 'NODES')) as string;
          return parseMasters(table).find((m) => m.slots.has(slot))?.address ?? 'none';
        }),
      );
      if (views.every((v) => v === owner)) return;
      if (Date.now() > deadline)
        throw new Error(
          `slot ${slot}: nodes still disagree on its owner (${views.join(', ')}; want ${owner})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** MOVED / ASK / TRYAGAIN answers given by every master since it started. */
  async redirections(): Promise<Redirections> {
    const total: Redirections = { MOVED: 0, ASK: 0, TRYAGAIN: 0 };
    for (const address of await this.cluster.masters()) {
      const info = (await (await this.node(address)).call('INFO', 'errorstats')) as string;
      for (const kind of Object.keys(total) as (keyof Redirections)[]) {
        const count = new RegExp(`^errorstat_${kind}:count=(\\d+)`, 'm').exec(info)?.[1];
        total[kind] += Number(count ?? 0);
      }
    }
    return total;
  }

  close(): void {
    for (const client of this.clients.values()) client.disconnect();
    this.clients.clear();
  }

  private async migrate(from: Redis, to: string, keys: readonly string[]): Promise<void> {
    const [host, port] = to.split(':');
    for (let i = 0; i < keys.length; i += 50) {
      const batch = keys.slice(i, i + 50);
      // REPLACE: a key the traffic re-created on the new master under ASK wins over nothing.
      await from.call(
        'MIGRATE',
        host as string,
        port as string,
        '',
        0,
        5_000,
        'REPLACE',
        'AUTH',
        this.cluster.password,
        'KEYS',
        ...batch,
      );
    }
  }

  private async node(address: string): Promise<Redis> {
    let client = this.clients.get(address);
    if (!client) {
      const node = this.cluster.nodes.find((n) => n.address === address);
      if (!node) throw new Error(`no test cluster node at ${address}`);
      client = this.cluster.nodeClient(node);
      this.clients.set(address, client);
    }
    if (client.status === 'wait') await client.connect();
    return client;
  }
}

/** Masters with slots from CLUSTER NODES (`<id> <ip:port@cport> <flags> <master> ... <slots>`). */
function parseMasters(table: string): SlotOwner[] {
  const masters: SlotOwner[] = [];
  for (const line of table.split('\n')) {
    const fields = line.trim().split(' ');
    const flags = (fields[2] ?? '').split(',');
    if (!flags.includes('master') || flags.includes('fail')) continue;
    const slots = new Set<number>();
    // Slot ranges `a-b` or single slots; `[slot->-id]` / `[slot-<-id]` mark migrations in progress.
    for (const range of fields.slice(8)) {
      if (range.startsWith('[')) continue;
      const [first, last = first] = range.split('-').map(Number);
      for (let s = first as number; s <= (last as number); s++) slots.add(s);
    }
    if (slots.size === 0) continue;
    masters.push({ id: fields[0] as string, address: (fields[1] ?? '').split('@')[0] as string, slots });
  }
  return masters;
}
