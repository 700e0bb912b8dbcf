/**
 * Sends a flush's `market-batch` calls and its symbol-index ZADD, the replies in the order the
 * commands were queued (the ZADD's last). In one pipeline by default (one per master on a
 * Cluster). With a {@link TurnBudget} (the bulk lane), each call goes out in a pipeline of its
 * own as soon as it is queued, and the sending pauses whenever the turn is spent: ioredis turns
 * every argument into RESP text when a pipeline is sent, so a single pipeline of a whole
 * market's calls would hold the event loop for all of that work at once. (Waiting for each
 * call's answer before sending the next, so that other clients wait for one call at most in
 * Redis, cost about a quarter of the ingest rate and gained no measurable latency: not done.)
 */
import type { RedisClient } from '../../redis/client.ts';
import { queueScript } from '../../redis/scripts.ts';
import { SlotPipelines } from '../../redis/slot-pipelines.ts';
import type { BatchCall } from './batch-calls.ts';
import type { TurnBudget } from './turns.ts';

export type Replies = Array<[Error | null, unknown]>;

export interface SymbolIndexAdd {
  readonly key: string;
  /** score, member, score, member, ... */
  readonly args: readonly (string | number)[];
}

export async function sendCalls(
  redis: RedisClient,
  calls: readonly BatchCall[],
  index: SymbolIndexAdd | null,
  turns?: TurnBudget,
): Promise<{ replies: Replies; roundTrips: number }> {
  const sent: Promise<Replies>[] = [];
  let roundTrips = 0;
  let pipelines = new SlotPipelines(redis);
  const send = () => {
    roundTrips += pipelines.size;
    const replies = pipelines.exec();
    sent.push(replies);
    pipelines = new SlotPipelines(redis);
    return replies;
  };
  for (const call of calls) {
    queueScript(pipelines.on(call.keys[0]!), 'market-batch', call.keys, call.args);
    if (!turns) continue;
    // Awaited below with the others; until then a failure must not count as unhandled.
    send().catch(() => {});
    if (turns.spent) await turns.next();
  }
  // GT: an older write never moves a symbol's index time back (its own price stays put too).
  if (index) pipelines.on(index.key).zadd(index.key, 'GT', ...index.args);
  if (pipelines.size > 0) send();
  return { replies: (await Promise.all(sent)).flat(), roundTrips };
}
