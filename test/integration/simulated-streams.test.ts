import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';
import type { MarketType } from '../../src/trading/index.ts';
import { waitFor } from '../helpers/wait.ts';
import { recordedLines } from '../helpers/ws-server.ts';

type Level = [string, string];
interface Depth {
  lastUpdateId: number;
  bids: Level[];
  asks: Level[];
}
interface Frame {
  stream: string;
  data: Record<string, unknown>;
}

const servers: SimulatedExchange[] = [];
const sockets: WebSocket[] = [];
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
});

/** A raw combined-stream socket that keeps every frame it receives. */
async function rawSocket(url: string, options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url, options);
  sockets.push(ws);
  const frames: Frame[] = [];
  const replies: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if ('stream' in msg) frames.push(msg);
    else replies.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, replies };
}

/** Key → JSON type of a payload, to compare shapes with what Binance sent. */
function shape(data: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Array.isArray(v) ? 'array' : typeof v]));
}
function recordedShape(file: string): Record<string, string> {
  return shape(JSON.parse(recordedLines(file)[0]!).data);
}
const SPOT = 'FTMUSDT_SXPBTC_BADGERBTC_XMRBTC.2021-08-14.jsonl';
const FUTURES = 'SUSHIUSDT_AKROUSDT_KEEPUSDT_CTKUSDT.2021-07-22.jsonl';

describe('simulated exchange streams: Binance payload shapes', () => {
  let ex: SimulatedExchange;
  beforeAll(async () => {
    ex = await startSimulatedExchange({});
    servers.push(ex);
  });

  for (const market of ['spot', 'futures'] as const) {
    it(`sends ${market} aggTrade, bookTicker, depth@100ms and !miniTicker@arr with the recorded field names and types`, async () => {
      const base = market === 'spot' ? ex.spotStreamUrl : ex.futuresStreamUrl;
      const streams = ['btcusdt@aggTrade', 'btcusdt@bookTicker', 'btcusdt@depth@100ms', '!miniTicker@arr'];
      const { frames } = await rawSocket(`${base}/stream?streams=${streams.join('/')}`);
      await waitFor(() => streams.every((s) => frames.some((f) => f.stream === s)));
      const first = (stream: string) => frames.find((f) => f.stream === stream)!.data;
      const tag = market === 'spot' ? `ws-spot` : `ws-futures`;
      const session = market === 'spot' ? SPOT : FUTURES;
      for (const kind of ['aggTrade', 'bookTicker', 'depth@100ms'] as const) {
        expect(shape(first(`btcusdt@${kind}`)), kind).toEqual(recordedShape(`${tag}.${kind}.${session}`));
      }
      const tickers = first('!miniTicker@arr') as unknown as Array<Record<string, unknown>>;
      expect(tickers.length).toBeGreaterThan(50);
      expect(shape(tickers[0]!)).toEqual({
        e: 'string',
        E: 'number',
        s: 'string',
        c: 'string',
        o: 'string',
        h: 'string',
        l: 'string',
        v: 'string',
        q: 'string',
      });
    });
  }

  it('sends raw payloads on /ws/<stream>, and answers SUBSCRIBE, UNSUBSCRIBE and LIST_SUBSCRIPTIONS', async () => {
    const ws = new WebSocket(`${ex.spotStreamUrl}/ws/ethusdt@bookTicker`);
    sockets.push(ws);
    const messages: Array<Record<string, unknown>> = [];
    ws.on('message', (d) => messages.push(JSON.parse(String(d))));
    await waitFor(() => messages.some((m) => m.s === 'ETHUSDT'));
    expect(messages[0]).not.toHaveProperty('stream');
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['solusdt@aggTrade'], id: 1 }));
    ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }));
    ws.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['ethusdt@bookTicker'], id: 3 }));
    ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['BAD NAME'], id: 4 }));
    await waitFor(() => messages.some((m) => m.id === 4));
    const reply = (id: number) => messages.find((m) => m.id === id);
    expect(reply(1)).toEqual({ result: null, id: 1 });
    expect(reply(2)).toEqual({ result: ['ethusdt@bookTicker', 'solusdt@aggTrade'], id: 2 });
    expect(reply(3)).toEqual({ result: null, id: 3 });
    expect(reply(4)).toMatchObject({ error: { code: 2 }, id: 4 });
    await waitFor(() => ex.activeStreams('spot').includes('solusdt@aggTrade'));
    expect(ex.activeStreams('spot')).not.toContain('ethusdt@bookTicker');
  });

  it('publishes a payload of its caller to the subscribers of that stream only, at once', async () => {
    const { frames } = await rawSocket(`${ex.spotStreamUrl}/stream?streams=adausdt@miniTicker`);
    const other = await rawSocket(`${ex.spotStreamUrl}/stream?streams=ethusdt@aggTrade`);
    await waitFor(() => ex.activeStreams('spot').includes('ethusdt@aggTrade'));
    const ticker = {
      e: '24hrMiniTicker',
      E: 1,
      s: 'ADAUSDT',
      c: '1.00',
      o: '1',
      h: '1',
      l: '1',
      v: '0',
      q: '0',
    };
    expect(ex.publish('spot', 'adausdt@miniTicker', ticker)).toBe(1);
    await waitFor(() => frames.some((f) => f.data.E === 1 && f.data.c === '1.00'));
    expect(other.frames.some((f) => f.stream === 'adausdt@miniTicker')).toBe(false);
    expect(ex.publish('spot', 'nosuch@aggTrade', {})).toBe(0);
  });

  it('refuses malformed stream names at the handshake', async () => {
    const ws = new WebSocket(`${ex.spotStreamUrl}/stream?streams=btcusdt@nonsense`);
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(400);
  });

  it('computes only streams that have subscribers', async () => {
    const { ws } = await rawSocket(`${ex.futuresStreamUrl}/stream?streams=xrpusdt@depth@100ms`);
    expect(ex.activeStreams('futures')).toContain('xrpusdt@depth@100ms');
    ws.close();
    await waitFor(() => !ex.activeStreams('futures').includes('xrpusdt@depth@100ms'));
  });

  it('closes a connection that sends more than 5 messages a second (spot)', async () => {
    const { ws } = await rawSocket(`${ex.spotStreamUrl}/stream?streams=btcusdt@bookTicker`);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    for (let i = 1; i <= 7; i++) ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    expect(await closed).toBe(1008);
  });
});

describe('simulated exchange streams: pings', () => {
  it('pings its clients and drops one that never answers', async () => {
    const ex = await startSimulatedExchange({
      streams: { spot: { pingIntervalMs: 50, pongTimeoutMs: 200 } },
    });
    servers.push(ex);
    const polite = await rawSocket(`${ex.spotStreamUrl}/stream?streams=btcusdt@bookTicker`);
    const mute = await rawSocket(`${ex.spotStreamUrl}/stream?streams=btcusdt@bookTicker`, {
      autoPong: false,
    });
    let pings = 0;
    polite.ws.on('ping', () => pings++);
    const dropped = new Promise<void>((resolve) => mute.ws.once('close', () => resolve()));
    await dropped;
    expect(pings).toBeGreaterThan(1);
    expect(polite.ws.readyState).toBe(WebSocket.OPEN);
  });
});

/** A local order book kept from a snapshot and diffs exactly as Binance documents it. */
function rebuild(market: MarketType, snapshot: Depth, diffs: Array<Record<string, unknown>>) {
  const bids = new Map(snapshot.bids);
  const asks = new Map(snapshot.asks);
  let last: number | null = null;
  for (const d of diffs) {
    const U = d.U as number;
    const u = d.u as number;
    if (last === null) {
      if (u < snapshot.lastUpdateId + (market === 'spot' ? 1 : 0)) continue;
      const first = market === 'spot' ? snapshot.lastUpdateId + 1 : snapshot.lastUpdateId;
      expect(U <= first && first <= u, `first diff ${U}..${u} joins ${snapshot.lastUpdateId}`).toBe(true);
    } else if (market === 'spot') {
      expect(U).toBe(last + 1);
    } else {
      expect(d.pu).toBe(last);
    }
    for (const [side, book] of [
      ['b', bids],
      ['a', asks],
    ] as const) {
      for (const [price, qty] of d[side] as Level[]) {
        if (/^0(\.0+)?$/.test(qty)) book.delete(price);
        else book.set(price, qty);
      }
    }
    last = u;
  }
  const sorted = (m: Map<string, string>, desc: boolean) =>
    [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
  return { lastUpdateId: last, bids: sorted(bids, true), asks: sorted(asks, false) };
}

describe('simulated exchange streams: depth snapshot + diffs', () => {
  for (const market of ['spot', 'futures'] as const) {
    it(`${market}: the REST snapshot plus the depth@100ms diffs rebuild exactly the later snapshot`, async () => {
      let now = Date.UTC(2026, 10, 20, 12, 0, 0, 30);
      const ex = await startSimulatedExchange({ now: () => now });
      servers.push(ex);
      const base = market === 'spot' ? ex.spotStreamUrl : ex.futuresStreamUrl;
      const rest = market === 'spot' ? '/api/v3/depth' : '/fapi/v1/depth';
      const { frames } = await rawSocket(`${base}/stream?streams=ethusdt@depth@100ms`);
      const snapshot = (await (await fetch(`${ex.url}${rest}?symbol=ETHUSDT&limit=1000`)).json()) as Depth;
      // Steps of one, several and many update steps: each becomes one diff.
      for (const jump of [100, 100, 350, 1000, 60_000, 100]) {
        now += jump;
        const count = frames.length;
        await waitFor(() => frames.length > count);
      }
      const later = (await (await fetch(`${ex.url}${rest}?symbol=ETHUSDT&limit=1000`)).json()) as Depth;
      const book = rebuild(
        market,
        snapshot,
        frames.map((f) => f.data),
      );
      expect(book.lastUpdateId).toBe(later.lastUpdateId);
      expect(book.bids.length).toBeGreaterThan(500);
      expect(book.bids).toEqual(later.bids);
      expect(book.asks).toEqual(later.asks);
      expect(frames.some((f) => (f.data.b as Level[]).some(([, q]) => /^0(\.0+)?$/.test(q)))).toBe(true);
    });
  }
});

describe('simulated exchange streams: agreement with REST', () => {
  it('aggTrades are the REST trades, and bookTicker is the top of the REST depth snapshot', async () => {
    let now = Date.UTC(2026, 10, 20, 12, 0, 0, 0);
    const ex = await startSimulatedExchange({ now: () => now });
    servers.push(ex);
    const { frames } = await rawSocket(
      `${ex.spotStreamUrl}/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker`,
    );
    now += 2000;
    await waitFor(() => frames.some((f) => f.stream === 'btcusdt@bookTicker'));
    await waitFor(() => frames.filter((f) => f.stream === 'btcusdt@aggTrade').length > 3);
    const trades = (await (await fetch(`${ex.url}/api/v3/trades?symbol=BTCUSDT&limit=1000`)).json()) as Array<
      Record<string, unknown>
    >;
    const byId = new Map(trades.map((t) => [t.id, t]));
    for (const { data } of frames.filter((f) => f.stream === 'btcusdt@aggTrade')) {
      const t = byId.get(data.f);
      expect(t, `trade ${data.f}`).toBeDefined();
      expect([data.p, data.q, data.T, data.m, data.l]).toEqual([
        t!.price,
        t!.qty,
        t!.time,
        t!.isBuyerMaker,
        data.f,
      ]);
    }
    const depth = (await (await fetch(`${ex.url}/api/v3/depth?symbol=BTCUSDT&limit=1`)).json()) as Depth;
    const top = frames.filter((f) => f.stream === 'btcusdt@bookTicker').at(-1)!.data;
    expect([top.b, top.B, top.a, top.A, top.u]).toEqual([
      ...depth.bids[0]!,
      ...depth.asks[0]!,
      depth.lastUpdateId,
    ]);
    const price = (await (await fetch(`${ex.url}/api/v3/ticker/price?symbol=BTCUSDT`)).json()) as {
      price: string;
    };
    expect(Number(top.b) <= Number(price.price) && Number(price.price) <= Number(top.a)).toBe(true);
  });
});
