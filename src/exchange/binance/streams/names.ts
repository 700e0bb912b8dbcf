/**
 * Binance stream names: lower-case symbol + stream type. The one place that spells them, so
 * the feed never builds a name by hand.
 */

/** Every price of the market, once a second (only symbols whose ticker changed). */
export const ALL_MINI_TICKERS = '!miniTicker@arr';

const SYMBOL = /^[A-Za-z0-9_]{1,20}$/;

function lower(symbol: string): string {
  if (!SYMBOL.test(symbol)) throw new RangeError(`not a symbol: ${JSON.stringify(symbol.slice(0, 30))}`);
  return symbol.toLowerCase();
}

/** `<symbol>@aggTrade`. */
export const aggTradeStream = (symbol: string): string => `${lower(symbol)}@aggTrade`;
/** `<symbol>@bookTicker`. */
export const bookTickerStream = (symbol: string): string => `${lower(symbol)}@bookTicker`;
/** `<symbol>@depth@100ms`: the diff stream a local order book is kept from. */
export const depthStream = (symbol: string): string => `${lower(symbol)}@depth@100ms`;
/** `<symbol>@miniTicker`. */
export const miniTickerStream = (symbol: string): string => `${lower(symbol)}@miniTicker`;

/** The three streams the feed follows for a watched symbol. */
export function watchedSymbolStreams(symbol: string): string[] {
  return [aggTradeStream(symbol), bookTickerStream(symbol), depthStream(symbol)];
}
