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
  parse24hTickers,
  parseKlineRow,
  parseKlines,
  parseOrderBook,
  parseTickerPrices,
  parseTrades,
} from './market-data.ts';
export { checkKlineQuery, LIMIT_MAX } from './params.ts';
export { parseRetryAfter } from './transport.ts';
export { type MarketPause, RequestWeightLedger } from './weight-ledger.ts';
