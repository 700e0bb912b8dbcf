import { WebSocket } from 'ws';
import { waitFor } from './wait.ts';

/** A real WebSocket client of `/api/v1/ws` that keeps every JSON message it receives. */
export interface TestWsClient {
  readonly socket: WebSocket;
  readonly messages: Record<string, unknown>[];
  send(message: unknown): void;
  /** Waits for the first message (after `from`) matching `match`, and returns it. */
  next(match: (m: Record<string, unknown>) => boolean, from?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function connectWs(url: string, headers: Record<string, string> = {}): Promise<TestWsClient> {
  const socket = new WebSocket(url, { headers });
  const messages: Record<string, unknown>[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
  return {
    socket,
    messages,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    next: (match, from = 0) => waitFor(() => messages.slice(from).find(match)),
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.readyState === socket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        socket.close();
      }),
  };
}
