import { readFileSync } from 'node:fs';
import path from 'node:path';

const FIXTURES = path.resolve(import.meta.dirname, '../../shared/fixtures/binance/spot/rest');

/**
 * A realistic ~1 KiB cache value: the recorded Binance 24 h ticker of BTCUSDT, its book ticker and
 * the last price, as a market-data read model would cache them. `i` varies the numbers per key.
 */
export function tickerPayload(i = 0): Record<string, unknown> {
  const ticker = JSON.parse(readFileSync(path.join(FIXTURES, 'ticker_24hr.BTCUSDT.2021-10-22.json'), 'utf8'));
  const book = JSON.parse(
    readFileSync(path.join(FIXTURES, 'ticker_bookTicker.BTCUSDT.2021-10-22.json'), 'utf8'),
  );
  return {
    ...ticker,
    count: ticker.count + i,
    book,
    // Top of the order book, as the market-data cache stores it next to the ticker.
    depth: {
      bids: [
        ['60741.67000000', '0.36580000'],
        ['60741.66000000', '0.01200000'],
        ['60741.10000000', '0.15000000'],
      ],
      asks: [
        ['60741.68000000', '0.45178000'],
        ['60742.00000000', '0.00500000'],
        ['60742.35000000', '1.20000000'],
      ],
    },
    market: 'spot',
    source: 'binance',
    cachedFrom: 'rest/api/v3/ticker/24hr',
    fetchedAt: 1634944401452 + i,
  };
}
