/**
 * The simulated exchange: a node:http server speaking the Binance REST subset the cache uses
 * (spot `/api/v3`, futures `/fapi/v1`) and its WebSocket market streams (`streams/`), with
 * request-weight accounting, Binance error bodies and injectable faults. The same Binance client code runs against it and against Binance.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MarketType } from '../../trading/index.ts';
import { handleAdmin } from './admin.ts';
import { MarketActivity } from './book.ts';
import { type FaultControl, type FaultSpec, FaultTable } from './faults.ts';
import { KlineGenerator } from './klines.ts';
import { BinanceApiError } from './params.ts';
import { PriceModel } from './prices.ts';
import { bannedBody, sendJson, tooMuchWeightBody, UNKNOWN_ERROR_BODY, weightHeaders } from './respond.ts';
import type { RouteContext, RouteTable } from './routes.ts';
import { FUTURES_ROUTES } from './routes-futures.ts';
import { SPOT_ROUTES } from './routes-spot.ts';
import { StreamHub, type StreamTimings } from './streams/hub.ts';
import { FUTURES_STREAM_PREFIX, StreamUpgrades } from './streams/upgrade.ts';
import { TickerBook } from './tickers.ts';
import { buildUniverse } from './universe.ts';
import { secondsToNextMinute, WeightMeter } from './weight.ts';

/** Options of {@link startSimulatedExchange}. */
export interface SimulatedExchangeOptions {
  /** Seed of the universe and price paths. @default 42 */
  seed?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Clock (epoch ms); inject a fixed one for reproducible serverTime and candles. @default Date.now */
  now?: () => number;
  /** REQUEST_WEIGHT limit per market and minute. @default 6000 */
  weightLimitPerMinute?: number;
  /** Ping cadence and pong timeout of the WebSocket streams, per market (Binance's by default). */
  streams?: Partial<Record<MarketType, StreamTimings>>;
}

/** A running simulated exchange. */
export interface SimulatedExchange {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Base URL for spot (`/api/v3/...` paths); same as `url`. */
  readonly spotUrl: string;
  /** Base URL for USDⓈ-M futures (`/fapi/v1/...` paths); same as `url`. */
  readonly futuresUrl: string;
  /** WebSocket base for spot streams (`ws://host:port`: `/stream?streams=...`, `/ws/<stream>`). */
  readonly spotStreamUrl: string;
  /** WebSocket base for futures streams (`ws://host:port/fstream`). */
  readonly futuresStreamUrl: string;
  readonly port: number;
  readonly faults: FaultControl;
  /** Requests received (faulted ones included) for a path (`/api/v3/klines`, or a suffix like `klines`), or in total. */
  requestCount(path?: string): number;
  resetCounts(): void;
  /** Open stream sockets of a market. */
  streamClients(market: MarketType): number;
  /** Streams of a market that currently have subscribers (and so cost CPU). */
  activeStreams(market: MarketType): string[];
  /**
   * Sends one payload (Binance's shape) on a stream of a market to its subscribers now, beside
   * what the simulation sends: `npm run bench market` streams a price every 10 ms this way.
   * Returns how many sockets it went to.
   */
  publish(market: MarketType, stream: string, data: unknown): number;
  /** Stops listening and drops keep-alive connections. */
  close(): Promise<void>;
}

const TABLES: Readonly<Record<MarketType, RouteTable>> = { spot: SPOT_ROUTES, futures: FUTURES_ROUTES };
const DEFAULT_SLOW_MS = 2000;
const DEFAULT_BAN_SEC = 120;

/** Starts the simulated exchange and resolves once it listens. */
export async function startSimulatedExchange(
  options: SimulatedExchangeOptions = {},
): Promise<SimulatedExchange> {
  const seed = options.seed ?? 42;
  const now = options.now ?? Date.now;
  const weightLimit = options.weightLimitPerMinute ?? 6000;
  const universe = buildUniverse(seed);
  const model = new PriceModel(universe);
  const activity = new MarketActivity(model, universe);
  const base = { universe, model, activity, weightLimitPerMinute: weightLimit };
  const engines = {
    ...base,
    klines: new KlineGenerator(model, universe),
    tickers: new TickerBook(model, activity, universe),
  };
  const faults = new FaultTable();
  const sourceContext = { universe, activity, tickers: engines.tickers };
  const hubs: Record<MarketType, StreamHub> = {
    spot: new StreamHub({ ...sourceContext, market: 'spot' }, now, faults, options.streams?.spot),
    futures: new StreamHub({ ...sourceContext, market: 'futures' }, now, faults, options.streams?.futures),
  };
  const upgrades = new StreamUpgrades(hubs, faults);
  faults.onSet = (spec) => {
    if (spec.mode !== 'streamClose' && spec.mode !== 'streamDown') return;
    for (const hub of Object.values(hubs)) {
      if (spec.market === undefined || spec.market === 'all' || spec.market === hub.market) hub.closeAll();
    }
  };
  const meters: Record<MarketType, WeightMeter> = {
    spot: new WeightMeter(weightLimit),
    futures: new WeightMeter(weightLimit),
  };
  const counts = new Map<string, number>();
  const pendingDelays = new Set<() => void>();
  let closed = false;

  const requestCount = (path?: string): number => {
    let total = 0;
    for (const [key, n] of counts) {
      if (path === undefined || key === path || key.endsWith(path.startsWith('/') ? path : `/${path}`))
        total += n;
    }
    return total;
  };
  const resetCounts = () => counts.clear();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pendingDelays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pendingDelays.add(done);
    });

  const answerMarket = async (req: IncomingMessage, res: ServerResponse, url: URL, market: MarketType) => {
    const path = url.pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const fault = faults.take(market, path);
    if (fault?.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (fault?.mode === 'slow') {
      await delay(fault.delayMs ?? DEFAULT_SLOW_MS);
      if (closed) return;
    }
    const at = now();
    const route = TABLES[market].get(path);
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return sendJson(res, 404, '', {
        'Content-Type': 'text/html',
        ...weightHeaders(meters[market].used(at)),
        Date: new Date(at).toUTCString(),
      });
    }
    const charge = meters[market].charge(route.weight(url.searchParams), at);
    // The exchange's clock, not the host's: clients learn the server time from it.
    const headers = { ...weightHeaders(charge.used), Date: new Date(at).toUTCString() };
    if (fault && fault.mode !== 'slow') {
      const handled = answerFault(res, fault, headers, at, weightLimit);
      if (handled) return;
    }
    if (charge.exceeded) {
      return sendJson(res, 429, tooMuchWeightBody(weightLimit), {
        ...headers,
        'Retry-After': charge.retryAfterSec,
      });
    }
    const ctx: RouteContext = { ...engines, now: at };
    let body: unknown;
    try {
      body = route.handle(url.searchParams, ctx);
    } catch (err) {
      if (err instanceof BinanceApiError) return sendJson(res, err.status, err.body(), headers);
      return sendJson(res, 500, UNKNOWN_ERROR_BODY, headers);
    }
    if (fault?.mode === 'garbage') return sendJson(res, 200, garbageBody(path, body), headers);
    return sendJson(res, 200, body, headers);
  };

  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    const url = new URL(req.url ?? '/', 'http://simulated.invalid');
    const path = url.pathname;
    const market: MarketType | null = path.startsWith('/api/')
      ? 'spot'
      : path.startsWith('/fapi/')
        ? 'futures'
        : null;
    const work = path.startsWith('/__sim/')
      ? handleAdmin(req, res, path, {
          faults,
          resetCounts,
          stats: () => ({
            total: requestCount(),
            paths: Object.fromEntries(counts),
            usedWeight: { spot: meters.spot.used(now()), futures: meters.futures.used(now()) },
          }),
        })
      : market
        ? answerMarket(req, res, url, market)
        : Promise.resolve(sendJson(res, 404, '', { 'Content-Type': 'text/html' }));
    work.catch(() => {
      if (!res.headersSent) sendJson(res, 500, UNKNOWN_ERROR_BODY);
      else res.destroy();
    });
  });

  server.on('upgrade', (req, socket, head) => upgrades.handle(req, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    spotUrl: url,
    futuresUrl: url,
    spotStreamUrl: `ws://${host}:${address.port}`,
    futuresStreamUrl: `ws://${host}:${address.port}${FUTURES_STREAM_PREFIX}`,
    port: address.port,
    faults,
    requestCount,
    resetCounts,
    streamClients: (market) => hubs[market].clientCount,
    activeStreams: (market) => hubs[market].activeStreams(),
    publish: (market, stream, data) => hubs[market].publish(stream, data),
    close: async () => {
      if (closed) return;
      closed = true;
      for (const release of [...pendingDelays]) release();
      for (const hub of Object.values(hubs)) hub.close();
      upgrades.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Answers a fault that replaces the normal response; false when the request should proceed. */
function answerFault(
  res: ServerResponse,
  fault: FaultSpec,
  headers: Record<string, string>,
  at: number,
  weightLimit: number,
): boolean {
  switch (fault.mode) {
    case 'error500':
      sendJson(res, 500, UNKNOWN_ERROR_BODY, headers);
      return true;
    case 'rateLimit':
      sendJson(res, 429, tooMuchWeightBody(weightLimit), {
        ...headers,
        'Retry-After': fault.retryAfterSec ?? secondsToNextMinute(at),
      });
      return true;
    case 'banned': {
      const sec = fault.retryAfterSec ?? DEFAULT_BAN_SEC;
      sendJson(res, 418, bannedBody(at + sec * 1000), { ...headers, 'Retry-After': sec });
      return true;
    }
    default:
      return false;
  }
}

/** A 200 body that is not what the client expects: a wrong-typed field, or the real body cut short. */
function garbageBody(path: string, body: unknown): string {
  if (path.endsWith('/exchangeInfo')) return '{"symbols":"oops"}';
  const text = JSON.stringify(body);
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
