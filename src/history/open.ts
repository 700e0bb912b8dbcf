import path from 'node:path';
import type { Config } from '../config/types.ts';
import type { ExchangeClient } from '../trading/index.ts';
import { BacktestService } from './backtest-service.ts';
import { HistoryStore } from './history-store.ts';

export interface HistoryServices {
  readonly store: HistoryStore;
  readonly backtest: BacktestService;
}

/** The kline store under `<dataDir>/history` and the backtest service reading it. */
export function openHistory(config: Config, exchange: ExchangeClient): HistoryServices {
  const store = new HistoryStore({ dir: path.join(config.dataDir, 'history') });
  const backtest = new BacktestService({ exchange, store, maxRangeDays: config.history.maxRangeDays });
  return { store, backtest };
}
