/**
 * One candle, in the 12-column order of the Binance kline array and archive CSV, so it can be
 * written back byte-for-byte. Prices and volumes are decimal strings.
 */
export interface Kline {
  readonly openTime: number;
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  readonly volume: string;
  readonly closeTime: number;
  readonly quoteVolume: string;
  readonly trades: number;
  readonly takerBuyBaseVolume: string;
  readonly takerBuyQuoteVolume: string;
  readonly ignore: string;
}
