import type { InstrumentType, MarketInfo } from '../../trading/index.ts';
import { expectArray, expectName, expectRecord, isRecord, type JsonRecord } from './shape.ts';

/**
 * exchangeInfo → MarketInfo[]. Pure functions: the client calls them on live bodies, tests on
 * the recorded fixtures. Unknown fields are ignored and unknown enum values (statuses, contract
 * types, filter types) are kept as data, because Binance adds them without notice.
 */

/** The filters we read, by filterType. Filters and their keys come in any order. */
function filtersByType(raw: unknown, what: string): Map<string, JsonRecord> {
  const byType = new Map<string, JsonRecord>();
  // A symbol without a filters list simply has no tick/step/notional rules.
  if (raw === undefined) return byType;
  for (const filter of expectArray(raw, what)) {
    if (isRecord(filter) && typeof filter.filterType === 'string' && !byType.has(filter.filterType)) {
      byType.set(filter.filterType, filter);
    }
  }
  return byType;
}

/** A filter's decimal field, or null when the filter or field is absent (Binance drops filters). */
function filterValue(filters: Map<string, JsonRecord>, type: string, key: string): string | null {
  const value = filters.get(type)?.[key];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/**
 * Minimum order value: spot since 2022-06 sends NOTIONAL.minNotional, older spot bodies
 * MIN_NOTIONAL.minNotional, and USDⓈ-M futures MIN_NOTIONAL.notional.
 */
function minNotionalOf(filters: Map<string, JsonRecord>): string | null {
  return (
    filterValue(filters, 'NOTIONAL', 'minNotional') ??
    filterValue(filters, 'MIN_NOTIONAL', 'minNotional') ??
    filterValue(filters, 'MIN_NOTIONAL', 'notional')
  );
}

/** The symbol list, after checking the top level is a real exchangeInfo body. */
function symbolEntries(json: unknown, what: string): unknown[] {
  const body = expectRecord(json, what);
  return expectArray(body.symbols, `${what}.symbols`);
}

/** Fields every market shares; throws EXCHANGE_BAD_RESPONSE when an identifier is missing. */
function commonFields(entry: unknown, what: string) {
  const symbol = expectRecord(entry, what);
  const filters = filtersByType(symbol.filters, `${what}.filters`);
  return {
    raw: symbol,
    fields: {
      symbol: expectName(symbol.symbol, `${what}.symbol`),
      baseAsset: expectName(symbol.baseAsset, `${what}.baseAsset`),
      quoteAsset: expectName(symbol.quoteAsset, `${what}.quoteAsset`),
      status: expectName(symbol.status, `${what}.status`),
      tickSize: filterValue(filters, 'PRICE_FILTER', 'tickSize'),
      stepSize: filterValue(filters, 'LOT_SIZE', 'stepSize'),
      minNotional: minNotionalOf(filters),
    },
  };
}

/** Normalises a spot `GET /api/v3/exchangeInfo` body. Every symbol gets type `spot`. */
export function normalizeSpotExchangeInfo(json: unknown): MarketInfo[] {
  return symbolEntries(json, 'spot exchangeInfo').map((entry, index) => {
    const { fields } = commonFields(entry, `spot exchangeInfo.symbols[${index}]`);
    return { ...fields, type: 'spot' };
  });
}

/**
 * Instrument type from a futures contractType. Decided on contractType, never on deliveryDate
 * (perpetuals carry a far-future date that is not always exact).
 */
export function futuresInstrumentType(contractType: string): InstrumentType {
  if (contractType === 'PERPETUAL' || contractType === 'TRADIFI_PERPETUAL') return 'perpetual';
  if (
    contractType === 'CURRENT_QUARTER' ||
    contractType === 'NEXT_QUARTER' ||
    contractType.endsWith('_DELIVERING')
  ) {
    return 'delivery';
  }
  return 'other';
}

/** Normalises a USDⓈ-M futures `GET /fapi/v1/exchangeInfo` body; `contractType` is kept raw. */
export function normalizeFuturesExchangeInfo(json: unknown): MarketInfo[] {
  return symbolEntries(json, 'futures exchangeInfo').map((entry, index) => {
    const { raw, fields } = commonFields(entry, `futures exchangeInfo.symbols[${index}]`);
    const contractType = typeof raw.contractType === 'string' ? raw.contractType : '';
    return { ...fields, type: futuresInstrumentType(contractType), contractType };
  });
}
