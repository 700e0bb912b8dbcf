import { ErrorCodes, TradecacheError } from '../errors.ts';
import type { Kline } from '../trading/index.ts';

/** Parameters of the long-only SMA crossover strategy. */
export interface SmaCrossoverParams {
  /** Fast SMA period in candles. */
  readonly fast: number;
  /** Slow SMA period in candles (> fast). */
  readonly slow: number;
  /** Fee per side in basis points (10 = 0.1 %). @default 0 */
  readonly feeBps?: number;
  /** Quote currency at the start. @default 10000 */
  readonly startingCash?: number;
}

export interface BacktestTrade {
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  /** Base quantity bought (after the entry fee). */
  readonly quantity: number;
  /** Net return of the trade, fees included. */
  readonly returnPct: number;
  /** 'signal' for a cross down, 'end' when the last candle closed a still-open position. */
  readonly exitReason: 'signal' | 'end';
}

export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
}

export interface BacktestResult {
  readonly trades: BacktestTrade[];
  readonly equityCurve: EquityPoint[];
  readonly startingCash: number;
  readonly finalEquity: number;
  /** finalEquity / startingCash − 1. */
  readonly totalReturn: number;
  /** Largest fall from a running peak of the equity curve, as a fraction (0.25 = 25 %). */
  readonly maxDrawdown: number;
  readonly numberOfTrades: number;
}

function invalid(message: string): TradecacheError {
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, message);
}

/** Checks strategy parameters; bad ones throw VALIDATION_FAILED. */
export function checkSmaParams(params: SmaCrossoverParams): Required<SmaCrossoverParams> {
  const { fast, slow, feeBps = 0, startingCash = 10_000 } = params;
  if (!Number.isInteger(fast) || fast < 1) throw invalid('fast must be a positive integer');
  if (!Number.isInteger(slow) || slow <= fast) throw invalid('slow must be an integer greater than fast');
  if (!Number.isFinite(feeBps) || feeBps < 0 || feeBps > 1000)
    throw invalid('feeBps must be between 0 and 1000');
  if (!Number.isFinite(startingCash) || startingCash <= 0) throw invalid('startingCash must be positive');
  return { fast, slow, feeBps, startingCash };
}

/**
 * Long-only SMA crossover on closes: buy everything at the close of the candle where the fast
 * SMA crosses above the slow one, sell at the close where it crosses below. A position still
 * open after the last candle is closed at that candle's close. Fees are charged on both sides.
 */
export function runSmaCrossover(candles: readonly Kline[], params: SmaCrossoverParams): BacktestResult {
  const { fast, slow, feeBps, startingCash } = checkSmaParams(params);
  const fee = feeBps / 10_000;
  const closes = candles.map((k) => Number(k.close));
  const fastSma = movingAverage(closes, fast);
  const slowSma = movingAverage(closes, slow);
  const trades: BacktestTrade[] = [];
  const equityCurve: EquityPoint[] = [];
  let cash = startingCash;
  let qty = 0;
  let entry: { time: number; price: number; cost: number } | null = null;

  const exit = (i: number, reason: BacktestTrade['exitReason']) => {
    const k = candles[i]!;
    const price = closes[i]!;
    cash = qty * price * (1 - fee);
    trades.push({
      entryTime: entry!.time,
      entryPrice: entry!.price,
      exitTime: k.closeTime,
      exitPrice: price,
      quantity: qty,
      returnPct: cash / entry!.cost - 1,
      exitReason: reason,
    });
    qty = 0;
    entry = null;
  };

  for (let i = 0; i < candles.length; i++) {
    const f = fastSma[i];
    const s = slowSma[i];
    const pf = i > 0 ? fastSma[i - 1] : undefined;
    const ps = i > 0 ? slowSma[i - 1] : undefined;
    if (f !== undefined && s !== undefined && pf !== undefined && ps !== undefined) {
      const price = closes[i]!;
      if (!entry && pf <= ps && f > s) {
        entry = { time: candles[i]!.closeTime, price, cost: cash };
        qty = (cash * (1 - fee)) / price;
        cash = 0;
      } else if (entry && pf >= ps && f < s) {
        exit(i, 'signal');
      }
    }
    if (entry && i === candles.length - 1) exit(i, 'end');
    equityCurve.push({ time: candles[i]!.closeTime, equity: cash + qty * closes[i]! });
  }

  const finalEquity = equityCurve.length > 0 ? equityCurve[equityCurve.length - 1]!.equity : startingCash;
  return {
    trades,
    equityCurve,
    startingCash,
    finalEquity,
    totalReturn: finalEquity / startingCash - 1,
    maxDrawdown: maxDrawdown(equityCurve),
    numberOfTrades: trades.length,
  };
}

/** SMA per index; undefined until `period` values exist. */
function movingAverage(values: readonly number[], period: number): (number | undefined)[] {
  const out: (number | undefined)[] = new Array(values.length).fill(undefined);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= period) sum -= values[i - period]!;
    if (i >= period - 1) out[i] = sum / period;
  }
  return out;
}

function maxDrawdown(curve: readonly EquityPoint[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const p of curve) {
    peak = Math.max(peak, p.equity);
    if (peak > 0) worst = Math.max(worst, (peak - p.equity) / peak);
  }
  return worst;
}
