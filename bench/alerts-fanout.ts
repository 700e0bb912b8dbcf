import WebSocket from 'ws';
import { buildUniverse } from '../src/exchange/simulated/index.ts';
import type { AlertsBenchServer } from './alerts-server.ts';
import type { BenchResult } from './report.ts';

/**
 * 1,000 WebSocket clients of the one `tradecache start` child (alerts-server.ts), each
 * subscribed to `price:` and `trades:` of 10 of the 20 watched symbols: messages per
 * second delivered to all of them, and the server's RSS with them beside its RSS before they
 * connected (the baseline, same process, same run). Clients count frames without parsing them,
 * so the bench's own process stays the lighter side.
 * Connections come from 20 loopback addresses: the API's per-address request limit (1,200 a
 * minute) is for clients, not for one benchmark host.
 */
const CLIENTS = 1_000;
const SYMBOLS_PER_CLIENT = 10;
const SAMPLE_MS = 15_000;
/** Upgrades in flight at once while connecting. */
const CONNECT_BATCH = 20;

/** The watched symbols of the fan-out run (the child's FEED_WATCH_SYMBOLS). */
export const FANOUT_SYMBOLS = buildUniverse(42)
  .spot.filter((d) => d.quoteAsset === 'USDT' && d.status === 'TRADING' && d.haltedAt === null)
  .slice(0, 20)
  .map((d) => d.symbol);

export async function runFanoutBench(server: AlertsBenchServer): Promise<BenchResult['rows']> {
  const wsUrl = `${server.url.replace('http', 'ws')}/api/v1/ws`;
  const rssBefore = await server.rssKb();
  const sockets: WebSocket[] = [];
  let messages = 0;
  let cutOff = 0;
  let counting = false;
  try {
    let refused = 0;
    // A refused upgrade (503 while the loaded server's Redis calls time out) is retried, as a
    // client would; the count goes in the table.
    const connect = async (i: number): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await connectOnce(i);
        } catch (err) {
          if (attempt >= 4) throw err;
          refused++;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    };
    const connectOnce = async (i: number) => {
      const symbols = Array.from(
        { length: SYMBOLS_PER_CLIENT },
        (_, k) => FANOUT_SYMBOLS[(i + k) % FANOUT_SYMBOLS.length] as string,
      );
      const socket = new WebSocket(wsUrl, {
        headers: { authorization: `Bearer ${server.token}` },
        localAddress: `127.0.2.${(i % 20) + 1}`,
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => {
            body += d;
          });
          res.on('end', () => reject(new Error(`client ${i}: upgrade refused ${res.statusCode} ${body}`)));
        });
      });
      socket.on('message', () => {
        if (counting) messages++;
      });
      socket.on('close', (code) => {
        if (code === 1013) cutOff++;
      });
      socket.send(
        JSON.stringify({
          op: 'subscribe',
          channels: symbols.flatMap((s) => [`price:${s}`, `trades:${s}`]),
        }),
      );
      sockets.push(socket);
    };
    for (let i = 0; i < CLIENTS; i += CONNECT_BATCH) {
      await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, CLIENTS - i) }, (_, k) => connect(i + k)),
      );
    }
    // Let subscriptions settle, then count.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    counting = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    counting = false;
    const seconds = (performance.now() - started) / 1000;
    const rssWith = await server.rssKb();
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    return [
      {
        label: `${CLIENTS.toLocaleString('en-US')} WebSocket clients × 10 symbols (price, trades): messages delivered`,
        value: messages / seconds,
        unit: 'msg/s',
      },
      { label: '  per client', value: messages / seconds / CLIENTS, unit: 'msg/s' },
      {
        label: '  clients still open at the end / cut off as slow consumers (1013)',
        value: open,
        unit: `open, ${cutOff} cut off`,
      },
      { label: '  upgrades refused with 503 and retried while connecting', value: refused, unit: 'upgrades' },
      { label: 'server RSS before the clients (baseline)', value: rssBefore / 1024, unit: 'MiB' },
      { label: 'server RSS with the clients', value: rssWith / 1024, unit: 'MiB' },
      { label: '  per client', value: (rssWith - rssBefore) / CLIENTS, unit: 'KiB' },
    ];
  } finally {
    for (const s of sockets) s.terminate();
  }
}
