/** The Binance REST exchange client and its pure body parsers. */
export { BinanceClient, type BinanceClientOptions, createBinanceClient } from './client.ts';
export {
  type BinanceErrorBody,
  errorFromResponse,
  parseBinanceErrorBody,
  type RequestFacts,
} from './errors.ts';
export {
  futuresInstrumentType,
  normalizeFuturesExchangeInfo,
  normalizeSpotExchangeInfo,
} from './exchange-info.ts';
export {
  parseAggTrades,
  parseBookTickers,
  parsePremiumIndex,
  parseServerTime,
} from './live-market-data.ts';
export {
  parse24hTickers,
  parseKlineRow,
  parseKlines,
  parseOrderBook,
  parseTickerPrices,
  parseTrades,
} from './market-data.ts';
export { AGG_TRADES_MAX_WINDOW_MS, checkAggTradeQuery, checkKlineQuery, LIMIT_MAX } from './params.ts';
export { type ExchangeRoundTrip, ServerClock } from './server-clock.ts';
export { parseRetryAfter } from './transport.ts';
export { type MarketPause, RequestWeightLedger } from './weight-ledger.ts';
export { requestWeight } from './weights.ts';
