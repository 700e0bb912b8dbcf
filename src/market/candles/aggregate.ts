/**
 * Longer candles from shorter closed ones (1m → 5m, 15m, 1h, 4h, 1d), e.g. to merge candles
 * fetched from the exchange or stored by another worker. Exact: volumes are summed as decimals.
 */
import { ErrorCodes, TradecacheError } from '../../errors.ts';
import { alignDown, intervalMs } from '../../trading/index.ts';
import { add, compare, type Decimal, parseDecimal, toDecimalString } from '../decimal/index.ts';
import type { Candle, CandleInterval } from './types.ts';

/** The fields a source candle needs (a {@link Candle}, a parsed kline row, ...). */
export interface CandleInput {
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly quoteVolume: string;
  readonly takerBuyVolume?: string;
  readonly takerBuyQuoteVolume?: string;
  readonly trades: number;
  readonly firstTradeId?: number;
  readonly lastTradeId?: number;
}

interface Group {
  openTime: number;
  first: CandleInput;
  last: CandleInput;
  high: Decimal;
  high$: string;
  low: Decimal;
  low$: string;
  sums: Decimal[];
  trades: number;
  firstTradeId: number;
  lastTradeId: number;
}

const SUMMED = ['volume', 'quoteVolume', 'takerBuyVolume', 'takerBuyQuoteVolume'] as const;

function invalid(message: string): TradecacheError {
  return new TradecacheError(ErrorCodes.VALIDATION_FAILED, message);
}

/**
 * Groups ascending, non-overlapping candles by the `interval` bucket their open time falls in.
 * A result is `closed` when its bucket's last source candle is present (the bucket has ended).
 */
export function aggregateCandles(candles: readonly CandleInput[], interval: CandleInterval): Candle[] {
  const ms = intervalMs(interval);
  const groups: Group[] = [];
  let previous: CandleInput | undefined;
  for (const c of candles) {
    if (previous && c.openTime <= previous.closeTime) {
      throw invalid(`candles must be ascending and not overlap (openTime ${c.openTime})`);
    }
    if (
      c.closeTime - c.openTime + 1 > ms ||
      alignDown(interval, c.closeTime) !== alignDown(interval, c.openTime)
    ) {
      throw invalid(`a candle at ${c.openTime} does not fit in one ${interval} candle`);
    }
    previous = c;
    const high = parseDecimal(c.high, { field: 'candle high' });
    const low = parseDecimal(c.low, { field: 'candle low' });
    const sums = SUMMED.map((k) => parseDecimal(c[k] ?? '0', { field: `candle ${k}` }));
    const openTime = alignDown(interval, c.openTime);
    const g = groups[groups.length - 1];
    if (g && g.openTime === openTime) {
      g.last = c;
      if (compare(high, g.high) > 0) [g.high, g.high$] = [high, c.high];
      if (compare(low, g.low) < 0) [g.low, g.low$] = [low, c.low];
      g.sums = g.sums.map((s, i) => add(s, sums[i]!));
      g.trades += c.trades;
      if (c.lastTradeId !== undefined && c.lastTradeId >= 0) {
        if (g.firstTradeId < 0) g.firstTradeId = c.firstTradeId ?? -1;
        g.lastTradeId = c.lastTradeId;
      }
    } else {
      const ids = c.lastTradeId !== undefined && c.lastTradeId >= 0;
      groups.push({
        openTime,
        first: c,
        last: c,
        high,
        high$: c.high,
        low,
        low$: c.low,
        sums,
        trades: c.trades,
        firstTradeId: ids ? (c.firstTradeId ?? -1) : -1,
        lastTradeId: ids ? c.lastTradeId! : -1,
      });
    }
  }
  return groups.map((g) => toCandle(g, interval, ms));
}

function toCandle(g: Group, interval: CandleInterval, ms: number): Candle {
  // Sums keep the widest scale of their terms: the exchange's 8-decimal strings stay 8 wide.
  const [volume, quoteVolume, takerBuyVolume, takerBuyQuoteVolume] = g.sums.map((s) => toDecimalString(s));
  const closeTime = g.openTime + ms - 1;
  return {
    interval,
    openTime: g.openTime,
    closeTime,
    open: g.first.open,
    high: g.high$,
    low: g.low$,
    close: g.last.close,
    volume: volume!,
    quoteVolume: quoteVolume!,
    takerBuyVolume: takerBuyVolume!,
    takerBuyQuoteVolume: takerBuyQuoteVolume!,
    trades: g.trades,
    firstTradeId: g.firstTradeId,
    lastTradeId: g.lastTradeId,
    closed: g.last.closeTime >= closeTime,
  };
}
