import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { WebSocket } from 'ws';
import { request } from './http-load.ts';

const CANDLE_FEED = readFileSync(
  path.resolve(import.meta.dirname, '../../../src/http/routes/dashboard/candle-feed.js'),
  'utf8',
);

/** What the clients did, with epoch ms timestamps, for the spread figures. */
export interface ClientEvents {
  /** Every WebSocket the clients opened (first connects and reconnects). */
  wsAttempts: { id: number; at: number }[];
  /** Every REST candle request they sent. */
  restRequests: { id: number; at: number }[];
  /** Per client, when its socket was last confirmed live (`subscribed`). */
  liveAt: Map<number, number>;
}

export interface DashboardClient {
  stop(): void;
}

/**
 * One dashboard chart as the browser runs it: the page's own `candle-feed.js` evaluated in a
 * context of its own, with `ws` as its WebSocket (carrying the session as a Bearer header, as
 * the cookie would) and fetch over Node's http from the client's own loopback address. So the
 * reconnect and polling timing measured is the shipped code's, not a copy of it.
 */
export function startDashboardClient(
  id: number,
  base: string,
  authorization: string,
  from: string,
  events: ClientEvents,
  symbol = 'BTCUSDT',
): DashboardClient {
  class BrowserSocket extends WebSocket {
    constructor(url: string) {
      super(url, { headers: { authorization }, localAddress: from });
      events.wsAttempts.push({ id, at: Date.now() });
      // A browser socket never throws on a refused connection: it closes.
      this.on('error', () => {});
    }
  }
  const fetch = async (url: string, init: { headers?: Record<string, string> }) => {
    events.restRequests.push({ id, at: Date.now() });
    const answer = await request(`${base}${url}`, { headers: init.headers ?? {}, from, timeoutMs: 10_000 });
    if (answer.status === 'network-error') throw new Error('network error');
    return {
      ok: answer.status >= 200 && answer.status < 300,
      status: answer.status,
      json: async () =>
        typeof answer.body === 'object' ? answer.body : Promise.reject(new Error('not JSON')),
    };
  };
  const host = new URL(base).host;
  const window = { tcDashboard: { authHeaders: () => ({ authorization }) } as Record<string, unknown> };
  const context = vm.createContext({
    window,
    WebSocket: BrowserSocket,
    fetch,
    location: { protocol: 'http:', host },
    setTimeout,
    clearTimeout,
    Math,
    JSON,
    Array,
    encodeURIComponent,
    console,
  });
  vm.runInContext(CANDLE_FEED, context);
  const sources = window.tcDashboard.candleSources as {
    live: (h: unknown) => { show(s: string): void; stop(): void };
  };
  const feed = sources.live({
    history: () => {},
    candle: () => {},
    error: () => {},
    state: (state: string) => {
      if (state === 'live') events.liveAt.set(id, Date.now());
    },
  });
  feed.show(symbol);
  return { stop: () => feed.stop() };
}
