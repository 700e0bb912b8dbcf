import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { KLINE_INTERVALS } from '../../src/trading/index.ts';

/**
 * A real HTTP server on 127.0.0.1 that replays the recorded Binance bodies in
 * /work/shared/fixtures/binance (read at runtime, never copied), so clients and caches are tested
 * against what Binance really sends.
 *
 * Routes (spot `/api/v3/...` and futures `/fapi/v1/...`):
 * - `exchangeInfo`: the chosen file (defaults: spot 2021-10-22 two symbols, futures 2022-02-19
 *   three symbols); switch with `useExchangeInfo`.
 * - `klines`, `depth`, `trades`, `aggTrades`, `ticker/price`, `ticker/24hr`, `ticker/bookTicker`:
 *   the 2021-10-22 BTCUSDT spot bodies, on both markets (futures shapes are a superset-compatible subset of these).
 *   `limit` trims klines/trades (newest kept) and depth levels. Symbols other than BTCUSDT
 *   answer 400 -1121, illegal symbols 400 -1100, unknown intervals 400 -1120. Without `symbol`,
 *   `ticker/price` and `ticker/24hr` answer the 2020 all-symbol lists (`ticker/bookTicker` has
 *   no recorded all-symbol body: it answers -1102 like the other symbol-only routes).
 * - `time`: the recorded 2021-10-10 `serverTime` (its Date header is this machine's clock).
 * Every response carries `X-MBX-USED-WEIGHT-1M` (per market, summed per fixed minute).
 *
 * @example
 * const server = await startReplayServer();
 * const client = createBinanceClient({ spotUrl: server.url, futuresUrl: server.url });
 * server.failNext('/api/v3/exchangeInfo', { status: 503, times: 2 });
 * await client.getMarkets('spot'); // retried twice, then the fixture
 * server.count('/api/v3/exchangeInfo'); // 3
 * await server.close();
 */

/** Root of the recorded fixtures, relative to this repo (never copied into it). */
export const BINANCE_FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/binance');

export type ReplayMarket = 'spot' | 'futures';

/** A scripted answer. `body` objects are sent as JSON, strings as they are. */
export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  /** How many of the next requests to the path get this answer. @default 1 */
  readonly times?: number;
  /** Wait this long before answering (to provoke client timeouts). @default 0 */
  readonly delayMs?: number;
}

/** A custom route: gets the query string, returns the answer (JSON body unless a string). */
export type ReplayRoute = (query: URLSearchParams) => Omit<ScriptedResponse, 'times'>;

export interface ReplayServerOptions {
  /** File under spot/rest/ served at /api/v3/exchangeInfo. */
  readonly spotExchangeInfo?: string;
  /** File under futures-um/rest/ served at /fapi/v1/exchangeInfo. */
  readonly futuresExchangeInfo?: string;
  /** Extra or overriding routes by full path, e.g. `'/api/v3/avgPrice'`. */
  readonly routes?: Record<string, ReplayRoute>;
}

export interface ReplayServer {
  /** Base URL (`http://127.0.0.1:<port>`): pass it as both spotUrl and futuresUrl. */
  readonly url: string;
  /** Requests received on a path (scripted answers included), e.g. `count('/api/v3/klines')`. */
  count(path: string): number;
  /** Query string of the last request to a path. */
  lastQuery(path: string): URLSearchParams | undefined;
  /** Serves another recorded exchangeInfo file (name under spot/rest/ or futures-um/rest/). */
  useExchangeInfo(market: ReplayMarket, fileName: string): void;
  /** The next `times` requests to `path` get this answer instead of the fixture. */
  failNext(path: string, response: ScriptedResponse): void;
  /** Last X-MBX-USED-WEIGHT-1M sent for a market (0 before any request). */
  usedWeight(market: ReplayMarket): number;
  close(): Promise<void>;
}

const SPOT_DIR = path.join(BINANCE_FIXTURES, 'spot/rest');
const FUTURES_DIR = path.join(BINANCE_FIXTURES, 'futures-um/rest');

const MARKET_DATA_FILES = {
  klines: 'klines.BTCUSDT.1m.2021-10-22.json',
  depth: 'depth.BTCUSDT.limit10.2021-10-22.json',
  trades: 'trades.BTCUSDT.2021-10-22.json',
  'ticker/price': 'ticker_price.BTCUSDT.2021-10-22.json',
  'ticker/24hr': 'ticker_24hr.BTCUSDT.2021-10-22.json',
  'ticker/bookTicker': 'ticker_bookTicker.BTCUSDT.2021-10-22.json',
  aggTrades: 'aggTrades.BTCUSDT.2021-10-22.json',
} as const;

const ALL_SYMBOL_FILES: Record<string, string> = {
  'ticker/price': 'ticker_price.all.2020-10-31approx.json',
  'ticker/24hr': 'snapshot-2020-10-09/ticker_24hr.all.json',
};

/** Request weight per endpoint (spot table of FORMATS.md §2, roughly; enough to see it move). */
const WEIGHT: Record<string, number> = {
  exchangeInfo: 20,
  klines: 2,
  depth: 5,
  trades: 25,
  'ticker/price': 2,
  'ticker/24hr': 2,
  'ticker/bookTicker': 2,
  aggTrades: 4,
  time: 1,
};

const KNOWN_SYMBOL = 'BTCUSDT';
const SYMBOL_PATTERN = /^[A-Z0-9_.-]{1,20}$/;
const INTERVALS = new Set<string>(KLINE_INTERVALS);

type Answer = Omit<ScriptedResponse, 'times'>;

function binanceError(status: number, code: number, msg: string): Answer {
  return { status, body: { code, msg } };
}

export async function startReplayServer(options: ReplayServerOptions = {}): Promise<ReplayServer> {
  const files = new Map<string, Buffer>();
  const read = (file: string): Buffer => {
    let bytes = files.get(file);
    if (!bytes) {
      bytes = readFileSync(file);
      files.set(file, bytes);
    }
    return bytes;
  };
  const exchangeInfo: Record<ReplayMarket, string> = {
    spot: path.join(SPOT_DIR, options.spotExchangeInfo ?? 'exchangeInfo.BTCUSDT_ETHUSDT.2021-10-22.json'),
    futures: path.join(
      FUTURES_DIR,
      options.futuresExchangeInfo ?? 'exchangeInfo.BTCUSDT_ETHUSDT_BTCUSDT_220325.2022-02-19.json',
    ),
  };
  const counts = new Map<string, number>();
  const queries = new Map<string, URLSearchParams>();
  const scripts = new Map<string, Array<{ answer: Answer; left: number }>>();
  const weight: Record<ReplayMarket, { minute: number; used: number }> = {
    spot: { minute: 0, used: 0 },
    futures: { minute: 0, used: 0 },
  };
  const timers = new Set<NodeJS.Timeout>();

  function fixtureAnswer(endpoint: string, market: ReplayMarket, query: URLSearchParams): Answer | undefined {
    if (endpoint === 'exchangeInfo') return { status: 200, body: read(exchangeInfo[market]) };
    if (endpoint === 'time') return { status: 200, body: read(path.join(SPOT_DIR, 'time.2021-10-22.json')) };
    if (!(endpoint in MARKET_DATA_FILES)) return undefined;
    const symbol = query.get('symbol');
    const allSymbolsFile = ALL_SYMBOL_FILES[endpoint];
    if (symbol === null) {
      if (allSymbolsFile) return { status: 200, body: read(path.join(SPOT_DIR, allSymbolsFile)) };
      return binanceError(
        400,
        -1102,
        "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.",
      );
    }
    if (!SYMBOL_PATTERN.test(symbol)) {
      return binanceError(
        400,
        -1100,
        "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
      );
    }
    if (symbol !== KNOWN_SYMBOL) return binanceError(400, -1121, 'Invalid symbol.');
    if (endpoint === 'klines' && !INTERVALS.has(query.get('interval') ?? '')) {
      return binanceError(400, -1120, 'Invalid interval.');
    }
    const bytes = read(path.join(SPOT_DIR, MARKET_DATA_FILES[endpoint as keyof typeof MARKET_DATA_FILES]));
    const limit = Number(query.get('limit'));
    if (!query.has('limit') || !Number.isInteger(limit) || limit < 1) return { status: 200, body: bytes };
    const json = JSON.parse(bytes.toString('utf8'));
    // Binance returns the most recent `limit` rows, and the best `limit` levels of the book.
    if (endpoint === 'depth') {
      return {
        status: 200,
        body: { ...json, bids: json.bids.slice(0, limit), asks: json.asks.slice(0, limit) },
      };
    }
    return { status: 200, body: Array.isArray(json) ? json.slice(-limit) : json };
  }

  function route(pathname: string, query: URLSearchParams): Answer {
    const custom = options.routes?.[pathname];
    if (custom) return custom(query);
    const match = /^\/(api\/v3|fapi\/v1)\/(.+)$/.exec(pathname);
    const market: ReplayMarket = match?.[1] === 'fapi/v1' ? 'futures' : 'spot';
    const answer = match?.[2] ? fixtureAnswer(match[2], market, query) : undefined;
    return answer ?? { status: 404, body: { code: -1, msg: 'Not found in replay server' } };
  }

  function takeScript(pathname: string): Answer | undefined {
    const queue = scripts.get(pathname);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    next.left -= 1;
    if (next.left <= 0) queue.shift();
    return next.answer;
  }

  function addWeight(pathname: string): number {
    const market: ReplayMarket = pathname.startsWith('/fapi/') ? 'futures' : 'spot';
    const endpoint = pathname.replace(/^\/(api\/v3|fapi\/v1)\//, '');
    const minute = Math.floor(Date.now() / 60_000);
    const state = weight[market];
    if (state.minute !== minute) Object.assign(state, { minute, used: 0 });
    state.used += WEIGHT[endpoint] ?? 1;
    return state.used;
  }

  function send(res: ServerResponse, answer: Answer, usedWeight: number): void {
    if (res.destroyed) return;
    const { body } = answer;
    const payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body ?? '');
    res.writeHead(answer.status, {
      'content-type': typeof body === 'string' ? 'text/html' : 'application/json;charset=UTF-8',
      'x-mbx-used-weight': String(usedWeight),
      'x-mbx-used-weight-1m': String(usedWeight),
      // Lower-cased so a scripted header replaces ours instead of being sent twice.
      ...Object.fromEntries(Object.entries(answer.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    });
    res.end(payload);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    queries.set(url.pathname, url.searchParams);
    const answer = takeScript(url.pathname) ?? route(url.pathname, url.searchParams);
    const usedWeight = addWeight(url.pathname);
    if (!answer.delayMs) {
      send(res, answer, usedWeight);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(res, answer, usedWeight);
    }, answer.delayMs);
    timers.add(timer);
  }

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    count: (p) => counts.get(p) ?? 0,
    lastQuery: (p) => queries.get(p),
    useExchangeInfo(market, fileName) {
      exchangeInfo[market] = path.join(market === 'spot' ? SPOT_DIR : FUTURES_DIR, fileName);
    },
    failNext(p, response) {
      const { times = 1, ...answer } = response;
      const queue = scripts.get(p) ?? [];
      queue.push({ answer, left: times });
      scripts.set(p, queue);
    },
    usedWeight: (market) => weight[market].used,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
