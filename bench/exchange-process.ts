import { type ChildProcess, fork } from 'node:child_process';
import os from 'node:os';
import WebSocket from 'ws';
import { type SimulatedExchange, startSimulatedExchange } from '../src/exchange/simulated/index.ts';
import type { MarketType } from '../src/trading/index.ts';

/**
 * The simulated exchange in a child process of its own, for the latency benchmarks: in the
 * bench's process its timers (the 100 ms stream loop, a price path's cadence) wait whenever the
 * bench's loop is busy (a feed round, 1,000 fan-out clients), so a price would leave late and
 * the stall would be counted as ours, or not at all. Here only the exchange runs on its loop.
 *
 * Times cross the process boundary as epoch milliseconds with sub-ms resolution
 * ({@link epochMs}): both processes read the same
 * machine clock, so a time noted here and one noted in the bench compare directly.
 *
 * Control (IPC): `publish` sends one payload now; `priceStream` starts a price path (one
 * BTCUSDT-style mini ticker every `everyMs`, each with its own event time and price) and
 * `stopPriceStream` ends it, answering when each of its prices left; `noteMiniTickers` reports
 * when each `!miniTicker@arr` frame of the simulation left (handed to a socket), by its event
 * time E (one E per frame). E itself is taken before the frame is built (every symbol's 24h
 * ticker), and a raw observer socket in this process reads the frame only after this loop turn's
 * other streams: the hand-over is the moment the price left.
 */
export interface ExchangeProcess {
  readonly spotUrl: string;
  readonly futuresUrl: string;
  readonly spotStreamUrl: string;
  readonly futuresStreamUrl: string;
  /** Sends one payload on a stream now (the exchange's `publish`). */
  publish(market: MarketType, stream: string, data: unknown): void;
  /** Starts a price path of `symbol` on `!miniTicker@arr`: a new price every `everyMs`. */
  startPriceStream(market: MarketType, symbol: string, everyMs: number): void;
  /** Ends the price path: how many prices it sent and when each left (`<E>|<price>` → epoch ms). */
  stopPriceStream(): Promise<{ sent: number; left: Map<string, number> }>;
  /**
   * Calls `onFrame` with the event time E of each mini-ticker frame the simulation sends, when
   * it was first handed to a socket (epoch ms), and the symbols of the first frame.
   */
  noteMiniTickers(onFrame: (E: number, at: number, symbols: string[] | null) => void): void;
  close(): Promise<void>;
}

/**
 * Where `performance.now()` 0 lies on the epoch clock, taken at the edge of a Date.now()
 * millisecond (a spin of at most 1 ms): `performance.timeOrigin` can be tens of ms off in a
 * process that started slowly (a tsx child), which would skew every cross-process figure.
 */
const ORIGIN = (() => {
  const start = Date.now();
  let edge = start;
  while (edge === start) edge = Date.now();
  return edge - performance.now();
})();

/** Now as epoch ms with sub-ms resolution, comparable between processes of one machine. */
export function epochMs(): number {
  return ORIGIN + performance.now();
}

type ToChild =
  | { type: 'publish'; market: MarketType; stream: string; data: unknown }
  | { type: 'priceStream'; market: MarketType; symbol: string; everyMs: number }
  | { type: 'stopPriceStream' }
  | { type: 'noteMiniTickers' }
  | { type: 'close' };

type ToParent =
  | { type: 'ready'; urls: Record<(typeof URL_FIELDS)[number], string> }
  | { type: 'priceStreamStopped'; sent: number; left: [string, number][] }
  | { type: 'miniTickerSent'; E: number; at: number; symbols: string[] | null };

const CHILD_FLAG = '--simulated-exchange-child';
/** The exchange process's nice value: the lowest priority. */
const EXCHANGE_NICE = 19;
const URL_FIELDS = ['spotUrl', 'futuresUrl', 'spotStreamUrl', 'futuresStreamUrl'] as const;

export async function startExchangeProcess(): Promise<ExchangeProcess> {
  const child = fork(import.meta.filename, [CHILD_FLAG], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The exchange stands for another machine: its simulation (20 watched books at 10 steps a
  // second take most of a core) runs on what CPU the server leaves. Nothing measured waits on
  // it: a frame's time starts when this process hands it to a socket.
  if (child.pid) os.setPriority(child.pid, EXCHANGE_NICE);
  let onMiniTicker: ((E: number, at: number, symbols: string[] | null) => void) | null = null;
  const waiting = new Map<ToParent['type'], (m: ToParent) => void>();
  child.on('message', (m: ToParent) => {
    if (m.type === 'miniTickerSent') onMiniTicker?.(m.E, m.at, m.symbols);
    waiting.get(m.type)?.(m);
    waiting.delete(m.type);
  });
  const next = <T extends ToParent['type']>(type: T) =>
    new Promise<Extract<ToParent, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`simulated exchange process: no ${type}`)), 30_000);
      waiting.set(type, (m) => {
        clearTimeout(timer);
        resolve(m as Extract<ToParent, { type: T }>);
      });
    });
  const send = (m: ToChild) => child.send(m);
  const ready = await Promise.race([next('ready'), exited(child).then(() => null)]);
  if (!ready) throw new Error('the simulated exchange process exited before it listened');
  const { spotUrl, futuresUrl, spotStreamUrl, futuresStreamUrl } = ready.urls;
  return {
    spotUrl,
    futuresUrl,
    spotStreamUrl,
    futuresStreamUrl,
    publish: (market, stream, data) => send({ type: 'publish', market, stream, data }),
    startPriceStream: (market, symbol, everyMs) => send({ type: 'priceStream', market, symbol, everyMs }),
    async stopPriceStream() {
      const reply = next('priceStreamStopped');
      send({ type: 'stopPriceStream' });
      const { sent, left } = await reply;
      return { sent, left: new Map(left) };
    },
    noteMiniTickers(onFrame) {
      onMiniTicker = onFrame;
      send({ type: 'noteMiniTickers' });
    },
    async close() {
      const gone = exited(child);
      send({ type: 'close' });
      await gone;
    },
  };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The child: the exchange and a price path at most; nothing else on its loop. */
async function runChild(): Promise<void> {
  const sim = await startSimulatedExchange({});
  const tell = (m: ToParent) => process.send?.(m);
  let path: { timer: NodeJS.Timeout; left: Map<string, number>; sent: number } | null = null;
  process.on('message', (m: ToChild) => {
    switch (m.type) {
      case 'publish':
        sim.publish(m.market, m.stream, m.data);
        break;
      case 'priceStream':
        path = startPricePath(sim, m.market, m.symbol, m.everyMs);
        break;
      case 'stopPriceStream':
        if (path) clearInterval(path.timer);
        tell({ type: 'priceStreamStopped', sent: path?.sent ?? 0, left: [...(path?.left ?? [])] });
        path = null;
        break;
      case 'noteMiniTickers':
        noteMiniTickerSends(tell);
        break;
      case 'close':
        if (path) clearInterval(path.timer);
        void sim.close().then(() => process.exit(0));
        break;
    }
  });
  // The bench died: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  const urls = Object.fromEntries(URL_FIELDS.map((f) => [f, sim[f]]));
  tell({ type: 'ready', urls: urls as Record<(typeof URL_FIELDS)[number], string> });
}

/**
 * Notes the first hand-over of each simulated `!miniTicker@arr` frame to a socket: the stream
 * server's sockets are `ws` sockets, so their `send` is wrapped (in this process only; a string
 * prefix test per frame, parsed only once for the first frame's symbols). The price path's own
 * frames are noted where they are published.
 */
function noteMiniTickerSends(tell: (m: ToParent) => void): void {
  const send = WebSocket.prototype.send;
  let lastE = 0;
  WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (typeof data === 'string') {
      const head = data.slice(0, 120);
      const E = head.includes('"24hrMiniTicker"') ? Number(/"E":(\d+)/.exec(head)?.[1]) : Number.NaN;
      if (E > lastE) {
        const at = epochMs();
        const symbols =
          lastE === 0 ? (JSON.parse(data) as { data?: { s: string }[] } | { s: string }[]) : null;
        lastE = E;
        const list = symbols === null ? null : Array.isArray(symbols) ? symbols : (symbols.data ?? []);
        tell({ type: 'miniTickerSent', E, at, symbols: list?.map((t) => t.s) ?? null });
      }
    }
    return (send as (...args: unknown[]) => void).call(this, data, ...rest);
  } as typeof send;
}

/**
 * Mini tickers of `symbol` every `everyMs`, each with its own event time and price, noting when
 * each left (handed to the sockets) under `<E>|<price>`.
 */
function startPricePath(sim: SimulatedExchange, market: MarketType, symbol: string, everyMs: number) {
  const state = { timer: undefined as unknown as NodeJS.Timeout, left: new Map<string, number>(), sent: 0 };
  let lastE = 0;
  state.timer = setInterval(() => {
    const E = Math.max(Date.now(), lastE + 1);
    lastE = E;
    const n = state.sent++;
    const c = `${60_000 + (n % 1000)}.${String(n % 100).padStart(2, '0')}000000`;
    const ticker = {
      e: '24hrMiniTicker',
      E,
      s: symbol,
      c,
      o: '60000.00000000',
      h: '61000.00000000',
      l: '59000.00000000',
      v: '1234.56700000',
      q: '74074020.00000000',
    };
    state.left.set(`${E}|${c}`, epochMs());
    sim.publish(market, '!miniTicker@arr', [ticker]);
  }, everyMs);
  return state;
}

if (process.argv.includes(CHILD_FLAG)) await runChild();
