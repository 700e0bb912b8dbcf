/**
 * The simulated symbol universe: which spot pairs and futures contracts exist, their status,
 * tick/step sizes and listing dates. Everything is a pure function of the seed, so the same
 * seed always lists the same markets.
 */
import type { MarketType } from '../../trading/index.ts';
import { BASE_ASSETS, PER_THOUSAND_ON_FUTURES, REFERENCE_USD, STABLE_ASSETS } from './assets.ts';
import { decimalsOf, powerOfTen } from './decimal.ts';
import { hash32, logUniform, signedUnit, unit } from './hash.ts';

const DAY = 86_400_000;

/** Everything the simulator needs to know about one symbol. */
export interface SymbolDef {
  readonly symbol: string;
  readonly market: MarketType;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  readonly status: string;
  /** Futures: PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER. */
  readonly contractType?: string;
  readonly deliveryDate?: number;
  readonly tick: number;
  readonly step: number;
  readonly priceDecimals: number;
  readonly qtyDecimals: number;
  /** Spot pads every decimal string to 8 places; futures print the symbol's own precision. */
  readonly padTo: number;
  readonly minNotional: number;
  /** First moment the symbol trades; no candles exist before it. */
  readonly listedAt: number;
  /** When trading stopped (BREAK, SETTLING, delivered); null while it trades. */
  readonly haltedAt: number | null;
  /** How many base-asset units one quoted unit stands for (1000 for 1000PEPEUSDT). */
  readonly unitsPerQuote: number;
  /** The asset whose price walk drives the base side (PEPE for 1000PEPE). */
  readonly priceAsset: string;
  /** Typical traded value per minute, in USD; drives volumes and trade counts. */
  readonly usdPerMinute: number;
  /** Mean time between two trades; trade ids advance once per slot. */
  readonly tradeSpacingMs: number;
}

/** All symbols of both markets for one seed. */
export interface Universe {
  readonly seed: number;
  readonly spot: readonly SymbolDef[];
  readonly futures: readonly SymbolDef[];
  /** Reference USD price of an asset at the origin of its walk. */
  referenceUsd(asset: string): number;
  find(market: MarketType, symbol: string): SymbolDef | undefined;
}

const CROSS_QUOTES: ReadonlyArray<readonly [string, number]> = [
  ['BTC', 70],
  ['ETH', 25],
  ['FDUSD', 12],
  ['EUR', 6],
];
const DELIVERIES: ReadonlyArray<readonly [string, string, number, number]> = [
  ['261225', 'CURRENT_QUARTER', Date.UTC(2026, 11, 25, 8), Date.UTC(2026, 5, 26, 8)],
  ['270326', 'NEXT_QUARTER', Date.UTC(2027, 2, 26, 8), Date.UTC(2026, 8, 25, 8)],
];
const PERPETUAL_BASES = 140;

/** Builds the universe for a seed. Cheap (a few ms); call once per server. */
export function buildUniverse(seed: number): Universe {
  const refCache = new Map<string, number>();
  const referenceUsd = (asset: string): number => {
    const cached = refCache.get(asset);
    if (cached !== undefined) return cached;
    let ref = REFERENCE_USD[asset] ?? logUniform(0.02, 40, 'ref', asset);
    if (!STABLE_ASSETS.has(asset) && asset !== 'EUR') ref *= Math.exp(0.3 * signedUnit(seed, 'ref', asset));
    refCache.set(asset, ref);
    return ref;
  };

  const make = (
    market: MarketType,
    base: string,
    quote: string,
    rank: number,
    extra: Partial<SymbolDef> & { symbol?: string } = {},
  ): SymbolDef => {
    const perThousand = market === 'futures' && PER_THOUSAND_ON_FUTURES.has(base);
    const unitsPerQuote = perThousand ? 1000 : 1;
    const baseName = perThousand ? `1000${base}` : base;
    const symbol = extra.symbol ?? `${baseName}${quote}`;
    const baseUsd = referenceUsd(base) * unitsPerQuote;
    const pairRef = baseUsd / referenceUsd(quote);
    const mag = Math.floor(Math.log10(pairRef));
    const baseMag = Math.floor(Math.log10(baseUsd));
    const tick = market === 'spot' ? powerOfTen(mag - 5, -8, -2) : powerOfTen(mag - 4, -7, -1);
    const step = market === 'spot' ? powerOfTen(-(baseMag + 1), -8, 0) : powerOfTen(-baseMag + 1, -3, 0);
    const quoteUsd = referenceUsd(quote);
    const top = rank < 10;
    // Cross-quoted pairs (ETHBTC, SOLEUR) trade a fraction of their USDT twin.
    const usdPerMinute =
      (top ? logUniform(2e5, 2e6, seed, 'vol', symbol) : logUniform(2e3, 1e5, seed, 'vol', symbol)) /
      (quote === 'USDT' ? 1 : 10);
    const avgTradeUsd = logUniform(150, 1500, seed, 'avgTrade', symbol);
    const listedAt = top
      ? Date.UTC(2017, 7, 17) + rank * 30 * DAY
      : Date.UTC(2018, 0, 1) + Math.floor(unit(seed, 'listed', symbol) * 6 * 365) * DAY;
    return {
      symbol,
      market,
      baseAsset: baseName,
      quoteAsset: quote,
      status: 'TRADING',
      tick,
      step,
      priceDecimals: decimalsOf(tick),
      qtyDecimals: decimalsOf(step),
      padTo: market === 'spot' ? 8 : 0,
      minNotional:
        market === 'futures' ? (base === 'BTC' ? 100 : 5) : 5 / quoteUsd > 1 ? 5 : roundSig(5 / quoteUsd),
      listedAt,
      haltedAt: null,
      unitsPerQuote,
      priceAsset: base,
      usdPerMinute,
      tradeSpacingMs: Math.max(10, Math.round((60_000 * avgTradeUsd) / usdPerMinute)),
      ...extra,
    };
  };
  const halt = (def: SymbolDef, status: string): SymbolDef => {
    // Halted somewhere between listing and mid-2025, so a halted symbol's history simply ends there.
    const lastHalt = Math.max(def.listedAt + 200 * DAY, Date.UTC(2025, 5, 1));
    const span = Math.floor((lastHalt - def.listedAt) / DAY);
    const haltedAt = def.listedAt + Math.floor((0.3 + 0.7 * unit(seed, 'halt', def.symbol)) * span) * DAY;
    return { ...def, status, haltedAt };
  };

  const spot: SymbolDef[] = [];
  const bases = BASE_ASSETS.filter((a) => !STABLE_ASSETS.has(a));
  bases.forEach((base, rank) => {
    const def = make('spot', base, 'USDT', rank);
    spot.push(rank >= 20 && unit(seed, 'break', def.symbol) < 0.07 ? halt(def, 'BREAK') : def);
  });
  for (const stable of ['USDC', 'FDUSD', 'TUSD', 'EUR']) spot.push(make('spot', stable, 'USDT', 30));
  for (const [quote, count] of CROSS_QUOTES) {
    for (const [rank, base] of bases.slice(0, count + 1).entries()) {
      if (base === quote || referenceUsd(base) / referenceUsd(quote) < 1e-5) continue;
      const def = make('spot', base, quote, rank + 5);
      spot.push(rank >= 10 && unit(seed, 'break', def.symbol) < 0.1 ? halt(def, 'BREAK') : def);
    }
  }
  // BUSD was wound down in 2023: its pairs stay listed as BREAK, like on the real exchange.
  for (const [rank, base] of bases.slice(0, 15).entries())
    spot.push(halt(make('spot', base, 'BUSD', rank), 'BREAK'));

  const futures: SymbolDef[] = [];
  const settlingIndex = 20 + (hash32(seed, 'settling') % 100);
  bases.slice(0, PERPETUAL_BASES).forEach((base, rank) => {
    const def = make('futures', base, 'USDT', rank, { contractType: 'PERPETUAL' });
    const settling = rank === settlingIndex || (rank >= 20 && unit(seed, 'settling', def.symbol) < 0.02);
    futures.push(settling ? halt(def, 'SETTLING') : def);
  });
  for (const base of ['BTC', 'ETH', 'SOL']) {
    futures.push(make('futures', base, 'USDC', 12, { contractType: 'PERPETUAL' }));
  }
  for (const base of ['BTC', 'ETH']) {
    for (const [suffix, contractType, deliveryDate, listedAt] of DELIVERIES) {
      const symbol = `${base}USDT_${suffix}`;
      futures.push(
        make('futures', base, 'USDT', 0, {
          symbol,
          contractType,
          deliveryDate,
          listedAt,
          haltedAt: deliveryDate,
        }),
      );
    }
  }

  const index = new Map<string, SymbolDef>();
  for (const def of [...spot, ...futures]) index.set(`${def.market}:${def.symbol}`, def);
  return {
    seed,
    spot,
    futures,
    referenceUsd,
    find: (market, symbol) => index.get(`${market}:${symbol}`),
  };
}

/** Rounds to two significant digits so minimum notionals look hand-picked (0.0001, 0.0016). */
function roundSig(x: number): number {
  const p = 10 ** (Math.floor(Math.log10(x)) - 1);
  return Math.round(x / p) * p;
}
