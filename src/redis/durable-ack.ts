/**
 * Acknowledged durable writes: a write of durable user data (alerts, notifications, sessions,
 * users, preferences) is answered 2xx only once `replicas` replicas of the master that took it
 * have confirmed it (`WAIT <replicas> <timeoutMs>`), so a failover to one of them keeps it.
 *
 * WAIT counts what the replicas acknowledged of the *connection's* writes, so it must travel on
 * the connection that carried the write, right after it. On a Cluster a keyless WAIT would go to
 * a random master (ioredis' `getSampleInstance`): here it always rides in the same pipeline as a
 * key-bearing write, which ioredis sends to the master of that key's slot, in one write to one
 * socket. A reconnect between write and WAIT (which would reset the server's per-client offset
 * and make WAIT answer at once) therefore cannot happen: both go, or fail, together.
 *
 * WAIT blocks the connection it runs on until the replicas answered or the timeout passed, and
 * Redis answers a connection's commands in order: everything queued behind it waits as long. So
 * the app gives durable writes a connection of their own (`connection`), and a lagging replica
 * stalls only them (one after the other: each waits up to `timeoutMs`), never the reads.
 *
 * WAIT inside MULTI never blocks (Redis answers the current count), so a transaction is queued as
 * MULTI … EXEC followed by WAIT in one pipeline (`transaction`).
 */
import type { ChainableCommander } from 'ioredis';
import { ErrorCodes, TradecacheError } from '../errors.ts';
import { isCluster, type RedisClient } from './client.ts';
import { scriptPipeline } from './scripts.ts';

export interface DurableAckOptions {
  /** Replicas that must confirm each durable write; 0 turns WAIT off. */
  readonly replicas: number;
  /** Longest WAIT, in ms (below the command timeout, or the timeout answers first). */
  readonly timeoutMs: number;
}

type Replies = Array<[Error | null, unknown]>;

export class DurableAck {
  /** No WAIT at all: one Redis without replicas (embedded, standalone), tests, tools. */
  static readonly off = new DurableAck({ replicas: 0, timeoutMs: 1 });

  /**
   * @param connection where the writes and their WAIT go (the app gives durable writes a
   * connection of their own); by default each call's `client`.
   */
  constructor(
    readonly options: DurableAckOptions,
    private readonly connection?: RedisClient,
  ) {}

  /** From the `REDIS_DURABLE_*` settings. */
  static of(
    config: { durableReplicas: number; durableWaitMs: number },
    connection?: RedisClient,
  ): DurableAck {
    return new DurableAck({ replicas: config.durableReplicas, timeoutMs: config.durableWaitMs }, connection);
  }

  get enabled(): boolean {
    return this.options.replicas > 0;
  }

  /**
   * Runs the commands `build` queues (at least one key-bearing write; our scripts may be queued
   * with `queueScript`) in one pipeline followed by WAIT; returns their replies. Throws the
   * first command error, then WRITE_UNCONFIRMED when too few replicas confirmed in time.
   */
  exec(
    client: RedisClient,
    operation: string,
    build: (pipeline: ChainableCommander) => void,
  ): Promise<Replies> {
    return this.run(client, operation, build, false);
  }

  /**
   * A MULTI/EXEC of the commands `build` queues (keys in one slot), then WAIT. Returns what
   * `multi().exec()` would: the transaction's replies.
   */
  async transaction(
    client: RedisClient,
    operation: string,
    build: (multi: ChainableCommander) => void,
  ): Promise<Replies> {
    if (!this.enabled) {
      const multi = client.multi();
      build(multi);
      return (await multi.exec()) ?? [];
    }
    const replies = await this.run(client, operation, build, true);
    const [execErr, result] = replies.at(-1) ?? [new Error('transaction aborted'), null];
    if (execErr) throw execErr;
    if (!Array.isArray(result)) throw new Error('transaction aborted');
    // EXEC's raw array holds values; in-transaction errors come back as Error values.
    return result.map((value) => (value instanceof Error ? [value, null] : [null, value]));
  }

  private async run(
    client: RedisClient,
    operation: string,
    build: (pipeline: ChainableCommander) => void,
    transaction: boolean,
  ): Promise<Replies> {
    const target = this.enabled && this.connection ? this.connection : client;
    for (let attempt = 0; ; attempt++) {
      const pipeline = scriptPipeline(target);
      // Typed on clients only; a pipeline queues MULTI as any command, and its first exec()
      // then queues EXEC (ioredis' transaction-in-a-pipeline form).
      if (transaction) (pipeline as unknown as { multi(): void }).multi();
      build(pipeline);
      if (transaction) void pipeline.exec();
      if (this.enabled) pipeline.wait(this.options.replicas, this.options.timeoutMs);
      const replies = (await pipeline.exec()) ?? [];
      // ioredis follows a MOVED only when every reply of a pipeline is that same MOVED, and WAIT
      // answers without one (a count, or an error on a replica). So when the slot table is stale
      // (a failover moved the slot) and nothing but WAIT ran, the table is refreshed and the
      // pipeline sent again.
      // The same when a slot is being migrated (ASK, TRYAGAIN: WAIT cannot follow an ASK to the
      // importing node), after a growing pause: once the slot is assigned, the refreshed table
      // sends the pipeline to its new master (about 3 s in all, then the error stands).
      if (
        this.enabled &&
        isCluster(target) &&
        attempt < RESEND_PAUSES_MS.length &&
        redirectedUnexecuted(replies.slice(0, -1), transaction)
      ) {
        await new Promise((resolve) => setTimeout(resolve, RESEND_PAUSES_MS[attempt]));
        await new Promise<void>((resolve) => target.refreshSlotsCache(() => resolve()));
        continue;
      }
      const waited = this.enabled ? replies.pop() : undefined;
      const failed = replies.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
      if (waited) {
        const [waitErr, confirmed] = waited;
        if (waitErr) throw waitErr;
        this.check(Number(confirmed), operation);
      }
      return replies;
    }
  }

  private check(confirmed: number, operation: string): void {
    const { replicas, timeoutMs } = this.options;
    if (confirmed >= replicas) return;
    throw new TradecacheError(
      ErrorCodes.WRITE_UNCONFIRMED,
      `${operation}: the Redis master took the write but only ${confirmed} of ${replicas} replica(s) ` +
        `confirmed it within ${timeoutMs} ms, so it may or may not survive a failover: read it back before retrying`,
      { context: { operation, confirmed, replicas, timeoutMs, retryAfterSec: 1 } },
    );
  }
}

/** Pauses before each resend of a pipeline no node executed (MOVED at once; then migrations). */
const RESEND_PAUSES_MS = [0, 100, 200, 400, 800, 1600];
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN) /;
const NOT_EXECUTED = /^(MOVED|ASK|TRYAGAIN) |^EXECABORT/;

/**
 * The pipeline (WAIT left out) went to a node that no longer serves the slot and executed none
 * of it: at least one redirection, every other reply an error of the kind (or MULTI's OK, QUEUED).
 */
function redirectedUnexecuted(replies: Replies, transaction: boolean): boolean {
  let redirected = false;
  for (const [i, [err, value]] of replies.entries()) {
    if (err) {
      if (!NOT_EXECUTED.test(err.message)) return false;
      if (REDIRECTED.test(err.message)) redirected = true;
    } else if (!(transaction && (i === 0 || value === 'QUEUED'))) {
      return false;
    }
  }
  return redirected;
}
