// Instruments as the exchange lists them (exchangeInfo), normalised.

/** What kind of instrument a symbol is. */
export type InstrumentType = 'spot' | 'perpetual' | 'delivery' | 'other';

/** A tradable symbol, normalised from exchangeInfo. Decimal values stay strings (exact). */
export interface MarketInfo {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Exchange status as sent (`TRADING`, `BREAK`, `SETTLING`, ...); unknown values are kept. */
  readonly status: string;
  readonly type: InstrumentType;
  /** PRICE_FILTER.tickSize, or null when the filter is missing. */
  readonly tickSize: string | null;
  /** LOT_SIZE.stepSize, or null when the filter is missing. */
  readonly stepSize: string | null;
  /** NOTIONAL.minNotional (spot), MIN_NOTIONAL.minNotional (old spot) or MIN_NOTIONAL.notional (futures). */
  readonly minNotional: string | null;
  /** Futures only: PERPETUAL, CURRENT_QUARTER, ... (raw). */
  readonly contractType?: string;
}
