import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStreamClient,
  type StreamClient,
  type StreamEvent,
  type StreamStateEvent,
} from '../../src/exchange/binance/streams/index.ts';
import { waitFor } from '../helpers/wait.ts';
import {
  recordedLines,
  STREAM_FIXTURES,
  startTestWsServer,
  type TestWsServer,
} from '../helpers/ws-server.ts';

const servers: TestWsServer[] = [];
const clients: StreamClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(onConnection: Parameters<typeof startTestWsServer>[0]) {
  const s = await startTestWsServer(onConnection);
  servers.push(s);
  return s;
}
function client(baseUrl: string, options: Partial<Parameters<typeof createStreamClient>[0]> = {}) {
  const c = createStreamClient({ baseUrl, ...options });
  clients.push(c);
  return c;
}

const SESSIONS = readdirSync(STREAM_FIXTURES).filter((f) => /^ws-(spot|futures)\..*\.jsonl$/.test(f));

describe('Binance stream client: recorded mainnet sessions', () => {
  it('parses every message of the eight recorded spot and futures sessions without a single rejection', async () => {
    expect(SESSIONS).toHaveLength(8);
    const lines = SESSIONS.flatMap((f) => recordedLines(f));
    const ws = await server((socket) => {
      for (const line of lines) socket.send(line);
    });
    const c = client(ws.url);
    const kinds = new Map<string, number>();
    c.on('event', (e) => kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1));
    await c.subscribe(['ftmusdt@aggTrade']);
    await waitFor(() => c.stats().events + c.stats().rejected >= lines.length);
    expect(c.stats()).toMatchObject({ events: lines.length, rejected: 0, lastRejection: null });
    expect(Object.fromEntries(kinds)).toEqual({
      aggTrade: 28 + 91,
      bookTicker: 412 + 613,
      depthUpdate: 546 + 764,
      kline: 17 + 67,
    });
  });

  it('keeps prices, quantities and depth levels as the exchange decimal strings, with futures pu and T', async () => {
    const futuresDepth = recordedLines(SESSIONS.find((f) => f.startsWith('ws-futures.depth'))!)[0]!;
    const spotBook = recordedLines(SESSIONS.find((f) => f.startsWith('ws-spot.bookTicker'))!)[0]!;
    const ws = await server((socket) => {
      socket.send(futuresDepth);
      socket.send(spotBook);
    });
    const c = client(ws.url);
    const events: StreamEvent[] = [];
    c.on('event', (e) => events.push(e));
    await c.subscribe(['sushiusdt@depth@100ms']);
    await waitFor(() => events.length === 2);
    const raw = JSON.parse(futuresDepth).data;
    expect(events[0]).toEqual({
      stream: 'sushiusdt@depth@100ms',
      kind: 'depthUpdate',
      data: { E: raw.E, T: raw.T, s: 'SUSHIUSDT', U: raw.U, u: raw.u, pu: raw.pu, b: raw.b, a: raw.a },
    });
    expect(events[1]).toMatchObject({
      kind: 'bookTicker',
      data: {
        u: 800360982,
        s: 'FTMUSDT',
        b: '0.33989000',
        B: '1565.60000000',
        a: '0.34012000',
        A: '703.00000000',
      },
    });
    expect(events[1]!.data).not.toHaveProperty('E');
  });
});

describe('Binance stream client: malformed frames', () => {
  it('counts and skips every malformed frame, keeps the socket and delivers the good ones', async () => {
    const good = recordedLines(SESSIONS.find((f) => f.startsWith('ws-spot.aggTrade'))!)[0]!;
    const goodData = JSON.parse(good).data;
    const bad = [
      'not json',
      '[1,2,3]',
      JSON.stringify({ stream: 'ftmusdt@aggTrade', data: { ...goodData, p: 0.33993 } }), // number price
      JSON.stringify({ stream: 'ftmusdt@aggTrade', data: { ...goodData, p: '1e5' } }), // not a decimal string
      JSON.stringify({ stream: 'ftmusdt@aggTrade', data: { ...goodData, a: undefined } }), // missing id
      JSON.stringify({ stream: 'ftmusdt@aggTrade', data: { ...goodData, s: 'ETHUSDT' } }), // wrong symbol
      JSON.stringify({ stream: 'ftmusdt@bookTicker', data: goodData }), // wrong kind
      JSON.stringify({
        stream: 'ftmusdt@depth@100ms',
        data: { e: 'depthUpdate', E: 1, s: 'FTMUSDT', U: 5, u: 4, b: [], a: [] },
      }),
      JSON.stringify({
        stream: 'ftmusdt@depth@100ms',
        data: { e: 'depthUpdate', E: 1, s: 'FTMUSDT', U: 1, u: 4, b: [['1.0']], a: [] },
      }),
      JSON.stringify({ stream: '!miniTicker@arr', data: [{ e: '24hrMiniTicker', E: 1, s: 'X', c: '1' }] }),
      JSON.stringify({ stream: 'ftmusdt@markPrice', data: {} }), // a stream this client does not read
      JSON.stringify({ result: null, id: 999 }), // reply to nothing we asked
    ];
    const ws = await server((socket) => {
      for (const frame of bad) socket.send(frame);
      socket.send(Buffer.from([1, 2, 3]), { binary: true });
      socket.send(good);
    });
    const c = client(ws.url);
    const states: StreamStateEvent[] = [];
    const reasons: string[] = [];
    c.on('state', (s) => states.push(s));
    c.on('rejected', (r) => reasons.push(r));
    const events: StreamEvent[] = [];
    c.on('event', (e) => events.push(e));
    await c.subscribe(['ftmusdt@aggTrade']);
    await waitFor(() => events.length === 1);
    expect(c.stats().rejected).toBe(bad.length + 1);
    expect(reasons).toHaveLength(bad.length + 1);
    expect(events[0]).toMatchObject({ kind: 'aggTrade', data: { p: '0.33993000', a: 31718372 } });
    expect(states.map((s) => s.state)).toEqual(['connected']);
    expect(ws.connections).toBe(1);
  });

  it('a listener that throws is counted, not thrown out of the socket handler', async () => {
    const good = recordedLines(SESSIONS.find((f) => f.startsWith('ws-spot.aggTrade'))!).slice(0, 3);
    const ws = await server((socket) => {
      for (const line of good) socket.send(line);
    });
    const c = client(ws.url);
    let seen = 0;
    c.on('event', () => {
      seen++;
      throw new Error('listener bug');
    });
    await c.subscribe(['ftmusdt@aggTrade']);
    await waitFor(() => seen === 3);
    expect(c.stats()).toMatchObject({ events: 3, rejected: 3 });
    expect(c.state).toBe('connected');
  });
});

describe('Binance stream client: connection age', () => {
  it('replaces a connection before its maximum age without going down', async () => {
    const line = recordedLines(SESSIONS.find((f) => f.startsWith('ws-spot.aggTrade'))!)[0]!;
    const timers: NodeJS.Timeout[] = [];
    const ws = await server((socket) => {
      const t = setInterval(() => socket.send(line), 20);
      timers.push(t);
      socket.on('close', () => clearInterval(t));
    });
    const c = client(ws.url, { maxConnectionAgeMs: 300 });
    const states: string[] = [];
    c.on('state', (s) => states.push(s.state));
    await c.subscribe(['ftmusdt@aggTrade']);
    await waitFor(() => ws.connections >= 3);
    await waitFor(() => ws.open.length === 1);
    expect(states.every((s) => s === 'connected')).toBe(true);
    expect(c.stats().reconnects).toBe(0);
    for (const t of timers) clearInterval(t);
  });
});
