import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createStreamClient,
  type StreamClient,
  type StreamEvent,
  type StreamStateEvent,
  watchedSymbolStreams,
} from '../../src/exchange/binance/streams/index.ts';
import { type SimulatedExchange, startSimulatedExchange } from '../../src/exchange/simulated/index.ts';
import { waitFor } from '../helpers/wait.ts';

let ex: SimulatedExchange;
const clients: StreamClient[] = [];
beforeAll(async () => {
  ex = await startSimulatedExchange({
    // One ping a second: with Binance counting pongs as incoming messages, that is one of the five.
    streams: { spot: { pingIntervalMs: 1000, pongTimeoutMs: 3000 } },
  });
});
afterEach(async () => {
  ex.faults.clear();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await ex.close();
});

function client(
  market: 'spot' | 'futures' = 'spot',
  options: Partial<Parameters<typeof createStreamClient>[0]> = {},
) {
  const c = createStreamClient({
    baseUrl: market === 'spot' ? ex.spotStreamUrl : ex.futuresStreamUrl,
    market,
    backoffBaseMs: 50,
    backoffCapMs: 200,
    ...options,
  });
  clients.push(c);
  return c;
}
function record(c: StreamClient) {
  const events: StreamEvent[] = [];
  const states: StreamStateEvent[] = [];
  c.on('event', (e) => events.push(e));
  c.on('state', (s) => states.push(s));
  return { events, states };
}

describe('Binance stream client against the simulated exchange', () => {
  for (const market of ['spot', 'futures'] as const) {
    it(`${market}: receives every stream kind of a watched symbol and every price`, async () => {
      const c = client(market);
      const { events } = record(c);
      await c.subscribe([...watchedSymbolStreams('BTCUSDT'), '!miniTicker@arr']);
      const kinds = ['aggTrade', 'bookTicker', 'depthUpdate', 'miniTickers'] as const;
      await waitFor(() => kinds.every((k) => events.some((e) => e.kind === k)));
      expect(c.stats().rejected).toBe(0);
      const depth = events.find((e) => e.kind === 'depthUpdate')!;
      expect(depth.stream).toBe('btcusdt@depth@100ms');
      if (depth.kind === 'depthUpdate') expect(depth.data.pu !== undefined).toBe(market === 'futures');
      const tickers = events.find((e) => e.kind === 'miniTickers');
      if (tickers?.kind === 'miniTickers') {
        const btc = tickers.data.find((t) => t.s === 'BTCUSDT')!;
        expect(btc.c).toMatch(/^\d+\.\d+$/);
      }
      const book = events.find((e) => e.kind === 'bookTicker');
      if (book?.kind === 'bookTicker') expect(book.data.E !== undefined).toBe(market === 'futures');
      expect(c.state).toBe('connected');
    });
  }

  it('subscribes and unsubscribes while connected; nothing of an unsubscribed stream arrives afterwards', async () => {
    const c = client();
    const { events } = record(c);
    await c.subscribe(['btcusdt@bookTicker']);
    await waitFor(() => events.some((e) => e.stream === 'btcusdt@bookTicker'));
    await c.subscribe(['ethusdt@bookTicker', 'ethusdt@aggTrade']);
    expect(ex.activeStreams('spot')).toEqual(
      expect.arrayContaining(['btcusdt@bookTicker', 'ethusdt@bookTicker', 'ethusdt@aggTrade']),
    );
    await waitFor(() => events.some((e) => e.stream === 'ethusdt@bookTicker'));
    await c.unsubscribe(['btcusdt@bookTicker']);
    const seen = events.length;
    expect(ex.activeStreams('spot')).not.toContain('btcusdt@bookTicker');
    await waitFor(() => events.slice(seen).filter((e) => e.stream === 'ethusdt@bookTicker').length >= 3);
    expect(events.slice(seen).some((e) => e.stream === 'btcusdt@bookTicker')).toBe(false);
    expect(c.streams().sort()).toEqual(['ethusdt@aggTrade', 'ethusdt@bookTicker']);
    expect(c.stats()).toMatchObject({ connections: 1, reconnects: 0 });
  });

  it('keeps under the 5 control messages a second the exchange allows', async () => {
    const c = client();
    await c.subscribe(['btcusdt@bookTicker']);
    const symbols = ['eth', 'sol', 'xrp', 'ada', 'doge', 'bnb', 'ltc', 'trx'];
    // One at a time: each is its own control message, so only the throttle keeps the socket up.
    for (const s of symbols) await c.subscribe([`${s}usdt@aggTrade`]);
    for (const s of symbols) await c.unsubscribe([`${s}usdt@aggTrade`]);
    expect(c.stats()).toMatchObject({ reconnects: 0, streams: 1 });
    expect(c.state).toBe('connected');
  });

  it('splits streams across connections past the per-connection limit, and closes emptied ones', async () => {
    const c = client('futures', { maxStreamsPerConnection: 2 });
    const before = ex.streamClients('futures');
    await c.subscribe([
      'btcusdt@aggTrade',
      'ethusdt@aggTrade',
      'solusdt@aggTrade',
      'xrpusdt@aggTrade',
      'adausdt@aggTrade',
    ]);
    expect(c.stats().connections).toBe(3);
    await waitFor(() => ex.streamClients('futures') === before + 3);
    await c.unsubscribe(['adausdt@aggTrade']);
    expect(c.stats().connections).toBe(2);
    await waitFor(() => ex.streamClients('futures') === before + 2);
  });

  it('reconnects and resubscribes when the server closes every socket', async () => {
    const c = client();
    const { events, states } = record(c);
    await c.subscribe(['btcusdt@bookTicker']);
    await c.subscribe(['ethusdt@bookTicker']); // live SUBSCRIBE, not in the first URL
    ex.faults.set({ mode: 'streamDown' });
    await waitFor(() => states.some((s) => s.state === 'reconnecting'));
    expect(states.map((s) => s.state).slice(0, 2)).toEqual(['connected', 'disconnected']);
    expect(c.state).not.toBe('connected');
    await waitFor(() => states.filter((s) => s.state === 'reconnecting').length >= 2); // refused while down
    ex.faults.clear();
    await waitFor(() => states.at(-1)?.state === 'connected');
    const seen = events.length;
    await waitFor(() =>
      ['btcusdt@bookTicker', 'ethusdt@bookTicker'].every((s) =>
        events.slice(seen).some((e) => e.stream === s),
      ),
    );
    expect(states.at(-1)).toMatchObject({ streams: ['btcusdt@bookTicker', 'ethusdt@bookTicker'] });
  });

  it('reconnects after a one-shot close of all sockets', async () => {
    const c = client('futures');
    const { events, states } = record(c);
    await c.subscribe(['btcusdt@depth@100ms']);
    ex.faults.set({ mode: 'streamClose', market: 'futures' });
    await waitFor(() => states.filter((s) => s.state === 'connected').length === 2);
    const seen = events.length;
    await waitFor(() => events.length > seen);
    expect(c.stats().reconnects).toBe(1);
  });

  it('drops and replaces a socket on which the server went silent (no data, no pings, no pongs)', async () => {
    const c = client('spot', { livenessTimeoutMs: 400 });
    const { events, states } = record(c);
    await c.subscribe(['btcusdt@bookTicker']);
    await waitFor(() => events.length > 0);
    ex.faults.set({ mode: 'streamSilent' });
    await waitFor(() => states.some((s) => s.state === 'disconnected'));
    ex.faults.clear();
    await waitFor(() => states.at(-1)?.state === 'connected' && states.length >= 4);
    const seen = events.length;
    await waitFor(() => events.length > seen);
    expect(states.map((s) => s.state).slice(0, 3)).toEqual(['connected', 'disconnected', 'reconnecting']);
  });

  it('close() is clean: no reconnect afterwards, and the server sees the socket go', async () => {
    const c = client();
    const { states } = record(c);
    await c.subscribe(['btcusdt@bookTicker']);
    const open = ex.streamClients('spot');
    await c.close();
    expect(states.at(-1)?.state).toBe('closed');
    await waitFor(() => ex.streamClients('spot') === open - 1);
    expect(c.state).toBe('closed');
    await expect(c.subscribe(['ethusdt@bookTicker'])).rejects.toThrow(/closed/);
  });
});
