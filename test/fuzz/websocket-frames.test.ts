/**
 * Fuzz of `GET /api/v1/ws` over real sockets: binary frames, invalid UTF-8, frames over the size
 * limit, bad JSON, wrong ops, hostile and countless channels. Each frame gets an error message
 * (the socket stays open and still answers a ping) or, for the abusive ones, a close with a
 * protocol code; the server survives and leaves only keys the registry builds.
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/market/realtime/hub.ts';
import {
  allKeys,
  errorShapeProblem,
  FUZZ_SCALE,
  FUZZ_SEED,
  type FuzzTarget,
  startFuzzTarget,
} from './fuzz-setup.ts';
import { FORBIDDEN_IN_KEYS, keyShapes } from './key-shapes.ts';
import { hostileString } from './request-arbitraries.ts';

let target: FuzzTarget;
let url: string;

beforeAll(async () => {
  // A high message budget so the ping after each frame is never the one rate-limited.
  target = await startFuzzTarget({ WS_MESSAGES_PER_SECOND: '10000' });
  await target.app.http.listen({ host: '127.0.0.1', port: 0 });
  url = `ws://127.0.0.1:${(target.app.http.server.address() as AddressInfo).port}/api/v1/ws`;
});
afterAll(async () => {
  await target?.close();
});

/** What a frame deserves: an answer on an open socket, or a close with one of these codes. */
type Expect = 'answer' | 'close';
interface Frame {
  readonly data: string | Buffer;
  readonly binary: boolean;
  readonly expect: Expect;
}
/** Closes the server may use for a frame it will not read: invalid UTF-8 (1007), policy (1008), too big (1009). */
const ABUSE_CLOSES = [1007, 1008, 1009];

const channelName = fc.oneof(
  fc.constantFrom('price:BTCUSDT', 'book:ETHUSDT', 'trades:BTCUSDT@futures', 'candles:BTCUSDT:1m', 'alerts'),
  fc.constantFrom(
    'price:',
    'price:BTCUSDT:1m',
    'candles:BTCUSDT:7m',
    'price:BTCUSDT@spot',
    'price:btcusdt',
    'x:y',
  ),
  fc.tuple(fc.constantFrom('price', 'book', 'trades', 'candles'), hostileString).map(([k, s]) => `${k}:${s}`),
  hostileString,
  fc.jsonValue({ maxDepth: 1 }),
);

const message = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom('subscribe', 'unsubscribe', 'ping', 'SUBSCRIBE', 'pong', ''),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    channels: fc.oneof(
      fc.array(channelName, { maxLength: 8 }),
      fc.integer({ min: 200, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `price:S${i}`)),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);

const size = (data: string | Buffer) => (typeof data === 'string' ? Buffer.byteLength(data) : data.length);
const textFrame = (data: string): Frame => ({
  data,
  binary: false,
  expect: size(data) > MAX_CLIENT_MESSAGE_BYTES ? 'close' : 'answer',
});

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 6, arbitrary: message.map((m) => textFrame(JSON.stringify(m))) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map(textFrame) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('{', '[]', 'null', '"x"', '{"op":', '{"op":"subscribe","channels":[')
      .map(textFrame),
  },
  {
    weight: 2,
    arbitrary: fc
      .uint8Array({ maxLength: 200 })
      .map((b) => ({ data: Buffer.from(b), binary: true, expect: 'answer' as const })),
  },
  {
    weight: 1,
    // Bytes that are not UTF-8, in a text frame.
    arbitrary: fc.uint8Array({ maxLength: 20 }).map((b) => ({
      data: Buffer.concat([Buffer.from('{"op":"'), Buffer.from([0xff, 0xc3]), Buffer.from(b)]),
      binary: false,
      expect: 'close' as const,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: MAX_CLIENT_MESSAGE_BYTES + 1, max: 200_000 }).chain((n) =>
      fc.constantFrom(textFrame('x'.repeat(n)), {
        data: Buffer.alloc(n, 1),
        binary: true,
        expect: 'close' as const,
      }),
    ),
  },
);

interface Client {
  readonly socket: WebSocket;
  /** The next message (parsed) or the close code, whichever comes first. */
  next(): Promise<{ message: Record<string, unknown> } | { close: number }>;
}

async function open(headers: Record<string, string>): Promise<Client> {
  const socket = new WebSocket(url, { headers });
  const queue: ({ message: Record<string, unknown> } | { close: number })[] = [];
  const waiting: ((v: (typeof queue)[number]) => void)[] = [];
  const push = (v: (typeof queue)[number]) => {
    const w = waiting.shift();
    if (w) w(v);
    else queue.push(v);
  };
  socket.on('message', (data) => push({ message: JSON.parse(String(data)) }));
  socket.on('close', (code) => push({ close: code }));
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  return {
    socket,
    next: () => {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5_000);
        waiting.push((v) => {
          clearTimeout(timer);
          resolve(v);
        });
      });
    },
  };
}

function close(socket: WebSocket): Promise<void> {
  if (socket.readyState === socket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.close();
  });
}

describe('fuzz: malformed WebSocket frames on /api/v1/ws', () => {
  it(
    'answers every malformed frame with an error, or closes the socket with a protocol code',
    async () => {
      const auth = fc.constantFrom<Record<string, string>>(
        {},
        { authorization: `Bearer ${target.userToken}` },
      );
      await fc.assert(
        fc.asyncProperty(auth, fc.array(frame, { minLength: 1, maxLength: 4 }), async (headers, frames) => {
          const client = await open(headers);
          try {
            for (const f of frames) {
              client.socket.send(f.data, { binary: f.binary });
              const got = await client.next();
              if ('close' in got) {
                if (f.expect !== 'close' || !ABUSE_CLOSES.includes(got.close)) {
                  throw new Error(`closed ${got.close} after a frame that deserved an answer`);
                }
                return;
              }
              if (f.expect === 'close') throw new Error('a frame over the limits was read');
              const { message } = got;
              if ('error' in message) {
                const problem = errorShapeProblem('application/json', JSON.stringify(message));
                if (problem) throw new Error(`error message: ${problem}`);
              } else if (typeof message.op !== 'string') {
                throw new Error(`unexpected answer ${JSON.stringify(message).slice(0, 200)}`);
              }
            }
            // Still open and still serving: a ping gets its pong.
            client.socket.send(JSON.stringify({ op: 'ping' }));
            const pong = await client.next();
            if (!('message' in pong) || pong.message.op !== 'pong')
              throw new Error(`no pong: ${JSON.stringify(pong)}`);
          } finally {
            await close(client.socket);
          }
        }),
        { seed: FUZZ_SEED, numRuns: Math.ceil(300 * FUZZ_SCALE), endOnFailure: true },
      );
    },
    60_000 * FUZZ_SCALE,
  );

  it('holds one socket to the channel cap however many channels are asked for', async () => {
    const client = await open({ authorization: `Bearer ${target.userToken}` });
    const names = Array.from({ length: 5000 }, (_, i) => `price:S${String(i).padStart(4, '0')}`);
    let subscribed = 0;
    let refused = 0;
    for (let i = 0; i < names.length; i += 100) {
      client.socket.send(JSON.stringify({ op: 'subscribe', channels: names.slice(i, i + 100) }));
      const got = await client.next();
      if (!('message' in got)) throw new Error(`closed ${got.close}`);
      if (got.message.op === 'subscribed') subscribed += 100;
      else if ((got.message.error as { code?: string } | undefined)?.code === 'LIMIT_EXCEEDED') refused += 1;
    }
    expect(subscribed).toBe(200);
    expect(refused).toBe(48);
    await close(client.socket);
  });

  it('survives: /health answers and every key has a shape the registry builds', async () => {
    expect((await target.app.http.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const shapes = keyShapes(target.app.ctx.keys.prefix, ['jobs']);
    const keys = await allKeys(target);
    expect(keys.filter((k) => !shapes.test(k))).toEqual([]);
    expect(keys.filter((k) => FORBIDDEN_IN_KEYS.test(k))).toEqual([]);
  });
});
