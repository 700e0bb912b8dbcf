import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createBinanceClient } from '../src/exchange/binance/index.ts';
import { startSimulatedExchange } from '../src/exchange/simulated/index.ts';
import { BacktestService, HistoryStore } from '../src/history/index.ts';
import type { BenchResult } from './report.ts';

const START = Date.UTC(2024, 0, 1);
const END = Date.UTC(2024, 1, 1);

/**
 * A one-month 1m range (44,640 candles) through BacktestService: cold (paginated from the
 * simulated exchange over real HTTP, then stored) against warm (answered from the store).
 */
export async function runHistoryFetchBench(): Promise<BenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecache-history-fetch-'));
  const exchange = await startSimulatedExchange({ weightLimitPerMinute: 1_000_000 });
  try {
    const client = createBinanceClient({ spotUrl: exchange.spotUrl, futuresUrl: exchange.futuresUrl });
    const backtest = new BacktestService({ exchange: client, store: new HistoryStore({ dir }) });
    const timed = async () => {
      const t = performance.now();
      const rows = await backtest.getHistoricalData('BTCUSDT', '1m', START, END, 'spot');
      return { ms: performance.now() - t, rows: rows.length };
    };
    const cold = await timed();
    const requests = exchange.requestCount('/api/v3/klines');
    const warm = await timed();
    if (exchange.requestCount('/api/v3/klines') !== requests)
      throw new Error('warm read went to the exchange');
    return {
      name: 'history fetch: one month of 1m BTCUSDT, cold exchange vs warm store',
      rows: [
        { label: `cold: ${requests} kline requests to the simulated exchange`, value: cold.ms, unit: 'ms' },
        { label: 'warm: from the store, no request', value: warm.ms, unit: 'ms' },
        { label: 'speed-up warm / cold', value: cold.ms / warm.ms, unit: '×' },
        { label: 'candles', value: warm.rows, unit: 'rows' },
      ],
    };
  } finally {
    await exchange.close();
    await rm(dir, { recursive: true, force: true });
  }
}
