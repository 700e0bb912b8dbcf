import WebSocket from 'ws';
import type { AlertNotification } from '../src/market/alerts/index.ts';
import { addDecimals, subtractDecimals } from '../src/market/decimal/index.ts';
import type { AlertsBenchServer } from './alerts-server.ts';
import { epochMs } from './exchange-process.ts';
import { type BenchResult, quantile } from './report.ts';

/**
 * From a price crossing a target at the simulated exchange to the notification on a WebSocket of
 * the `tradecache start` child (alerts-server.ts), which runs the stream feed. The exchange runs
 * in a process of its own (exchange-process.ts), which notes when it handed each
 * `!miniTicker@arr` frame (one event time E per frame) to a socket; alerts one satoshi above
 * and below the price of each of SYMBOLS symbols fire at its next move, and the notification's
 * exchange time names the frame it came from. Both times are epoch ms of the same machine's
 * clock (`epochMs`), so they compare across the processes. A fired pair is re-armed around the
 * new price once the frame's burst is over (an alert that fires at creation is not counted).
 * Baseline, same run and socket: the same frames' `price:` messages.
 */
const SYMBOLS = 100;
const SAMPLE_MS = 30_000;
const SATOSHI = '0.00000001';
/**
 * A fired pair is re-armed this long after its notification: a frame fires about 100 pairs at
 * once, and 300 alert calls made in the middle of that burst would queue in front of the very
 * notifications being timed (measured: +10 to 15 ms on the p50). Frames come once a second, so
 * the pair is armed again well before the next one.
 */
const REARM_AFTER_MS = 250;

export async function runAlertLatencyBench(server: AlertsBenchServer): Promise<BenchResult['rows']> {
  const { sim, tool: ctx, token } = server;
  const USER = server.userId;
  /** Event time E of a mini-ticker frame → when it left the exchange (epoch ms). */
  const left = new Map<number, number>();
  let symbols: string[] = [];
  sim.noteMiniTickers((E, at, first) => {
    if (first) symbols = first.filter((s) => s.endsWith('USDT')).slice(0, SYMBOLS);
    left.set(E, at);
  });
  let socket: WebSocket | null = null;
  try {
    await until(() => symbols.length > 0, 'no mini-ticker frame within 30 s');
    await until(async () => {
      for (const s of symbols) if (!(await ctx.market.data.spot.getPrice(s))) return false;
      return true;
    }, 'the feed priced the symbols within 30 s');

    const alertLatencies: number[] = [];
    /** Exchange time E of each `price:` message and when it arrived (epoch ms). */
    const priceArrivals: [number, number][] = [];
    const pairs = new Map<string, { up: string; down: string }>();
    // Counted only once its create answered `active`: one that fired at creation may notify
    // before the create call returns, and its time would be the create's, not a crossing's.
    const armed = new Set<string>();
    /** alertId → exchange time E of its notification's price and when it arrived. */
    const arrivals = new Map<string, [number, number]>();
    const rearming = new Set<string>();
    let sampling = true;
    const arm = async (symbol: string, price: string) => {
      const make = (condition: 'above' | 'below') =>
        ctx.alerts.create(USER, {
          market: 'spot',
          symbol,
          condition,
          targetPrice: condition === 'above' ? addDecimals(price, SATOSHI) : subtractDecimals(price, SATOSHI),
        });
      const [up, down] = await Promise.all([make('above'), make('below')]);
      for (const a of [up, down]) if (a.status === 'active') armed.add(a.id);
      pairs.set(symbol, { up: up.id, down: down.id });
    };
    const rearm = async (n: AlertNotification) => {
      const pair = pairs.get(n.symbol);
      if (!sampling || !pair || (pair.up !== n.alertId && pair.down !== n.alertId) || rearming.has(n.symbol))
        return;
      rearming.add(n.symbol);
      try {
        await ctx.alerts.delete(USER, pair.up === n.alertId ? pair.down : pair.up);
        await arm(n.symbol, n.price);
      } finally {
        rearming.delete(n.symbol);
      }
    };

    socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/ws`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const ws = socket;
    const subscribed = new Promise<void>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('message', (raw) => {
        const at = epochMs();
        const m = JSON.parse(String(raw)) as {
          op?: string;
          channel?: string;
          data?: Record<string, unknown>;
        };
        if (m.op === 'subscribed') resolve();
        if (!sampling || !m.channel || !m.data) return;
        if (m.channel === 'alerts') {
          const n = m.data as unknown as AlertNotification;
          if (!arrivals.has(n.alertId)) arrivals.set(n.alertId, [Date.parse(n.triggeredAt), at]);
          setTimeout(() => void rearm(n).catch(() => {}), REARM_AFTER_MS);
        } else if (m.channel.startsWith('price:')) {
          priceArrivals.push([Number(m.data.time), at]);
        }
      });
    });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ op: 'subscribe', channels: ['alerts', ...symbols.map((s) => `price:${s}`)] }));
    await subscribed;
    for (const s of symbols) {
      const p = await ctx.market.data.spot.getPrice(s);
      if (p) await arm(s, p.price);
    }
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    sampling = false;
    // Joined at the end: the exchange's note of a frame may come in after our message of it.
    const since = (key: number, at: number) => {
      const sent = left.get(key);
      return sent === undefined ? [] : [at - sent];
    };
    for (const [id, [key, at]] of arrivals) if (armed.has(id)) alertLatencies.push(...since(key, at));
    const priceLatencies = priceArrivals.flatMap(([key, at]) => since(key, at));
    alertLatencies.sort((a, b) => a - b);
    priceLatencies.sort((a, b) => a - b);
    return [
      {
        label: 'exchange price → our WebSocket `price:` p50 (baseline)',
        value: quantile(priceLatencies, 0.5),
        unit: 'ms',
      },
      {
        label: 'exchange price → our WebSocket `price:` p99 (baseline)',
        value: quantile(priceLatencies, 0.99),
        unit: 'ms',
      },
      {
        label: 'price crossing a target → notification on the WebSocket p50',
        value: quantile(alertLatencies, 0.5),
        unit: 'ms',
      },
      {
        label: 'price crossing a target → notification on the WebSocket p99 (target ≤ 100)',
        value: quantile(alertLatencies, 0.99),
        unit: 'ms',
      },
      {
        label: '  notification p99 / price p99',
        value: quantile(alertLatencies, 0.99) / quantile(priceLatencies, 0.99),
        unit: '×',
      },
      { label: '  notifications sampled', value: alertLatencies.length, unit: 'notifications' },
    ];
  } finally {
    socket?.close();
  }
}

async function until(probe: () => boolean | Promise<boolean>, failure: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
