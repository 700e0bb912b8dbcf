import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type WebSocket, WebSocketServer } from 'ws';
import { BINANCE_FIXTURES } from './replay-server.ts';

/** Recorded Binance stream sessions (`streams/ws-*.jsonl`), read at runtime, never copied. */
export const STREAM_FIXTURES = path.join(BINANCE_FIXTURES, 'streams');

/** The lines of a recorded `.jsonl` session. */
export function recordedLines(file: string): string[] {
  return readFileSync(path.join(STREAM_FIXTURES, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/**
 * A tiny WebSocket server on 127.0.0.1: every socket that connects gets `onConnection` called,
 * which sends whatever frames the test scripts. It answers control messages `{result:null,id}`.
 */
export interface TestWsServer {
  /** `ws://127.0.0.1:<port>`: a stream client's base URL. */
  readonly url: string;
  /** Sockets accepted so far. */
  readonly connections: number;
  /** Sockets open now. */
  readonly open: WebSocket[];
  close(): Promise<void>;
}

export async function startTestWsServer(onConnection: (ws: WebSocket) => void): Promise<TestWsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { id?: number };
      ws.send(JSON.stringify({ result: null, id: msg.id }));
    });
    onConnection(ws);
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    get open() {
      return [...wss.clients];
    },
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
