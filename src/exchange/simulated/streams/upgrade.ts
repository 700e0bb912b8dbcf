/**
 * Routes WebSocket upgrades of the simulated exchange's HTTP server to the stream hubs, on
 * Binance's paths:
 *
 *   spot      /stream?streams=a/b/c   combined ({"stream","data"} frames)
 *             /ws/a/b/c, /ws          raw payloads (subscribe later with SUBSCRIBE)
 *   futures   /fstream/stream?streams=..., /fstream/ws/...   the same under a /fstream prefix
 *
 * so a client's spot base is `ws://host:port` and its futures base `ws://host:port/fstream`.
 * A malformed stream name or more than 1024 streams answer 400; a `streamDown` fault 503.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { MarketType } from '../../../trading/index.ts';
import type { FaultTable } from '../faults.ts';
import type { StreamHub } from './hub.ts';
import { MAX_STREAMS_PER_CONNECTION, parseStreamName } from './names.ts';

/** Path prefix of the futures streams on the simulated exchange. */
export const FUTURES_STREAM_PREFIX = '/fstream';

/** Accepts or refuses upgrades for the hubs of both markets. */
export class StreamUpgrades {
  // Pongs are the hub's business: a `streamNoPing` fault must be able to withhold them.
  readonly #wss = new WebSocketServer({ noServer: true, autoPong: false, maxPayload: 64 * 1024 });
  readonly #hubs: Readonly<Record<MarketType, StreamHub>>;
  readonly #faults: FaultTable;

  constructor(hubs: Readonly<Record<MarketType, StreamHub>>, faults: FaultTable) {
    this.#hubs = hubs;
    this.#faults = faults;
  }

  /** The `upgrade` listener of the HTTP server. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://simulated.invalid');
    const futures =
      url.pathname === FUTURES_STREAM_PREFIX || url.pathname.startsWith(`${FUTURES_STREAM_PREFIX}/`);
    const market: MarketType = futures ? 'futures' : 'spot';
    const path = futures ? url.pathname.slice(FUTURES_STREAM_PREFIX.length) : url.pathname;
    let combined: boolean;
    let names: string[];
    if (path === '/stream') {
      combined = true;
      names = (url.searchParams.get('streams') ?? '').split('/').filter((n) => n !== '');
    } else if (path === '/ws' || path.startsWith('/ws/')) {
      combined = false;
      names = path
        .slice(3)
        .split('/')
        .filter((n) => n !== '');
    } else {
      refuse(socket, 404, 'Not Found');
      return;
    }
    try {
      names = names.map((n) => decodeURIComponent(n));
    } catch {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    if (names.length > MAX_STREAMS_PER_CONNECTION || names.some((n) => parseStreamName(n) === null)) {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    if (this.#faults.refuseStream(market)) {
      refuse(socket, 503, 'Service Unavailable');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#hubs[market].attach(ws, combined, names));
  }

  close(): void {
    this.#wss.close();
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
